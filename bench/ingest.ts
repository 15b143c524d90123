// npm run bench:ingest — drives the local runtime over HTTP with Alertmanager batches and
// prints one JSON line of figures (see README "Benchmarks"). Targets on this machine: at most
// 1 DynamoDB write per repeated alert and 3 per new alert; p99 under 50 ms for requests of up
// to 10 alerts at 200 alerts/s; webhook bundle under 300 KB; cold init under 150 ms.
import type { AmAlert } from '../test/support/alertmanager';
import { measureBundles } from './bundles';
import { percentile, postAlerts as post, requestsOf, round, sleep, startBench, writesOf } from './support';

const TOTAL = Number(process.env.BENCH_ALERTS ?? 20000);
const KEYS = 1000;
const RATE = 200; // alerts per second in the steady phase

let seq = 0;
const alertFor = (key: number): AmAlert => ({
  labels: {
    alertname: `BenchAlert${key % 50}`,
    instance: `host-${key}:9100`,
    service: `svc-${key % 20}`,
    severity: 'warning',
    bench: String(key),
  },
  summary: `bench ${key} seq ${seq++}`,
  startsAt: '2026-11-21T00:00:00Z',
});

async function main(): Promise<void> {
  const env = await startBench();
  const url = env.rt.url;
  try {
    // Calibration: exact DynamoDB requests per new and per repeated alert, counted on the client.
    // Batches of 10 alerts; the per-request overhead (payload claim + completion) is reported apart.
    const calib = async (keys: number[]) => {
      await env.rt.settle();
      env.resetCounts();
      const ingestOnly = new Map<string, number>();
      let requests = 0;
      for (let i = 0; i < keys.length; i += 10) {
        await post(url, keys.slice(i, i + 10).map(alertFor));
        requests++;
      }
      for (const [k, v] of env.byFunction.get('ingest') ?? []) ingestOnly.set(k, v);
      return { alerts: keys.length, requests, writes: writesOf(ingestOnly), total: requestsOf(ingestOnly) };
    };
    const fresh = Array.from({ length: KEYS }, (_, i) => i);
    const newCal = await calib(fresh);
    const repCal = await calib(fresh);
    await env.rt.settle();

    // Steady: requests of 1-10 alerts at 200 alerts/s; 80% repeats of the 1,000 keys, 20% new keys.
    let nextNew = KEYS;
    const pick = () => (Math.random() < 0.8 ? Math.floor(Math.random() * KEYS) : nextNew++);
    const steadyLatency: number[] = [];
    const steadyTarget = Math.floor(TOTAL / 2);
    const started = performance.now();
    let sent = 0;
    const inflight: Promise<void>[] = [];
    while (sent < steadyTarget) {
      const n = Math.min(1 + Math.floor(Math.random() * 10), steadyTarget - sent);
      const batch = Array.from({ length: n }, () => alertFor(pick()));
      const due = started + (sent / RATE) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      sent += n;
      inflight.push(post(url, batch).then((ms) => void steadyLatency.push(ms)));
    }
    await Promise.all(inflight);
    const steadySeconds = (performance.now() - started) / 1000;
    await env.rt.settle();

    // As fast as it can: requests of 1-50 alerts, 8 in flight.
    const fastLatency: number[] = [];
    const fastTarget = TOTAL - steadyTarget;
    let fastSent = 0;
    const fastStarted = performance.now();
    const worker = async () => {
      while (fastSent < fastTarget) {
        const n = Math.min(1 + Math.floor(Math.random() * 50), fastTarget - fastSent);
        fastSent += n;
        fastLatency.push(
          await post(
            url,
            Array.from({ length: n }, () => alertFor(pick())),
          ),
        );
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const fastSeconds = (performance.now() - fastStarted) / 1000;
    await env.rt.settle();

    const bundles = await measureBundles(['ingest']);
    console.log(
      JSON.stringify({
        bench: 'ingest',
        alerts: TOTAL,
        steady: {
          alertsPerSecond: round(steadyTarget / steadySeconds, 1),
          requests: steadyLatency.length,
          p50Ms: round(percentile(steadyLatency, 50), 1),
          p99Ms: round(percentile(steadyLatency, 99), 1),
        },
        maxRate: {
          alertsPerSecond: round(fastTarget / fastSeconds, 1),
          requests: fastLatency.length,
          p50Ms: round(percentile(fastLatency, 50), 1),
          p99Ms: round(percentile(fastLatency, 99), 1),
        },
        dynamodb: {
          perNewAlert: {
            writes: round((newCal.writes - 2 * newCal.requests) / newCal.alerts),
            requests: round((newCal.total - 3 * newCal.requests) / newCal.alerts),
          },
          perRepeatedAlert: {
            writes: round((repCal.writes - 2 * repCal.requests) / repCal.alerts),
            requests: round((repCal.total - 3 * repCal.requests) / repCal.alerts),
          },
          perRequestOverhead: {
            writes: 2,
            reads: 1,
            note: 'integration read, payload claim, completion mark; shared by every alert in the request',
          },
          amortizedAtBatch10: {
            newAlertWrites: round(newCal.writes / newCal.alerts),
            repeatedAlertWrites: round(repCal.writes / repCal.alerts),
          },
        },
        bundle: bundles[0],
      }),
    );
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

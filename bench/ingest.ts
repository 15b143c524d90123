// npm run bench:ingest — drives the whole local runtime over HTTP with Alertmanager batches and
// prints one JSON line of figures (see README "Benchmarks"):
//   calibration  DynamoDB requests and writes per new and per repeated alert on the webhook path
//   offered      a fixed offered rate (BENCH_RATE alerts/s, default 200, for BENCH_SECONDS, default 20;
//                half of the alerts repeat one already sent), then drained
//   closed       BENCH_CLIENTS clients (default 8), each sending its next batch when the last answered
// For offered and closed: alerts/s served, p50/p99 request latency, drain time, CPU ms per alert of
// this process (webhook, outbox, incident engine: everything until drained) and of DynamoDB Local
// apart, DynamoDB requests, writes and units per alert by function and operation, peak RSS of both.
// Goals (issue 15): ≤ 5 ms CPU per alert; ≤ 4 requests and ≤ 8 write units per new alert end to end;
// 200 alerts/s served with p99 under 250 ms. Times depend on the machine's load (printed), counts not.
import type { AmAlert } from '../test/support/alertmanager';
import { measureBundles } from './bundles';
import {
  capacityCounter,
  measureDrained,
  perUnitTally,
  percentile,
  offerAlerts,
  postAlerts as post,
  requestsOf,
  round,
  sleep,
  startBench,
  writesOf,
  type BenchEnv,
} from './support';

const KEYS = 1000;
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);

const alertFor = (key: number): AmAlert => ({
  labels: {
    alertname: `BenchAlert${key % 50}`,
    instance: `host-${key}:9100`,
    service: `svc-${key % 20}`,
    severity: 'warning',
    bench: String(key),
  },
  summary: `bench ${key}`,
  startsAt: '2026-11-21T00:00:00Z',
});

/** Keys for a phase: a new key or (half the time) one already sent. */
function keyPicker(firstNew: number) {
  const sent: number[] = [];
  let next = firstNew;
  return () => {
    if (sent.length && Math.random() < 0.5) return sent[Math.floor(Math.random() * sent.length)]!;
    sent.push(next);
    return next++;
  };
}

/** Offer a batch; count its answer; only a 202's alerts count as served. */
async function offerCounted(
  url: string,
  batch: AmAlert[],
  tally: { alerts: number; latencies: number[]; answers: Record<number, number> },
): Promise<void> {
  const { status, ms } = await offerAlerts(url, batch);
  tally.answers[status] = (tally.answers[status] ?? 0) + 1;
  tally.latencies.push(ms);
  if (status === 202) tally.alerts += batch.length;
}

const batchOf = (pick: () => number) =>
  Array.from({ length: 1 + Math.floor(Math.random() * 10) }, () => alertFor(pick()));

/** Run a load phase and measure it until the runtime has drained everything it accepted. */
async function loadPhase(
  env: BenchEnv,
  capacity: ReturnType<typeof capacityCounter>,
  drive: () => Promise<{ alerts: number; latencies: number[]; answers: Record<number, number> }>,
) {
  const m = await measureDrained(env, capacity, drive);
  const { alerts, latencies, answers } = m.result;
  return {
    alerts,
    requests: latencies.length,
    /** Answers by status: anything but 202 is an alert the sender must retry (not retried here). */
    answers,
    alertsPerSecond: round(alerts / m.servedSeconds, 1),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    drainSeconds: round(m.drainSeconds, 1),
    cpuMsPerAlert: {
      nocturne: round(m.cpuMs.nocturne / alerts),
      dynamodbLocal: m.cpuMs.dynamodbLocal === null ? null : round(m.cpuMs.dynamodbLocal / alerts),
    },
    dynamodbPerAlert: perUnitTally(m.tally, alerts),
    peakRssMb: m.peakRssMb,
    loadAverage1m: m.loadAverage1m,
  };
}

async function main(): Promise<void> {
  const env = await startBench();
  const url = env.rt.url;
  const capacity = capacityCounter();
  try {
    // Calibration: exact DynamoDB requests per new and per repeated alert, counted on the client.
    // Batches of 10 alerts; the per-request overhead (payload claim + completion) is reported apart.
    const calib = async (keys: number[]) => {
      await env.rt.settle();
      env.resetCounts();
      capacity.open();
      const ingestOnly = new Map<string, number>();
      let requests = 0;
      for (let i = 0; i < keys.length; i += 10) {
        await post(url, keys.slice(i, i + 10).map(alertFor));
        requests++;
      }
      await env.rt.settle();
      const endToEnd = perUnitTally(capacity.close(), keys.length);
      for (const [k, v] of env.byFunction.get('ingest') ?? []) ingestOnly.set(k, v);
      return { alerts: keys.length, requests, writes: writesOf(ingestOnly), total: requestsOf(ingestOnly), endToEnd };
    };
    const fresh = Array.from({ length: KEYS }, (_, i) => i);
    const newCal = await calib(fresh);
    const repCal = await calib(fresh);
    await env.rt.settle();

    // Offered: batches of 1-10 alerts sent on a fixed schedule (RATE alerts/s), whatever the answers.
    const offered = await loadPhase(env, capacity, async () => {
      const pick = keyPicker(10 * KEYS);
      const tally = { alerts: 0, latencies: [] as number[], answers: {} };
      const inflight: Promise<void>[] = [];
      const target = RATE * SECONDS;
      const started = performance.now();
      let sent = 0;
      while (sent < target) {
        const due = started + (sent / RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        const batch = batchOf(pick);
        sent += batch.length;
        inflight.push(offerCounted(url, batch, tally));
      }
      await Promise.all(inflight);
      return tally;
    });

    // Closed loop: CLIENTS clients, each sends its next batch of 1-10 when the last was answered.
    const closed = await loadPhase(env, capacity, async () => {
      const pick = keyPicker(100 * KEYS);
      const tally = { alerts: 0, latencies: [] as number[], answers: {} };
      const until = performance.now() + SECONDS * 1000;
      const client = async () => {
        while (performance.now() < until) await offerCounted(url, batchOf(pick), tally);
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      return tally;
    });

    const bundles = await measureBundles(['ingest']);
    console.log(
      JSON.stringify({
        bench: 'ingest',
        offered: { offeredPerSecond: RATE, seconds: SECONDS, repeats: 0.5, ...offered },
        closed: { clients: CLIENTS, seconds: SECONDS, repeats: 0.5, ...closed },
        calibration: {
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
          /** Everything the alert caused until drained (ingest, outbox, incident engine), batches of 10. */
          endToEndPerNewAlert: newCal.endToEnd,
          endToEndPerRepeatedAlert: repCal.endToEnd,
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

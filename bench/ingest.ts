// npm run bench:ingest — drives the whole local runtime over HTTP with Alertmanager batches and
// prints one JSON line of figures (see README "Benchmarks"):
//   calibration  DynamoDB requests and writes per new and per repeated alert on the webhook path
//   offered      a fixed offered rate (BENCH_RATE alerts/s, default 200, for BENCH_SECONDS, default 20;
//                half of the alerts repeat one already sent), then drained
//   closed       BENCH_CLIENTS clients (default 8), each sending its next batch when the last answered
// For offered and closed: alerts/s served, p50/p99 request latency, drain time, CPU ms per alert of
// the runtime's process (webhook, outbox, incident engine: everything until drained), of DynamoDB
// Local and of the load generator apart (the senders run in a child process, bench/ingest-load.ts),
// DynamoDB requests, writes and units per alert by function and operation, peak RSS of both.
// The runtime's figure still holds this bench's own DynamoDB request counter (capacityCounter in
// bench/support.ts: ~1.3 % of the runtime's CPU in a profile, and ReturnConsumedCapacity on every
// request for DynamoDB Local). Profile the runtime alone with
// `POWERTOOLS_LOG_LEVEL=ERROR node_modules/.bin/node --cpu-prof --import tsx bench/ingest.ts`.
// Goals (issue 15): ≤ 5 ms CPU per alert; ≤ 4 requests and ≤ 8 write units per new alert end to end;
// 200 alerts/s served with p99 under 250 ms. Times depend on the machine's load (printed), counts not.
import { measureBundles } from './bundles';
import { alertFor, startLoadGenerator, type LoadResult } from './ingest-load';
import {
  capacityCounter,
  measureDrained,
  perUnitTally,
  percentile,
  postAlerts as post,
  requestsOf,
  round,
  startBench,
  writesOf,
  type BenchEnv,
} from './support';

const KEYS = 1000;
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);

/** Run a load phase and measure it until the runtime has drained everything it accepted. */
async function loadPhase(
  env: BenchEnv,
  capacity: ReturnType<typeof capacityCounter>,
  drive: () => Promise<LoadResult>,
) {
  const m = await measureDrained(env, capacity, drive);
  const { alerts, latencies, answers } = m.result.tally;
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
      /** The runtime's process alone (webhook, outbox, engine); the senders run in another process. */
      nocturne: round(m.cpuMs.nocturne / alerts),
      dynamodbLocal: m.cpuMs.dynamodbLocal === null ? null : round(m.cpuMs.dynamodbLocal / alerts),
      /** The load generator's process (fetch, HTTP client, JSON of the payloads): not Nocturne's. */
      loadGenerator: round(m.result.cpuMs / alerts),
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
  const generator = startLoadGenerator();
  try {
    // Calibration: exact DynamoDB requests per new and per repeated alert, counted on the client.
    // Batches of 10 alerts; the per-request overhead (payload claim + completion) is reported apart.
    const calib = async (keys: number[]) => {
      await env.rt.settle();
      env.resetCounts();
      capacity.open({ priceTransactions: true });
      const ingestOnly = new Map<string, number>();
      let requests = 0;
      for (let i = 0; i < keys.length; i += 10) {
        await post(url, keys.slice(i, i + 10).map(alertFor));
        requests++;
      }
      await env.rt.settle();
      const tally = capacity.close();
      const endToEnd = perUnitTally(tally, keys.length);
      for (const [k, v] of env.byFunction.get('ingest') ?? []) ingestOnly.set(k, v);
      // The integration read is cached per container (5 s): counted apart, not per request.
      const integrationReads = tally.get('ingest')?.reads['GetItem INTEGRATION/INTEGRATION'] ?? 0;
      // The request's own writes (the raw body's Put; decision 0001 addendum 3), counted, not assumed.
      const perRequestWrites = Object.entries(tally.get('ingest')?.items ?? {})
        .filter(([label]) => label.includes('RawPayload') || label.includes('RAW/'))
        .reduce((n, [, t]) => n + t.requests, 0);
      return {
        alerts: keys.length,
        requests,
        perRequestWrites,
        writes: writesOf(ingestOnly),
        total: requestsOf(ingestOnly) - integrationReads,
        integrationReads,
        endToEnd,
      };
    };
    const fresh = Array.from({ length: KEYS }, (_, i) => i);
    const newCal = await calib(fresh);
    const repCal = await calib(fresh);
    await env.rt.settle();

    // Offered: batches of 1-10 alerts sent on a fixed schedule (RATE alerts/s), whatever the answers.
    const offered = await loadPhase(env, capacity, () =>
      generator.run({ kind: 'offered', url, rate: RATE, seconds: SECONDS, firstNew: 10 * KEYS }),
    );

    // Closed loop: CLIENTS clients, each sends its next batch of 1-10 when the last was answered.
    const closed = await loadPhase(env, capacity, () =>
      generator.run({ kind: 'closed', url, clients: CLIENTS, seconds: SECONDS, firstNew: 100 * KEYS }),
    );

    const bundles = await measureBundles(['ingest']);
    console.log(
      JSON.stringify({
        bench: 'ingest',
        offered: { offeredPerSecond: RATE, seconds: SECONDS, repeats: 0.5, ...offered },
        closed: { clients: CLIENTS, seconds: SECONDS, repeats: 0.5, ...closed },
        calibration: {
          perNewAlert: {
            writes: round((newCal.writes - newCal.perRequestWrites) / newCal.alerts),
            requests: round((newCal.total - newCal.perRequestWrites) / newCal.alerts),
          },
          perRepeatedAlert: {
            writes: round((repCal.writes - repCal.perRequestWrites) / repCal.alerts),
            requests: round((repCal.total - repCal.perRequestWrites) / repCal.alerts),
          },
          perRequestOverhead: {
            writes: round((newCal.perRequestWrites + repCal.perRequestWrites) / (newCal.requests + repCal.requests)),
            note: "the raw body's conditional Put (no completion mark since decision 0001's addendum 3); shared by every alert in the request",
          },
          /** GetItem of the integration over both calibration runs: cached 5 s per container, not per request. */
          integrationReads: newCal.integrationReads + repCal.integrationReads,
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
    generator.stop();
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:probes — figures for probes and job monitoring, against DynamoDB Local:
//  1. one probe round of 1,000 HTTP probes against loopback servers, 10 % of them slow (5 %
//     answering after 1.5 s, over their 1 s latency threshold) or never answering (5 %, timing
//     out after PROBE_TIMEOUT_S, 10 s by default as in issue 15's goal): the scheduler's fan-out,
//     then its batches run in this one process as the local runtime runs probe-worker's
//     asynchronous invocations (8 at once, one event loop, one DynamoDB client, the worker's
//     per-process bounds on checks and store calls in flight). Round wall time, failed checks, the process's peak
//     RSS during the round (and before it, for what the round itself adds).
//  2. 10,000 registered jobs that all went quiet at once, and one lateness sweep of their durable
//     timers with the timer sweeper's production settings (and, for scale, a wider one).
// Prints one JSON line of figures, with `uptime` before and after (the machine is shared).
// Also prints the round's DynamoDB requests per probe by operation (counted on the client; they do
// not depend on the machine's load the way wall time does) and when the round's last check
// started (the round ends about one timeout after it: what claiming costs before the checks).
// Knobs: PROBES (1,000), PROBE_TIMEOUT_S (10), PROBES_IN_FLIGHT (the worker's bound on checks,
// 250), PROBE_STORE_CALLS_IN_FLIGHT (its bound on claims and records, 32),
// JOBS (10,000; 0 skips part 2).
import { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BusEvent } from '../shared/adapters/events';
import { LONG_RUNNING_JVM_ARGS, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { ensureTables } from '../infra/local/tables';
import { createJobSchema, createProbeSchema } from '../shared/domain/probes/definitions';
import type { ProbeBatchDetail } from '../shared/domain/probes/rounds';
import { scheduleRound } from '../functions/probe-scheduler/schedule';
import {
  runProbeBatch,
  PROBE_STORE_CALLS_IN_FLIGHT,
  PROBES_IN_FLIGHT,
  type BatchResult,
} from '../functions/probe-worker/round';
import { sweepOnce, SWEEP_SHARD_CONCURRENCY } from '../functions/timer-sweeper/sweep';
import { runCheck } from '../shared/adapters/probe-checks';
import { addDynamoClientConfigurer, documentClient } from '../shared/store/client';
import { createProbe } from '../shared/store/probes';
import { checkJobOnTimer } from '../shared/app/probes/timers';
import { createJob, JOB_TIMER_KIND, newPingKey, recordPing } from '../shared/store/probe-jobs';

const PROBES = Number(process.env.PROBES ?? 1000);
const JOBS = Number(process.env.JOBS ?? 10_000);
const SLOW_MS = 1500;
const TIMEOUT_S = Number(process.env.PROBE_TIMEOUT_S ?? 10);
/** The local runtime's asynchronous invocations of one function in flight (infra/local/lambda.ts). */
const LOCAL_ASYNC_CONCURRENCY = 8;

/** The loopback servers, run in a worker thread (plain JavaScript: no loader needed there). */
const SERVERS_SOURCE = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
Promise.all(Array.from({ length: 8 }, () => new Promise((resolve) => {
  const s = http.createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('{"status":"ok"}'), workerData.slowMs);
    if (req.url === '/hang') return;
    res.end('{"status":"ok"}');
  });
  s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve('http://127.0.0.1:' + s.address().port));
}))).then((urls) => parentPort.postMessage(urls));
`;

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

async function bounded<T>(n: number, count: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

function memorySampler() {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 10);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { peakRssMb: Math.round(rss / 2 ** 20), peakHeapMb: Math.round(heap / 2 ** 20) };
    },
  };
}

// ------------------------------------------------------------------ the benchmark

/** 10,000 jobs that all went quiet: one lateness sweep with the sweeper's settings, then a wider one. */
async function jobSweep() {
  const spec = createJobSchema.parse({
    name: 'bench job',
    type: 'Load',
    category: 'Billing',
    team: 'bench',
    schedule: { kind: 'period', minutes: 60 },
    graceMinutes: 15,
  });
  const pingAt = new Date();
  const r0 = performance.now();
  await bounded(64, JOBS, (i) =>
    createJob({ ...spec, name: `bench job ${i}`, id: `bench-job-${i}` }, newPingKey(), pingAt),
  );
  const registerMs = performance.now() - r0;
  const p0 = performance.now();
  await bounded(64, JOBS, (i) =>
    recordPing(`bench-job-${i}`, { kind: 'success', processed: 1000, errored: 1 }, pingAt),
  );
  const pingMs = performance.now() - p0;

  // Everyone missed the next run: the sweep at the expected time + 1 s makes all of them late.
  const late = new Date(pingAt.getTime() + 60 * 60_000 + 1000);
  const handlers = {
    [JOB_TIMER_KIND]: async (t: { payload: Record<string, unknown> }, now: Date) =>
      void (await checkJobOnTimer(String(t.payload.jobId), now)),
  };
  const s0 = performance.now();
  const sweep = await sweepOnce(() => late, { handlers });
  const sweepMs = performance.now() - s0;
  // And past the grace: all of them go down, this time with 4× the handlers in flight.
  const down = new Date(late.getTime() + 15 * 60_000);
  const w0 = performance.now();
  const wide = await sweepOnce(() => down, { handlers, concurrency: 4 * SWEEP_SHARD_CONCURRENCY });
  const wideMs = performance.now() - w0;

  return {
    count: JOBS,
    registerMs: Math.round(registerMs),
    pingsPerSecond: Math.round(JOBS / (pingMs / 1000)),
    sweepMs: Math.round(sweepMs),
    sweepRan: sweep.ran,
    sweepFailed: sweep.failed,
    sweepJobsPerSecond: Math.round(sweep.ran / (sweepMs / 1000)),
    sweepConcurrencyPerShard: SWEEP_SHARD_CONCURRENCY,
    wideSweepMs: Math.round(wideMs),
    wideSweepRan: wide.ran,
    wideSweepConcurrencyPerShard: 4 * SWEEP_SHARD_CONCURRENCY,
  };
}

async function main(): Promise<void> {
  const uptimeBefore = uptime();
  const ddb = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS] });
  const tables = { main: `bench-probes-${Date.now().toString(36)}`, idempotency: 'bench-probes-idem' };
  const env = {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: tables.main,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  Object.assign(process.env, env);
  await ensureTables(ddb.endpoint, tables);

  // Loopback targets: 8 servers; /ok answers at once, /slow after 1.5 s, /hang never. They run in
  // a worker thread of their own (an event loop of their own, as a remote service would), so the
  // round's store calls do not delay their answers; ending the thread drops the hanging sockets.
  const targets = new Worker(SERVERS_SOURCE, { eval: true, workerData: { slowMs: SLOW_MS } });
  const servers = await new Promise<string[]>((resolve, reject) => {
    targets.once('message', resolve);
    targets.once('error', reject);
  });
  const dropConnections = () => void targets.terminate();

  try {
    // ---------------------------------------------------------------- 1. one probe round
    await bounded(32, PROBES, async (i) => {
      const path = i % 20 === 0 ? '/slow' : i % 20 === 1 ? '/hang' : '/ok';
      const spec = createProbeSchema.parse({
        kind: 'http',
        name: `bench ${i}`,
        url: `${servers[i % servers.length]}${path}`,
        timeoutSeconds: TIMEOUT_S,
        latencyThresholdMs: 1000,
        jsonPath: { path: '$.status', equals: 'ok' },
        intervalMinutes: 1,
        failuresBeforeDown: 1,
        service: `svc-${i % 10}`,
      });
      await createProbe({ ...spec, id: `bench-probe-${i}` }, new Date());
    });

    // The round: the scheduler's fan-out, then its batches as the local runtime runs them.
    const requests = new Map<string, number>();
    let counting = true;
    addDynamoClientConfigurer((c) =>
      c.middlewareStack.add(
        (next, context) => async (args) => {
          if (counting) {
            const op = String(context.commandName ?? '').replace(/Command$/, '');
            requests.set(op, (requests.get(op) ?? 0) + 1);
          }
          return next(args);
        },
        { step: 'initialize', name: 'benchCounter' },
      ),
    );
    let lastCheckStartedAt = 0;
    const timedCheck: typeof runCheck = (spec, clock) => {
      lastCheckStartedAt = performance.now();
      return runCheck(spec, clock);
    };
    const published: BusEvent[] = [];
    const rssBeforeMb = Math.round(process.memoryUsage().rss / 2 ** 20);
    const mem = memorySampler();
    const started = performance.now();
    const round = await scheduleRound(new Date(), { publish: async (e) => void published.push(...e) });
    const schedulerMs = performance.now() - started;
    const batchMs: number[] = [];
    const results: BatchResult[] = [];
    // A batch that could not store everything throws; Lambda retries the event (its claims let the
    // retry redo only what is left): here at once, up to twice, counted.
    let batchRetries = 0;
    const storeErrors: Record<string, number> = {};
    await bounded(LOCAL_ASYNC_CONCURRENCY, published.length, async (i) => {
      const b0 = performance.now();
      const batch = (published[i]!.detail as unknown as ProbeBatchDetail).probes;
      for (let attempt = 0; ; attempt++) {
        try {
          results.push(await runProbeBatch(batch, { runCheck: timedCheck }));
          break;
        } catch (err) {
          for (const e of (err as AggregateError).errors ?? [err]) {
            const what = String((e as Error).message).replace(/\d+/g, 'N');
            storeErrors[what] = (storeErrors[what] ?? 0) + 1;
          }
          if (attempt === 2) throw err;
          batchRetries++;
        }
      }
      batchMs.push(performance.now() - b0);
    });
    const roundMs = performance.now() - started;
    counting = false;
    const memory = mem.stop();
    const perProbe = (n: number) => Math.round((n / PROBES) * 100) / 100;
    dropConnections();
    batchMs.sort((a, b) => a - b);

    const probes = {
      count: PROBES,
      slow: Math.ceil(PROBES / 20),
      timingOut: Math.ceil(PROBES / 20),
      timeoutSeconds: TIMEOUT_S,
      due: round.due,
      batches: round.batches,
      batchesInFlight: LOCAL_ASYNC_CONCURRENCY,
      checksInFlightPerProcess: Number(process.env.PROBES_IN_FLIGHT ?? PROBES_IN_FLIGHT),
      storeCallsInFlightPerProcess: Number(process.env.PROBE_STORE_CALLS_IN_FLIGHT ?? PROBE_STORE_CALLS_IN_FLIGHT),
      schedulerMs: Math.round(schedulerMs),
      roundMs: Math.round(roundMs),
      lastCheckStartedMs: Math.round(lastCheckStartedAt - started),
      dynamodbRequestsPerProbe: perProbe([...requests.values()].reduce((a, b) => a + b, 0)),
      dynamodbRequestsPerProbeByOperation: Object.fromEntries([...requests].sort().map(([op, n]) => [op, perProbe(n)])),
      batchMsMin: Math.round(batchMs[0] ?? 0),
      batchMsMax: Math.round(batchMs.at(-1) ?? 0),
      batchRetries,
      storeErrors,
      recorded: results.reduce((a, r) => a + r.recorded, 0),
      failedChecks: results.reduce((a, r) => a + r.failedChecks, 0),
      /** The whole process during the round: the scheduler, every batch, the loopback servers' thread. */
      roundPeakRssMb: memory.peakRssMb,
      roundPeakHeapMb: memory.peakHeapMb,
      rssBeforeRoundMb: rssBeforeMb,
    };

    // ---------------------------------------------------------------- 2. 10,000 jobs, one lateness sweep
    const jobs = JOBS > 0 ? await jobSweep() : undefined;
    // What DynamoDB Local itself serves here, to read the figures above against (a late job costs
    // 8 requests: claim, 2 reads, timer move, a 3-item transaction, timer completion).
    const c0 = performance.now();
    await bounded(16, 2000, (i) =>
      documentClient().send(new PutCommand({ TableName: tables.main, Item: { pk: `CAL#${i}`, sk: 'CAL', v: i } })),
    );
    const dynamoLocalPutsPerSecond = Math.round(2000 / ((performance.now() - c0) / 1000));
    console.log(
      JSON.stringify({
        bench: 'probes',
        dynamodb: 'DynamoDB Local (in memory)',
        dynamoLocalPutsPerSecond,
        node: process.version,
        probes,
        jobs,
        uptimeBefore,
        uptimeAfter: uptime(),
      }),
    );
  } finally {
    dropConnections();
    await ddb.stop();
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:probes — figures for probes and job monitoring, against DynamoDB Local:
//  1. one probe round of 1,000 HTTP probes against loopback servers, 10 % of them slow (over
//     their latency threshold) or never answering (timeout): the scheduler's fan-out, then each
//     25-probe batch in its own warm worker thread (own event loop and DynamoDB client, as each
//     Lambda invocation has), all at once; wall time, failed checks and peak memory; one batch
//     alone; and the 1,000 checks alone from one event loop (the network side, no store).
//  2. 10,000 registered jobs that all went quiet at once, and one lateness sweep of their durable
//     timers with the timer sweeper's production settings (and, for scale, a wider one).
// Prints one JSON line of figures. PROBES / JOBS override the counts.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { BusEvent } from '../shared/adapters/events';
import { startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { ensureTables } from '../infra/local/tables';
import { createJobSchema, createProbeSchema } from '../shared/domain/probes/definitions';
import type { ProbeBatchDetail } from '../shared/domain/probes/rounds';
import { scheduleRound } from '../functions/probe-scheduler/schedule';
import { runCheck } from '../shared/adapters/probe-checks';
import { runProbeBatch, type BatchResult } from '../functions/probe-worker/round';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { documentClient } from '../shared/store/client';
import {
  createProbe,
  dueProbes,
  listProbes,
  specOf,
  type DueProbe,
  type ProbeDefinition,
} from '../shared/store/probes';
import { checkJobOnTimer } from '../shared/app/probes/timers';
import { createJob, JOB_TIMER_KIND, newPingKey, recordPing } from '../shared/store/probe-jobs';

const PROBES = Number(process.env.PROBES ?? 1000);
const JOBS = Number(process.env.JOBS ?? 10_000);
const SLOW_MS = 1500;
const TIMEOUT_S = 2;

async function bounded<T>(n: number, count: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function listAllProbes(): Promise<ProbeDefinition[]> {
  const out: ProbeDefinition[] = [];
  let cursor: string | undefined;
  do {
    const page = await listProbes({ limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
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

// ------------------------------------------------------------------ a warm "Lambda" per batch

interface WorkerReply {
  result: BatchResult;
  ms: number;
  peakHeapMb: number;
}

if (!isMainThread) {
  Object.assign(process.env, workerData as Record<string, string>);
  parentPort!.on('message', async (probes: DueProbe[] | 'warm') => {
    if (probes === 'warm') return parentPort!.postMessage('warm');
    const mem = memorySampler();
    const t0 = performance.now();
    const result = await runProbeBatch(probes);
    const ms = performance.now() - t0;
    parentPort!.postMessage({ result, ms, peakHeapMb: mem.stop().peakHeapMb } satisfies WorkerReply);
  });
}

function startWorker(
  env: Record<string, string>,
): Promise<{ run: (p: DueProbe[]) => Promise<WorkerReply>; stop: () => Promise<number> }> {
  const w = new Worker(__filename, { workerData: env });
  const ask = <T>(msg: unknown) =>
    new Promise<T>((resolve) => {
      w.once('message', resolve);
      w.postMessage(msg);
    });
  return ask('warm').then(() => ({ run: (p: DueProbe[]) => ask<WorkerReply>(p), stop: () => w.terminate() }));
}

// ------------------------------------------------------------------ the benchmark

async function main(): Promise<void> {
  const ddb = await startDynamoDbLocal({ port: 0, jvmArgs: [] });
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

  // Loopback targets: 8 servers; /ok answers at once, /slow after 1.5 s, /hang never.
  const sockets = new Set<Socket>();
  const servers = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const s = http.createServer((req, res) => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{"status":"ok"}'), SLOW_MS);
        if (req.url === '/hang') return;
        res.end('{"status":"ok"}');
      });
      s.on('connection', (c) => {
        sockets.add(c);
        c.on('close', () => sockets.delete(c));
      });
      await new Promise<void>((r) => s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => r()));
      return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
    }),
  );
  const dropConnections = () => {
    for (const c of sockets) c.destroy();
  };

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

    // The network side alone: every check of the round at once from one event loop, no store.
    const specs = (await listAllProbes()).map(specOf);
    const checkMem = memorySampler();
    const k0 = performance.now();
    const checks = await Promise.all(specs.map((sp) => runCheck(sp)));
    const checksOnlyMs = performance.now() - k0;
    const checkMemory = checkMem.stop();
    const reasons: Record<string, number> = {};
    for (const c of checks)
      if (!c.ok) reasons[c.reason.replace(/\d+ ms/g, 'N ms')] = (reasons[c.reason.replace(/\d+ ms/g, 'N ms')] ?? 0) + 1;
    dropConnections();

    // Warm workers, one per batch of the round.
    const batchesExpected = Math.ceil(PROBES / 25);
    const workers = await Promise.all(Array.from({ length: batchesExpected }, () => startWorker(env)));

    // The round: the scheduler's fan-out, each batch event handed to its own worker.
    const published: BusEvent[] = [];
    const mem = memorySampler();
    const started = performance.now();
    const round = await scheduleRound(new Date(), { publish: async (e) => void published.push(...e) });
    const schedulerMs = performance.now() - started;
    const replies = await Promise.all(
      published.map((e, i) => workers[i % workers.length]!.run((e.detail as unknown as ProbeBatchDetail).probes)),
    );
    const roundMs = performance.now() - started;
    const memory = mem.stop();
    // One batch with the machine to itself (the next round's first 25), as one invocation runs it.
    const lone = (await dueProbes(new Date(Date.now() + 61_000))).slice(0, 25);
    const lone0 = performance.now();
    const loneReply = await workers[0]!.run(lone);
    const loneBatchMs = performance.now() - lone0;
    await Promise.all(workers.map((w) => w.stop()));
    dropConnections();
    const batchTimes = replies.map((r) => r.ms).sort((a, b) => a - b);

    const probes = {
      count: PROBES,
      slow: Math.ceil(PROBES / 20),
      timingOut: Math.ceil(PROBES / 20),
      due: round.due,
      batches: round.batches,
      schedulerMs: Math.round(schedulerMs),
      roundMs: Math.round(roundMs),
      batchMsP50: Math.round(batchTimes[Math.floor(batchTimes.length / 2)] ?? 0),
      batchMsMax: Math.round(batchTimes.at(-1) ?? 0),
      recorded: replies.reduce((a, r) => a + r.result.recorded, 0),
      failedChecks: replies.reduce((a, r) => a + r.result.failedChecks, 0),
      /** The whole process: all batch workers, the servers and the scheduler. */
      roundPeakRssMb: memory.peakRssMb,
      loneBatchMs: Math.round(loneBatchMs),
      loneBatchFailedChecks: loneReply.result.failedChecks,
      /** The largest JS heap of one batch worker (what one invocation needs, roughly). */
      batchPeakHeapMbMax: Math.max(...replies.map((r) => r.peakHeapMb)),
      checksOnlyMs: Math.round(checksOnlyMs),
      checksOnlyFailed: checks.filter((c) => !c.ok).length,
      checksOnlyFailureReasons: reasons,
      checksOnlyPeakRssMb: checkMemory.peakRssMb,
    };

    // ---------------------------------------------------------------- 2. 10,000 jobs, one lateness sweep
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
    // And past the grace: all of them go down, this time with 64 handlers in flight.
    const down = new Date(late.getTime() + 15 * 60_000);
    const w0 = performance.now();
    const wide = await sweepOnce(() => down, { handlers, concurrency: 64 });
    const wideMs = performance.now() - w0;

    const jobs = {
      count: JOBS,
      registerMs: Math.round(registerMs),
      pingsPerSecond: Math.round(JOBS / (pingMs / 1000)),
      sweepMs: Math.round(sweepMs),
      sweepRan: sweep.ran,
      sweepFailed: sweep.failed,
      sweepJobsPerSecond: Math.round(sweep.ran / (sweepMs / 1000)),
      sweepConcurrency: 16,
      wideSweepMs: Math.round(wideMs),
      wideSweepRan: wide.ran,
      wideSweepConcurrency: 64,
    };

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
      }),
    );
  } finally {
    dropConnections();
    await ddb.stop();
  }
  process.exit(0);
}

if (isMainThread)
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });

// npm run bench:tickets — ticketing under load, over the local runtime (HTTP gateway → Lambda
// handlers → DynamoDB Local, with the outbox stream, bus rules, notifier and SLA timer upkeep
// running as they do under `npm start`):
//  1. create TICKETS tickets (default 20,000) through POST /tickets, each followed by an agent's
//     public reply through POST /tickets/{id}/comments, CONCURRENCY clients at a time; tickets/s
//     and API latency percentiles over every request;
//  2. wait until the outbox and its consumers have caught up (notifications sent, SLA timers
//     scheduled for every ticket);
//  3. one SLA sweep over all open tickets: the timer sweeper's sweepOnce (production settings)
//     with the clock set past every ticket's resolution warning, so each open ticket has one due
//     SLA timer to claim, judge on the committed ticket, record and complete.
// Prints one JSON line of figures. TICKETS, CONCURRENCY and BUDGET_SECONDS (stop creating when
// the budget is spent and report the measured count) override the defaults.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { LONG_RUNNING_JVM_ARGS, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { startLocalRuntime } from '../infra/local/runtime';
import { catalog } from '../infra/catalog';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { timerHandlers } from '../functions/timer-sweeper/registry';
import { logger } from '../shared/observability/logger';
import { openTicketsOfQueue } from '../shared/store/tickets';

const TICKETS = Number(process.env.TICKETS ?? 20_000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 24);
const BUDGET_SECONDS = Number(process.env.BUDGET_SECONDS ?? 170);
const AGENT = 'demo-responder-token';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  logger.setLogLevel('ERROR');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nocturne-bench-tickets-'));
  const ddb = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS] });
  // The API's throttle (200 requests/s per route) would cap the run at the throttle, not at
  // Nocturne: raise it for the benchmark, as a load test against a raised quota would.
  const rt = await startLocalRuntime({
    port: 0,
    dataDir,
    dynamoEndpoint: ddb.endpoint,
    tablePrefix: `bench-tickets-${Date.now().toString(36)}`,
    seedDemo: true,
    quiet: true,
    schedules: false,
    streamPollMs: 50,
    catalog: { throttle: { ...catalog.throttle, rateLimit: 100_000, burstLimit: 100_000 } },
  });
  const request = async (
    method: string,
    p: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown>; ms: number }> => {
    for (;;) {
      const t0 = performance.now();
      const r = await fetch(`${rt.url}${p}`, {
        method,
        headers: { authorization: `Bearer ${AGENT}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as Record<string, unknown>;
      const ms = performance.now() - t0;
      if (r.status !== 429 && r.status !== 503) return { status: r.status, json, ms };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const latencies: number[] = [];
  const failures: Record<string, number> = {};
  let created = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + BUDGET_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TICKETS && performance.now() < deadline) {
        const i = next++;
        const t = await request('POST', '/tickets', {
          subject: `Bench ticket ${i}: no data on SIM`,
          categoryId: 'technical-support-l1',
          fields: { msisdn: `+49151${String(i).padStart(8, '0')}` },
          requester: { email: 'carla@customer.example' },
        });
        latencies.push(t.ms);
        if (t.status !== 201) {
          failures[`POST /tickets ${t.status}`] = (failures[`POST /tickets ${t.status}`] ?? 0) + 1;
          continue;
        }
        const c = await request('POST', `/tickets/${String(t.json.id)}/comments`, {
          body: 'Thanks, we are looking into it.',
        });
        latencies.push(c.ms);
        if (c.status !== 201)
          failures[`POST /comments ${c.status}`] = (failures[`POST /comments ${c.status}`] ?? 0) + 1;
        else created++;
      }
    }),
  );
  const createSeconds = (performance.now() - started) / 1000;

  // The outbox and its consumers (notifier, SLA timer upkeep) catch up.
  const drainStarted = performance.now();
  await rt.settle();
  const drainSeconds = (performance.now() - drainStarted) / 1000;

  // One SLA sweep: every open ticket's resolution warning is due (none of its breach yet).
  const open: Array<{ warnAt?: string; dueAt?: string }> = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await openTicketsOfQueue('support-l1', 200, cursor);
    open.push(...page.items.map((t) => ({ warnAt: t.sla?.resolution.warnAt, dueAt: t.sla?.resolution.dueAt })));
    cursor = page.nextCursor;
  }
  const lastWarn = Math.max(...open.map((t) => Date.parse(t.warnAt ?? '')).filter(Number.isFinite));
  const firstDue = Math.min(...open.map((t) => Date.parse(t.dueAt ?? '')).filter(Number.isFinite));
  const sweepAt = new Date(Math.min(lastWarn + 1000, firstDue - 1000));
  const sweepStarted = performance.now();
  const sweep = await sweepOnce(() => sweepAt, { handlers: timerHandlers });
  const sweepMs = performance.now() - sweepStarted;

  latencies.sort((a, b) => a - b);
  const figures = {
    bench: 'tickets',
    runtime: 'local runtime over DynamoDB Local (in-memory), one process, 2 vCPU',
    ticketsRequested: TICKETS,
    ticketsCreated: created,
    commentsCreated: created,
    concurrency: CONCURRENCY,
    createSeconds: Math.round(createSeconds * 10) / 10,
    ticketsPerSecond: Math.round((created / createSeconds) * 10) / 10,
    requestsPerSecond: Math.round((latencies.length / createSeconds) * 10) / 10,
    apiLatencyMs: {
      p50: Math.round(percentile(latencies, 50)),
      p95: Math.round(percentile(latencies, 95)),
      p99: Math.round(percentile(latencies, 99)),
      max: Math.round(latencies.at(-1) ?? 0),
    },
    failures,
    outboxDrainSeconds: Math.round(drainSeconds * 10) / 10,
    notificationsSent:
      rt.sns.messages.length >= 1000 ? `${rt.sns.messages.length}+ (in memory: last 1000)` : rt.sns.messages.length,
    slaSweep: {
      openTickets: open.length,
      clock: sweepAt.toISOString(),
      timersRun: sweep.ran,
      failed: sweep.failed,
      durationMs: Math.round(sweepMs),
      timersPerSecond: Math.round((sweep.ran / (sweepMs / 1000)) * 10) / 10,
    },
    stoppedByBudget: created < TICKETS,
  };
  await rt.stop();
  await ddb.stop();
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(figures));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:orders — product orders as sagas through the whole local runtime (HTTP API →
// order state machine on the local Step Functions engine → order-steps → customer store and the
// OCS simulator at 100 ms per call), against DynamoDB Local:
//  1. ORDERS (1,000) concurrent new-customer orders, 3 services each (the plan's 3 OCS features):
//     p50/p99 order time (POST to the order's completionDate), executions per second, peak RSS.
//  2. The same again with 5% of OCS calls permanently rejected (any step, the compensations'
//     deletes included): how the orders ended, and the orphans left — OCS subscribers or customer
//     records of orders that did not complete (goal 0).
// The benchmark waits for the orders as a client does, reading GET /productOrder/{id} (which
// reconciles an order with its execution); a `failed` order that is redrivable is final for it.
// Prints one JSON line of figures.
//
// Knobs (environment): ORDERS (default 1000) orders per part; POLL_CONCURRENCY (8) GETs in flight
// while waiting; POLL_INTERVAL_MS (2000) between two reads of one order; BENCH_DETAIL=1 prints the
// DynamoDB requests per order by function and operation on stderr; PARTS (clean,faults) which parts
// to run (`PARTS=faults ORDERS=1000` is the orphan count alone); FAULTS=0 is PARTS=clean (for a
// profile: `FAULTS=0 node_modules/.bin/node --cpu-prof --import tsx bench/orders.ts`; Node refuses
// --cpu-prof in NODE_OPTIONS).
// Run: `npm run bench:orders` (the same as `POWERTOOLS_LOG_LEVEL=ERROR npx tsx bench/orders.ts`).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { currentInvocation } from '../infra/local/lambda';
import { addDynamoClientConfigurer } from '../shared/store/client';
import { customerPartition } from '../shared/store/customers';
import { givenOrderCatalog, newCustomerOrderBody } from '../test/support/orders';
import { startBench } from './support';

const ORDERS = Number(process.env.ORDERS ?? 1000);
const OCS_LATENCY_MS = 100;
const POLL_CONCURRENCY = Number(process.env.POLL_CONCURRENCY ?? 8);
const POLL_INTERVAL_MS = Number(process.env.POLL_INTERVAL_MS ?? 2000);
/** PARTS: which parts run (default both); FAULTS=0: the clean part only (e.g. under --cpu-prof). */
const PARTS = new Set(
  (process.env.PARTS ?? (process.env.FAULTS === '0' ? 'clean' : 'clean,faults')).split(',').map((p) => p.trim()),
);
const FINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);
const READ_ORDER_ROUTE = 'http:GET /productOrder/{id}';

interface ApiOrder {
  state: string;
  completionDate?: string;
  lastUpdate: string;
  failure?: { redrivable?: boolean; step?: string; error?: string; cause?: string };
  relatedParty: Array<{ id?: string; role: string }>;
}

/** CPU time (ms) of a process from /proc (Linux); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

function memorySampler() {
  let rss = 0;
  const t = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 100);
  t.unref();
  return {
    peakMb: () => Math.round(Math.max(rss, process.memoryUsage().rss) / 1024 / 1024),
    stop: () => clearInterval(t),
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : 0;
};

async function main(): Promise<void> {
  const env = await startBench({
    ocs: { latencyMs: OCS_LATENCY_MS },
    // 1,000 orders in one burst: lift the emulated API throttle for the benchmark's client.
    catalog: {
      throttle: { rateLimit: 100_000, burstLimit: 100_000, webhookRateLimit: 100_000, webhookBurstLimit: 100_000 },
    },
  });
  const { rt } = env;
  // Requests made while serving the benchmark's own polls (counted apart from the orders' work).
  const polling = { requests: 0 };
  addDynamoClientConfigurer((c) =>
    c.middlewareStack.add(
      (next) => async (args) => {
        if (currentInvocation.getStore()?.source === READ_ORDER_ROUTE) polling.requests += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchPollCounter' },
    ),
  );
  const cpuNow = () => ({ node: process.cpuUsage(), java: processCpuMs(env.dynamo.pid) });
  const cpuSince = (from: ReturnType<typeof cpuNow>) => {
    const node = process.cpuUsage(from.node);
    const java = processCpuMs(env.dynamo.pid);
    return {
      node: Math.round((node.user + node.system) / 1000 / ORDERS),
      dynamodbLocal:
        java !== undefined && from.java !== undefined ? Math.round((java - from.java) / ORDERS) : undefined,
    };
  };
  const ocs = rt.ocs!;
  const cat = await givenOrderCatalog({ prefix: 'bench', planFeatures: 3 });
  const token = 'demo-responder-token';

  async function run(label: string): Promise<Record<string, unknown>> {
    const mem = memorySampler();
    env.resetCounts();
    polling.requests = 0;
    const refused0 = ocs.calls()['refused:cancelled'] ?? 0;
    const cpu0 = cpuNow();
    const t0 = performance.now();
    const wall0 = Date.now();
    const answers: Record<string, number> = {};
    const placed = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const sent = Date.now();
        // As a careful client does: one Idempotency-Key per order, and a 503/429 (or a 409 while the
        // first attempt still runs) retried after its Retry-After, so a retry never places it twice.
        const key = randomUUID();
        const orderBody = JSON.stringify(newCustomerOrderBody(cat, { name: `${label} ${i}` }));
        for (let attempt = 1; ; attempt++) {
          let r: Response;
          try {
            r = await fetch(`${rt.url}/productOrder`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${token}`,
                'content-type': 'application/json',
                'idempotency-key': key,
              },
              body: orderBody,
            });
          } catch (err) {
            // A connection reset under the burst: the client retries with the same key.
            answers.network = (answers.network ?? 0) + 1;
            if (attempt >= 30) throw err;
            await new Promise((done) => setTimeout(done, 1000));
            continue;
          }
          answers[r.status] = (answers[r.status] ?? 0) + 1;
          const body = (await r.json()) as { id?: string; detail?: string };
          // A 500 must not happen (a 5xx on overload is a 503 with Retry-After): say what the runtime logged.
          if (r.status >= 500 && r.status !== 503)
            console.error(
              `POST /productOrder answered ${r.status}: ${body.detail ?? ''}\n` +
                rt.logs
                  .filter((l) => /productOrder|ops-orders/.test(l) && !/ 20\d /.test(l))
                  .slice(-5)
                  .join('\n'),
            );
          if (r.status === 201 && body.id) return { id: body.id, sent };
          // A 500 is counted (the figures show it) and retried like a 503: the key keeps it single.
          if (![409, 429, 500, 503].includes(r.status) || attempt >= 30)
            throw new Error(`POST /productOrder: ${r.status} ${JSON.stringify(body)}`);
          const wait = Number(r.headers.get('retry-after') ?? 1);
          await new Promise((done) => setTimeout(done, (Number.isFinite(wait) ? wait : 1) * 1000));
        }
      }),
    );
    const acceptedMs = performance.now() - t0;
    // Wait for every order to end, reading it as a client does: GET /productOrder/{id}, which also
    // reconciles the order with its execution (one whose execution stopped outside the saga's own
    // end steps is answered `failed`, redrivable, instead of staying inProgress). The order's own
    // completionDate is the measurement, so the polling pace does not change the figures; the polls
    // are paced (each order at most every POLL_INTERVAL_MS, POLL_CONCURRENCY at once) so that they
    // take little from the orders they wait for, and their DynamoDB requests are counted apart.
    const pending = new Map(placed.map((p) => [p.id, { ...p, nextPoll: 0 }]));
    const done: Array<{ id: string; state: string; ms: number; customerId?: string; redrivable: boolean }> = [];
    // Why orders failed: "<step>: <error>" → count, with one cause of each.
    const failures = new Map<string, { n: number; cause?: string }>();
    const deadline = Date.now() + 10 * 60_000;
    let polls = 0;
    // Answers to the polls other than 200 (a reconciliation the store was too slow for is a 503).
    const getAnswers: Record<string, number> = {};
    const readOrder = async (id: string): Promise<ApiOrder | undefined> => {
      polls += 1;
      try {
        const r = await fetch(`${rt.url}/productOrder/${id}`, { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) {
          getAnswers[r.status] = (getAnswers[r.status] ?? 0) + 1;
          return undefined;
        }
        return (await r.json()) as ApiOrder;
      } catch {
        getAnswers.network = (getAnswers.network ?? 0) + 1;
        return undefined;
      }
    };
    while (pending.size && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      const due = [...pending.values()].filter((p) => p.nextPoll <= Date.now());
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(POLL_CONCURRENCY, due.length) }, async () => {
          for (let p = due[next++]; p; p = due[next++]) {
            const o = await readOrder(p.id);
            p.nextPoll = Date.now() + POLL_INTERVAL_MS;
            if (!o || !FINAL.has(o.state)) continue;
            if (o.failure) {
              const why = `${o.failure.step ?? '?'}: ${o.failure.error ?? '?'}${o.failure.redrivable ? ' (redrivable)' : ''}`;
              const f = failures.get(why) ?? { n: 0, cause: o.failure.cause?.slice(0, 300) };
              f.n += 1;
              failures.set(why, f);
            }
            done.push({
              id: p.id,
              state: o.state,
              ms: Date.parse(o.completionDate ?? o.lastUpdate) - p.sent,
              customerId: o.relatedParty.find((r) => r.role === 'customer')?.id,
              redrivable: o.state === 'failed' && !!o.failure?.redrivable,
            });
            pending.delete(p.id);
          }
        }),
      );
    }
    const cpu = cpuSince(cpu0);
    // DynamoDB requests per order, by the function that made them; the benchmark's own reads (its
    // GET /productOrder/{id} polls, served by ops-orders) are reported apart.
    const requestsPerOrder: Record<string, number> = {};
    for (const [fn, ops] of env.byFunction) {
      if (fn === '(outside)') continue;
      const polled = fn === 'ops-orders' ? polling.requests : 0;
      if (process.env.BENCH_DETAIL)
        console.error(fn, JSON.stringify(Object.fromEntries([...ops].map(([op, n]) => [op, n / ORDERS]))));
      const n = [...ops.values()].reduce((a, b) => a + b, 0) - polled;
      if (n > 0) requestsPerOrder[fn] = Math.round((n / ORDERS) * 10) / 10;
    }
    const sentAt = new Map(placed.map((p) => [p.id, p.sent]));
    const lastCompletion = Math.max(...done.map((d) => d.ms + sentAt.get(d.id)!));
    mem.stop();
    const states: Record<string, number> = {};
    for (const d of done) states[d.state] = (states[d.state] ?? 0) + 1;
    const times = done.filter((d) => d.state === 'completed').map((d) => d.ms);
    // Orphans: anything of an order that ended without completing still in the OCS or the customer
    // store. A `failed` order that is redrivable stopped at a step whose retries ran out and keeps
    // what it did on purpose (decision 0016: an operator redrives or cancels it): its leftovers are
    // counted apart, not as orphans.
    const subscribers = ocs.subscribers();
    const leftovers = async (ds: typeof done) => {
      const customers = new Set(ds.map((d) => d.customerId).filter((c): c is string => !!c));
      let store = 0;
      for (const c of customers) if ((await customerPartition(c)).customer) store += 1;
      return { ocs: subscribers.filter((s) => customers.has(s.customerId)).length, store };
    };
    const orphans = await leftovers(done.filter((d) => d.state !== 'completed' && !d.redrivable));
    const awaitingRedrive = done.filter((d) => d.redrivable);
    const keptForRedrive = await leftovers(awaitingRedrive);
    const completedCustomers = new Set(done.filter((d) => d.state === 'completed').map((d) => d.customerId!));
    const linesOf = new Map<string, number>();
    for (const s of subscribers) linesOf.set(s.customerId, (linesOf.get(s.customerId) ?? 0) + 1);
    const missingLines = [...completedCustomers].filter((c) => linesOf.get(c) !== 3).length;
    return {
      orders: ORDERS,
      acceptedInMs: Math.round(acceptedMs),
      // Every answer to POST /productOrder by status (retries included): never a 500.
      postAnswers: answers,
      ...(Object.keys(getAnswers).length ? { getAnswersOtherThan200: getAnswers } : {}),
      states,
      stuck: pending.size,
      p50Ms: pct(times, 50),
      p99Ms: pct(times, 99),
      maxMs: pct(times, 100),
      executionsPerSecond: Math.round((done.length / ((lastCompletion - wall0) / 1000)) * 10) / 10,
      peakRssMb: mem.peakMb(),
      // CPU time per order, this process (HTTP API, functions, Step Functions engine, OCS simulator,
      // the benchmark's client) and DynamoDB Local (Java): less dependent on other load than the
      // times above. The two together over the machine's cores bound the throughput.
      cpuMsPerOrder: cpu,
      ocsOrphans: orphans.ocs,
      // Late OCS operations (a create the driver gave up on, applied after its compensation) that the
      // simulator refused because their undo had come first (decision 0016, the OCS contract).
      ocsLateOperationsRefused: (ocs.calls()['refused:cancelled'] ?? 0) - refused0,
      storeOrphans: orphans.store,
      failedRedrivable: awaitingRedrive.length,
      ...(failures.size ? { failures: Object.fromEntries([...failures].sort((a, b) => b[1].n - a[1].n)) } : {}),
      ...(awaitingRedrive.length ? { keptForRedrive } : {}),
      completedWithoutTheirThreeLines: missingLines,
      dynamoRequestsPerOrder: requestsPerOrder,
      pollsPerOrder: Math.round((polls / ORDERS) * 10) / 10,
      pollRequestsPerOrder: Math.round((polling.requests / ORDERS) * 10) / 10,
    };
  }

  let clean: Record<string, unknown> | undefined;
  if (PARTS.has('clean')) {
    ocs.configure({ latencyMs: OCS_LATENCY_MS, faults: [] });
    clean = await run('clean');
    // Each part's figures as soon as it is done (a long run stopped in the second part keeps the first).
    console.error(`clean: ${JSON.stringify(clean)}`);
  }
  let faults: Record<string, unknown> | undefined;
  if (PARTS.has('faults')) {
    ocs.configure({ latencyMs: OCS_LATENCY_MS, seed: 11, faults: [{ kind: 'reject', rate: 0.05 }] });
    faults = await run('faults');
  }
  console.log(
    JSON.stringify({
      bench: 'orders',
      ocsLatencyMs: OCS_LATENCY_MS,
      servicesPerOrder: 3,
      clean,
      withFivePercentPermanentFaults: faults,
      goal: { p99Ms: 10_000, orphans: 0 },
    }),
  );
  await env.stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// npm run bench:orders — product orders as sagas through the whole local runtime (HTTP API →
// order state machine on the local Step Functions engine → order-steps → customer store and the
// OCS simulator at 100 ms per call), against DynamoDB Local:
//  1. ORDERS (1,000) concurrent new-customer orders, 3 services each (the plan's 3 OCS features):
//     p50/p99 order time (POST to the order's completionDate), executions per second, peak RSS.
//  2. The same again with 5% of OCS calls permanently rejected (any step, the compensations'
//     deletes included): how the orders ended, and the orphans left — OCS subscribers or customer
//     records of orders that did not complete (goal 0).
// Prints one JSON line of figures.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { getOrder } from '../shared/store/orders';
import { customerPartition } from '../shared/store/customers';
import { givenOrderCatalog, newCustomerOrderBody } from '../test/support/orders';
import { startBench } from './support';

const ORDERS = Number(process.env.ORDERS ?? 1000);
const OCS_LATENCY_MS = 100;
const FINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);

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
  const ocs = rt.ocs!;
  const cat = await givenOrderCatalog({ prefix: 'bench', planFeatures: 3 });
  const token = 'demo-responder-token';

  async function run(label: string): Promise<Record<string, unknown>> {
    const mem = memorySampler();
    env.resetCounts();
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
          const body = (await r.json()) as { id?: string };
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
    // Wait for every order to reach a final state (read straight from the table; the order's own
    // completionDate is the measurement, so the polling pace does not change the figures).
    const pending = new Map(placed.map((p) => [p.id, p]));
    const done: Array<{ id: string; state: string; ms: number; customerId?: string }> = [];
    const deadline = Date.now() + 10 * 60_000;
    while (pending.size && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      const ids = [...pending.keys()];
      for (let i = 0; i < ids.length; i += 50)
        await Promise.all(
          ids.slice(i, i + 50).map(async (id) => {
            const o = await getOrder(id);
            if (o && FINAL.has(o.state) && !(o.state === 'failed' && o.failure?.redrivable)) {
              done.push({
                id,
                state: o.state,
                ms: Date.parse(o.completionDate ?? o.updatedAt) - pending.get(id)!.sent,
                customerId: o.customerId,
              });
              pending.delete(id);
            }
          }),
        );
    }
    // DynamoDB requests per order, by the function that made them (the benchmark's own polling,
    // made outside any function, is left out).
    const requestsPerOrder: Record<string, number> = {};
    for (const [fn, ops] of env.byFunction) {
      if (fn === '(outside)') continue;
      if (process.env.BENCH_DETAIL)
        console.error(fn, JSON.stringify(Object.fromEntries([...ops].map(([op, n]) => [op, n / ORDERS]))));
      requestsPerOrder[fn] = Math.round(([...ops.values()].reduce((a, b) => a + b, 0) / ORDERS) * 10) / 10;
    }
    const lastCompletion = Math.max(...done.map((d) => d.ms + placed.find((p) => p.id === d.id)!.sent));
    mem.stop();
    const states: Record<string, number> = {};
    for (const d of done) states[d.state] = (states[d.state] ?? 0) + 1;
    const times = done.filter((d) => d.state === 'completed').map((d) => d.ms);
    // Orphans: anything of an order that did not complete still in the OCS or the customer store.
    const failedCustomers = new Set(done.filter((d) => d.state !== 'completed').map((d) => d.customerId!));
    const ocsOrphans = ocs.subscribers().filter((s) => failedCustomers.has(s.customerId)).length;
    let storeOrphans = 0;
    for (const c of failedCustomers) if ((await customerPartition(c)).customer) storeOrphans += 1;
    const completedCustomers = new Set(done.filter((d) => d.state === 'completed').map((d) => d.customerId!));
    const missingLines = [...completedCustomers].filter(
      (c) => ocs.subscribers().filter((s) => s.customerId === c).length !== 3,
    ).length;
    return {
      orders: ORDERS,
      acceptedInMs: Math.round(acceptedMs),
      // Every answer to POST /productOrder by status (retries included): never a 500.
      postAnswers: answers,
      states,
      stuck: pending.size,
      p50Ms: pct(times, 50),
      p99Ms: pct(times, 99),
      maxMs: pct(times, 100),
      executionsPerSecond: Math.round((done.length / ((lastCompletion - wall0) / 1000)) * 10) / 10,
      peakRssMb: mem.peakMb(),
      ocsOrphans,
      storeOrphans,
      completedWithoutTheirThreeLines: missingLines,
      dynamoRequestsPerOrder: requestsPerOrder,
    };
  }

  ocs.configure({ latencyMs: OCS_LATENCY_MS, faults: [] });
  const clean = await run('clean');
  ocs.configure({ latencyMs: OCS_LATENCY_MS, seed: 11, faults: [{ kind: 'reject', rate: 0.05 }] });
  const faults = await run('faults');
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

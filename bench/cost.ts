// npm run bench:cost — what one alert costs end to end, counted (not timed) through the whole local
// runtime against DynamoDB Local: Lambda invocations per function, DynamoDB requests and the read /
// write units DynamoDB reports (ReturnConsumedCapacity) per function and operation, EventBridge
// events and SNS messages. Phases, one alert per webhook request (Alertmanager sends one alert per
// group most of the time; batching shares the request's own reads and writes):
//   newIncident  an alert of a new group: opens an incident
//   join         a new alert of an existing group: joins the incident
//   repeat       the same alert again (Alertmanager re-sends firing alerts every repeat_interval),
//                its annotations changed, so the payload is new
//   redelivery   the same payload again (a sender's retry, or a repeat with nothing changed)
//   notify       the incidents' group windows end (timer sweeper): announcement, paging, the page
// Counts do not depend on the machine's load (times do); docs/cost.md turns them into dollars.
// Prints one JSON line.
import type { AmAlert } from '../test/support/alertmanager';
import { setRules } from '../test/support/incidents';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { timerHandlers } from '../functions/timer-sweeper/registry';
import { currentInvocation } from '../infra/local/lambda';
import { addDynamoClientConfigurer } from '../shared/store/client';
import { postAlerts, round, startBench } from './support';

const N = Number(process.env.BENCH_ALERTS ?? 20);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

interface FnTally {
  requests: Record<string, number>;
  /** Requests that failed (conditional checks): counted in `requests` too. */
  failed: Record<string, number>;
  rru: number;
  wru: number;
}
interface Phase {
  fns: Map<string, FnTally>;
  events: Record<string, number>;
  sns: Record<string, number>;
}
let phase: Phase | undefined;
const fnTally = (fn: string) => {
  let t = phase!.fns.get(fn);
  if (!t) phase!.fns.set(fn, (t = { requests: {}, failed: {}, rru: 0, wru: 0 }));
  return t;
};

/** Units from ConsumedCapacity (one object, or one per table for transactions and batches). */
function units(cc: unknown): number {
  let n = 0;
  for (const c of (Array.isArray(cc) ? cc : cc ? [cc] : []) as Array<Record<string, number | undefined>>)
    n += c.CapacityUnits ?? 0;
  return n;
}

async function main(): Promise<void> {
  const env = await startBench();
  const url = env.rt.url;
  addDynamoClientConfigurer((c) =>
    c.middlewareStack.add(
      (next, context) => async (args) => {
        if (!phase) return next(args);
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const t = fnTally(currentInvocation.getStore()?.fn.name ?? '(timer sweeper, in process)');
        t.requests[op] = (t.requests[op] ?? 0) + 1;
        (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
        let out;
        try {
          out = await next(args);
        } catch (err) {
          // A failed conditional write (or cancelled transaction) is billed too: at least 1 write unit
          // per item (more for items over 1 KB); DynamoDB returns no ConsumedCapacity with the error.
          if (WRITES.has(op)) t.wru += 1;
          t.failed[op] = (t.failed[op] ?? 0) + 1;
          throw err;
        }
        const u = units((out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        if (WRITES.has(op)) t.wru += u;
        else t.rru += u;
        return out;
      },
      { step: 'initialize', name: 'benchCostCounter', priority: 'high' },
    ),
  );
  const bus = env.rt.bus as unknown as { publish: (events: Array<{ detailType: string }>) => Promise<void> };
  const publishEvents = bus.publish.bind(bus);
  bus.publish = async (events) => {
    if (phase) for (const e of events) phase.events[e.detailType] = (phase.events[e.detailType] ?? 0) + 1;
    return publishEvents(events);
  };
  const sns = env.rt.sns as unknown as { publish: (n: { topic: string }) => Promise<{ messageId: string }> };
  const publishSns = sns.publish.bind(sns);
  sns.publish = async (n) => {
    if (phase) phase.sns[n.topic] = (phase.sns[n.topic] ?? 0) + 1;
    return publishSns(n);
  };

  const post = (alerts: AmAlert[]) => postAlerts(url, alerts);
  const startsAt = new Date().toISOString();
  let seq = 0;
  // A changing summary: each delivery is a new payload (an identical re-delivery is cheaper: the
  // webhook recognises the payload and stores nothing).
  const alert = (alertname: string, instance: string): AmAlert => ({
    labels: { alertname, instance, service: 'cost-bench', severity: 'critical' },
    summary: `${alertname} on ${instance} (${seq++})`,
    startsAt,
  });

  const results: Record<string, unknown> = {};
  const measure = async (name: string, per: number, run: () => Promise<void>) => {
    await env.rt.settle();
    const since = new Date().toISOString();
    phase = { fns: new Map(), events: {}, sns: {} };
    await run();
    await env.rt.settle();
    const p = phase;
    phase = undefined;
    const invocations: Record<string, number> = {};
    for (const i of env.rt.invocations.filter((r) => r.startedAt >= since))
      invocations[i.function] = (invocations[i.function] ?? 0) + 1;
    const perUnit = (x: number) => round(x / per, 2);
    const byFunction = Object.fromEntries(
      [...p.fns].map(([fn, t]) => [
        fn,
        {
          requests: Object.fromEntries(Object.entries(t.requests).map(([op, c]) => [op, perUnit(c)])),
          failed: Object.fromEntries(Object.entries(t.failed).map(([op, c]) => [op, perUnit(c)])),
          rru: perUnit(t.rru),
          wru: perUnit(t.wru),
        },
      ]),
    );
    const all = [...p.fns.values()];
    results[name] = {
      per,
      dynamodb: {
        requests: perUnit(all.reduce((n, t) => n + Object.values(t.requests).reduce((a, b) => a + b, 0), 0)),
        rru: perUnit(all.reduce((n, t) => n + t.rru, 0)),
        wru: perUnit(all.reduce((n, t) => n + t.wru, 0)),
        byFunction,
      },
      lambdaInvocations: Object.fromEntries(Object.entries(invocations).map(([fn, c]) => [fn, perUnit(c)])),
      events: Object.fromEntries(Object.entries(p.events).map(([k, c]) => [k, perUnit(c)])),
      sns: Object.fromEntries(Object.entries(p.sns).map(([k, c]) => [k, perUnit(c)])),
    };
  };

  try {
    // Each new group opens its own incident (the demo's storm limit would fold them into one).
    await setRules({
      defaultRoute: { team: 'platform', groupBy: ['alertname'] },
      storm: { maxIncidentsPerMinute: 10000 },
    });
    // Warm up: configuration caches and connections, not charged to the first phase.
    await post([alert('CostWarmUp', 'w-0')]);
    await post([alert('CostJoin', 'first')]);
    await measure('newIncident', N, async () => {
      for (let i = 0; i < N; i++) await post([alert(`CostNew${i}`, `host-${i}`)]);
    });
    await measure('join', N, async () => {
      for (let i = 0; i < N; i++) await post([alert('CostJoin', `host-${i}`)]);
    });
    await measure('repeat', N, async () => {
      for (let i = 0; i < N; i++) await post([alert('CostJoin', `host-${i}`)]);
    });
    await measure('redelivery', N, async () => {
      seq -= N;
      for (let i = 0; i < N; i++) await post([alert('CostJoin', `host-${i}`)]);
    });
    // The group windows end: per incident (N new ones, the join incident and the warm-up's).
    await measure('notify', N + 2, async () => {
      await sweepOnce(() => new Date(Date.now() + 10 * 60_000), { handlers: timerHandlers });
    });
    console.log(JSON.stringify({ bench: 'cost', alertsPerPhase: N, ...results }));
  } finally {
    await env.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

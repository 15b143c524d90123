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
//   repeatChanged  a repeat that changes what places the alert (a label; generic JSON, whose dedup
//                key is the sender's): it still publishes Alert Repeated and invokes the engine
//   notify       the incidents' group windows end (timer sweeper): announcement, paging, the page
//   ticketComment  an agent's public reply on each follow-up ticket the announcements opened (a
//                later revision of a ticket; per ticket)
// Counts do not depend on the machine's load (times do). `dollars` turns them into dollars per
// million with docs/cost.md's price table and assumptions (PRICES below; 40 ms billed per
// invocation at the function's catalog memory), per phase and for the mixes docs/cost.md tabulates.
// Prints one JSON line.
import type { AmAlert } from '../test/support/alertmanager';
import { setRules } from '../test/support/incidents';
import { sweepOnce } from '../functions/timer-sweeper/sweep';
import { timerHandlers } from '../functions/timer-sweeper/registry';
import { capacityCounter, perUnitTally, postAlerts, round, scanType, startBench } from './support';
import { functionByName } from '../infra/catalog';

/** us-east-1 list prices, $ per million (docs/cost.md, "Prices"; checked 2026-11-30). */
const PRICES = {
  apiGatewayRequest: 1.0,
  lambdaRequest: 0.2,
  lambdaGbSecond: 13.3334, // arm64, $0.0000133334 per GB-s
  writeUnit: 0.625,
  readUnit: 0.125,
  event: 1.0,
  snsPublish: 0.5,
};
/** Lambda duration billed per invocation (an assumption: wall time is mostly DynamoDB round trips). */
const BILLED_SECONDS = 0.04;

interface PhaseCounts {
  dynamodb: { wru: number; rru: number };
  lambdaInvocations: Record<string, number>;
  events: Record<string, number>;
  sns: Record<string, number>;
}

/** Dollars per million units of a phase, by line of docs/cost.md's table. */
function dollars(p: PhaseCounts, webhook: boolean): Record<string, number> {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const memoryGb = (fn: string) => {
    try {
      return functionByName(fn).memoryMb / 1024;
    } catch {
      return 0.25;
    }
  };
  const gbSeconds = Object.entries(p.lambdaInvocations).reduce(
    (a, [fn, n]) => a + n * memoryGb(fn) * BILLED_SECONDS,
    0,
  );
  const lines = {
    apiGateway: webhook ? PRICES.apiGatewayRequest : 0,
    lambdaRequests: sum(p.lambdaInvocations) * PRICES.lambdaRequest,
    lambdaGbSeconds: gbSeconds * PRICES.lambdaGbSecond,
    dynamodbWrites: p.dynamodb.wru * PRICES.writeUnit,
    dynamodbReads: p.dynamodb.rru * PRICES.readUnit,
    eventBridge: sum(p.events) * PRICES.event,
    sns: sum(p.sns) * PRICES.snsPublish,
  };
  return Object.fromEntries(Object.entries({ ...lines, total: sum(lines) }).map(([k, v]) => [k, round(v, 2)]));
}

const N = Number(process.env.BENCH_ALERTS ?? 20);
interface Phase {
  events: Record<string, number>;
  sns: Record<string, number>;
}
let phase: Phase | undefined;

async function main(): Promise<void> {
  const env = await startBench();
  const url = env.rt.url;
  const capacity = capacityCounter('(timer sweeper, in process)');
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
    phase = { events: {}, sns: {} };
    capacity.open({ priceTransactions: true });
    await run();
    await env.rt.settle();
    const p = phase;
    const fns = capacity.close();
    phase = undefined;
    const invocations: Record<string, number> = {};
    for (const i of env.rt.invocations.filter((r) => r.startedAt >= since))
      invocations[i.function] = (invocations[i.function] ?? 0) + 1;
    const perUnit = (x: number) => round(x / per, 2);
    results[name] = {
      per,
      dynamodb: perUnitTally(fns, per),
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
    const relabel = async (i: number, build: string) => {
      const r = await fetch(`${url}/hooks/demo-generic`, {
        method: 'POST',
        headers: { authorization: 'Bearer demo-generic-token', 'content-type': 'application/json' },
        body: JSON.stringify({
          dedupKey: `cost-relabel-${i}`,
          severity: 'critical',
          summary: `CostRelabel on host-${i}`,
          service: 'cost-bench',
          labels: { alertname: 'CostRelabel', instance: `host-${i}`, build },
        }),
      });
      await r.arrayBuffer();
      if (r.status !== 202) throw new Error(`webhook answered ${r.status}`);
    };
    for (let i = 0; i < N; i++) await relabel(i, 'a'); // one more incident, not measured
    await measure('repeatChanged', N, async () => {
      for (let i = 0; i < N; i++) await relabel(i, 'b');
    });
    // The group windows end: per incident (N new ones, the join incident, the relabelled alerts'
    // and the warm-up's).
    await measure('notify', N + 3, async () => {
      await sweepOnce(() => new Date(Date.now() + 10 * 60_000), { handlers: timerHandlers });
    });
    // A later revision of each ticket the announcements opened: an agent's public reply through the
    // ops API (the ticket's rewrite, its history entry and the comment; the index copies it writes).
    const tickets = (await scanType('Ticket')).filter((t) => t.source === 'incident');
    await measure('ticketComment', tickets.length, async () => {
      for (const t of tickets) {
        const r = await fetch(`${url}/tickets/${String(t.id)}/comments`, {
          method: 'POST',
          headers: { authorization: 'Bearer demo-responder-token', 'content-type': 'application/json' },
          body: JSON.stringify({ body: 'Looking into it.', visibility: 'public' }),
        });
        await r.arrayBuffer();
        if (r.status !== 201) throw new Error(`comment answered ${r.status}`);
      }
    });
    const per = Object.fromEntries(
      Object.entries(results).map(([name, r]) => [name, dollars(r as PhaseCounts, name !== 'notify')]),
    );
    // A mix of repeats / joins / new incidents, each new incident announced (paged and ticketed) once.
    const mix = (repeat: number, join: number, fresh: number) =>
      round(
        repeat * per.repeat!.total! + join * per.join!.total! + fresh * (per.newIncident!.total! + per.notify!.total!),
        2,
      );
    const mixes = {
      '100/0/0': mix(1, 0, 0),
      '80/15/5': mix(0.8, 0.15, 0.05),
      '50/40/10': mix(0.5, 0.4, 0.1),
      '0/0/100': mix(0, 0, 1),
    };
    console.log(
      JSON.stringify({
        bench: 'cost',
        alertsPerPhase: N,
        ...results,
        dollars: { perMillion: per, perMillionAlertsByMix: mixes },
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

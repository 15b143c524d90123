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
import { capacityCounter, perUnitTally, postAlerts, round, startBench } from './support';

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
    capacity.open();
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

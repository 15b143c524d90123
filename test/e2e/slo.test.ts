// SLO burn-rate alerts through the whole local runtime: an outage of a 99.9 % SLO pages within
// two minutes of simulated time (the evaluator's tick time is the scheduled event's time) — alert
// of the built-in integration nocturne-slo → incident for the service's team, notified — and,
// once the service recovers, the alert and the incident resolve.
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(120_000);

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let rt: TestRuntime;
const ADMIN = 'demo-admin-token';
const RESPONDER = 'demo-responder-token';
const VIEWER = 'demo-viewer-token';
const MIN = 60_000;
// Ten minutes back: the recovery pushes minutes up to T0 + 7 min, which must not be in the future.
const T0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
const iso = (t: number) => new Date(t).toISOString();

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
});
afterAll(async () => {
  await rt?.stop();
});

async function get<T = Doc>(path: string): Promise<T> {
  const r = await rt.request('GET', path, { token: VIEWER });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}

async function push(from: number, to: number, perMinute: number, bad = 0): Promise<void> {
  for (let start = from; start < to; start += 1440 * MIN) {
    const events = [];
    for (let t = start; t < Math.min(to, start + 1440 * MIN); t += MIN)
      events.push({ minute: iso(t), good: perMinute - bad, total: perMinute });
    const r = await rt.request('POST', '/slos/e2e-checkout/events', {
      token: RESPONDER,
      body: { source: 'checkout-web', events },
    });
    expect(r.status).toBe(200);
  }
}

const tick = (at: number) => rt.invoke('slo-evaluator', { 'detail-type': 'Scheduled Event', time: iso(at) });

async function eventually(check: () => Promise<void> | void, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await rt.settle();
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

it('an outage of a 99.9 % SLO pages within 2 minutes of simulated time and resolves after recovery', async () => {
  // Arrange: a 99.9 % SLO on the demo billing API with three clean days of traffic.
  const created = await rt.request('POST', '/slos', {
    token: ADMIN,
    body: {
      id: 'e2e-checkout',
      name: 'E2E checkout',
      service: 'billing-api',
      team: 'platform',
      objective: 99.9,
      window: { kind: 'rolling', days: 30 },
      sli: { kind: 'ratio' },
    },
  });
  expect(created.status).toBe(201);
  await push(T0 - 3 * 1440 * MIN, T0, 100);
  await tick(T0 - 30_000);
  expect((await get('/slos/e2e-checkout')).evaluation.status).toBe('ok');

  // Act: the outage starts at T0; the next ticks run at T0 + 30 s and T0 + 90 s.
  await push(T0, T0 + MIN, 100, 100);
  await tick(T0 + 30_000);
  await push(T0 + MIN, T0 + 2 * MIN, 100, 100);
  const second = (await tick(T0 + 90_000)) as { statuses: Record<string, number> };
  expect(second.statuses.page).toBeGreaterThanOrEqual(1);

  // Assess: a critical page alert from nocturne-slo, raised within 2 minutes of the outage.
  let alert: Doc | undefined;
  await eventually(async () => {
    const firing = await get<{ items: Doc[] }>('/alerts?integration=nocturne-slo&status=firing');
    alert = firing.items.find((a) => a.dedupKey === 'slo:e2e-checkout:page');
    expect(alert).toEqual(expect.objectContaining({ severity: 'critical', service: 'billing-api' }));
  });
  expect(Date.parse(alert!.startsAt) - T0).toBeLessThanOrEqual(2 * MIN);

  // ... which opens an incident for the service's team and notifies (the group window closes).
  let incident: Doc | undefined;
  await eventually(async () => {
    await sweepOnce(() => new Date(Date.now() + 31_000), { handlers: timerHandlers });
    const incidents = await get<{ items: Doc[] }>('/incidents?service=billing-api&limit=50');
    incident = incidents.items.find((i) => i.status === 'triggered' && /SLO E2E checkout/.test(JSON.stringify(i)));
    expect(incident).toEqual(expect.objectContaining({ teamId: 'platform', severity: 'P1' }));
    const notified = rt
      .busEvents()
      .filter(
        (e) =>
          e.source === 'nocturne.incidents' &&
          (e.detail as Doc).notify &&
          (e.detail as Doc).incident.id === incident!.id,
      );
    expect(notified.length).toBeGreaterThanOrEqual(1);
  });
  const pages = rt.snsMessages().filter((m) => m.topic === 'pages');
  if (pages.length)
    expect(pages.filter((m) => JSON.stringify(m).includes(incident!.id)).length).toBeGreaterThanOrEqual(1);

  // Act: the service recovers; five clean minutes later the 5m window is clean again.
  await push(T0 + 2 * MIN, T0 + 7 * MIN, 100);
  await tick(T0 + 6 * MIN + 30_000);

  // Assess: the page alert and its incident resolve.
  await eventually(async () => {
    const resolved = await get<{ items: Doc[] }>('/alerts?integration=nocturne-slo&status=resolved');
    expect(resolved.items.map((a) => a.dedupKey)).toContain('slo:e2e-checkout:page');
    const after = await get<{ items: Doc[] }>('/incidents?service=billing-api&limit=50');
    expect(after.items.find((i) => i.id === incident!.id)).toEqual(expect.objectContaining({ status: 'resolved' }));
  });
});

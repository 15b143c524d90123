// Scenarios through the whole local runtime with real Alertmanager payload sequences: webhook →
// alert store → stream outbox → bus → incident engine → timers → incident events. The storm whose
// deliveries are throttled has its own file (throttled-storm.test.ts): it needs its own runtime.
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import type { AmAlert } from '../support/alertmanager';
import { startTestRuntime, type TestRuntime } from '../support/local';
import { sendOn, stormOn } from '../support/storm';

/** The parts of incident views and event details these scenarios read. */
interface IncidentView {
  id: string;
  status: string;
  title: string;
  teamId?: string;
  severity?: string;
  flapping?: boolean;
  stormSize?: number;
  alerts?: Array<{ relation: string }>;
}
interface IncidentDetail {
  notify: boolean;
  incident: IncidentView;
}

let rt: TestRuntime;
const ADMIN = 'demo-admin-token';
const VIEWER = 'demo-viewer-token';

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
});
afterAll(async () => {
  await rt?.stop();
});

const send = (alerts: AmAlert[], status: 'firing' | 'resolved' = 'firing') => sendOn(rt, alerts, status);

/** Let the outbox and the engine finish, then close every group window that is due by `secondsAhead`. */
async function settleAndSweep(secondsAhead = 31): Promise<void> {
  await rt.settle();
  await sweepOnce(() => new Date(Date.now() + secondsAhead * 1000), { handlers: timerHandlers });
  await rt.settle();
}

async function incidentsOf(service: string): Promise<IncidentView[]> {
  const r = await rt.request('GET', `/incidents?service=${service}&limit=200`, { token: VIEWER });
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: IncidentView[] }).items;
}

const notifications = (filter: (d: IncidentDetail) => boolean) =>
  rt
    .busEvents()
    .filter(
      (e) =>
        e.source === 'nocturne.incidents' &&
        (e.detail as unknown as IncidentDetail).notify &&
        filter(e.detail as unknown as IncidentDetail),
    );

it('host down: the host alert pages, the alerts of services on that host are inhibited', async () => {
  const host = 'db-7';
  await send([
    { labels: { alertname: 'HostDown', host, service: 'infra-hosts', severity: 'critical' } },
    { labels: { alertname: 'DiskLatencyHigh', host, service: 'ocs-adaptor', severity: 'warning' } },
  ]);
  await rt.settle();
  await send([{ labels: { alertname: 'ProcessDown', host, service: 'rating-engine', severity: 'critical' } }]);
  await settleAndSweep();
  const hostIncidents = await incidentsOf('infra-hosts');
  expect(hostIncidents).toHaveLength(1);
  expect(notifications((d) => d.incident.id === hostIncidents[0]!.id)).toHaveLength(1);
  for (const svc of ['ocs-adaptor', 'rating-engine']) {
    const open = (await incidentsOf(svc)).filter((i) => i.status !== 'resolved');
    expect(open).toEqual([]);
  }
});

it('upstream database outage: dependent services correlate into the database incident', async () => {
  await send([
    {
      labels: { alertname: 'PostgresDown', instance: 'billing-db-1:5432', service: 'billing-db', severity: 'critical' },
    },
  ]);
  await rt.settle();
  await send([
    { labels: { alertname: 'ApiErrorRate', instance: 'api-1', service: 'billing-api', severity: 'critical' } },
    { labels: { alertname: 'RatingBacklog', instance: 'rating-1', service: 'rating-engine', severity: 'error' } },
  ]);
  await settleAndSweep();
  const [db] = await incidentsOf('billing-db');
  expect(db).toMatchObject({ status: 'triggered', teamId: 'dba', severity: 'P1' });
  const detail = (await (await rt.request('GET', `/incidents/${db!.id}`, { token: VIEWER })).json()) as IncidentView;
  expect(detail.alerts!.filter((a: { relation: string }) => a.relation === 'related')).toHaveLength(2);
  expect(await incidentsOf('billing-api')).toEqual([]);
  expect(notifications((d) => d.incident.id === db!.id && d.incident.status === 'triggered')).toHaveLength(1);

  // The database recovers: its incident resolves by itself and people hear of it once.
  await send(
    [
      {
        labels: {
          alertname: 'PostgresDown',
          instance: 'billing-db-1:5432',
          service: 'billing-db',
          severity: 'critical',
        },
      },
    ],
    'resolved',
  );
  await rt.settle();
  const [after] = await incidentsOf('billing-db');
  expect(after).toMatchObject({ status: 'resolved' });
  expect(notifications((d) => d.incident.id === db!.id && d.incident.status === 'resolved')).toHaveLength(1);
});

// A database check (the dba team), not a platform one: the scenarios above open four platform
// incidents, and when they ran within the same minute (a fast machine) the platform's storm guard
// rightly collapsed this group into a storm incident.
it('a flapping check marks its incident flapping and holds notifications', async () => {
  const labels = { alertname: 'ReplicaLagProbe', instance: 'sessions-db-1', service: 'sessions-db', severity: 'error' };
  for (let i = 0; i < 4; i++) {
    await send([{ labels }]);
    await rt.settle();
    if (i === 0) await settleAndSweep();
    await send([{ labels }], 'resolved');
    await rt.settle();
  }
  const [inc] = await incidentsOf('sessions-db');
  expect(inc).toMatchObject({ flapping: true, teamId: 'dba', storm: false });
  const told = rt
    .busEvents()
    .filter(
      (e) => e.source === 'nocturne.incidents' && (e.detail as unknown as IncidentDetail).incident.id === inc!.id,
    );
  // Opened and the first resolve were told; once flapping, the changes go quiet.
  expect(told.filter((e) => (e.detail as unknown as IncidentDetail).notify).length).toBeLessThanOrEqual(4);
  expect(told.some((e) => !(e.detail as unknown as IncidentDetail).notify)).toBe(true);
});

// A database check of its own service (the dba team, no tier floor): a repeat reaches the engine
// only when it changes what places the alert (docs/events.md, `Alert Repeated`).
it('a repeat that changes nothing the engine reads publishes nothing; a raised severity raises the incident', async () => {
  const generic = (severity: string, summary: string) =>
    rt.request('POST', '/hooks/demo-generic', {
      token: 'demo-generic-token',
      body: { dedupKey: 'ledger-lag', severity, summary, service: 'ledger-db', labels: { alertname: 'LedgerLag' } },
    });
  const repeats = () =>
    rt
      .busEvents()
      .filter(
        (e) =>
          e['detail-type'] === 'Alert Repeated' &&
          (e.detail as { alert: { dedupKey: string } }).alert.dedupKey === 'ledger-lag',
      );
  expect((await generic('warning', 'replication lag 12 s')).status).toBe(202);
  await settleAndSweep();
  const [opened] = await incidentsOf('ledger-db');
  expect(opened).toMatchObject({ status: 'triggered', teamId: 'dba', severity: 'P3' });

  // The monitor re-sends with a new summary (the alert is named by its alertname label): counted, no event.
  expect((await generic('warning', 'replication lag 31 s')).status).toBe(202);
  await rt.settle();
  expect(repeats()).toEqual([]);
  const alerts = (await (
    await rt.request('GET', '/alerts?integration=demo-generic&status=firing&limit=200', { token: VIEWER })
  ).json()) as { items: Array<{ dedupKey: string; count: number }> };
  expect(alerts.items.find((a) => a.dedupKey === 'ledger-lag')).toMatchObject({ count: 2 });

  // It gets worse: the repeat is published and the incident's severity follows.
  expect((await generic('critical', 'replication lag 300 s')).status).toBe(202);
  await rt.settle();
  expect(repeats()).toHaveLength(1);
  const [raised] = await incidentsOf('ledger-db');
  expect(raised).toMatchObject({ id: opened!.id, severity: 'P1' });
});

it('a maintenance window silences a service: alerts are stored and linked, no incident', async () => {
  const r = await rt.request('POST', '/maintenance-windows', {
    token: ADMIN,
    body: {
      kind: 'one-off',
      serviceId: 'ocs-adaptor',
      name: 'OCS upgrade',
      startsAt: new Date(Date.now() - 60_000).toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  });
  expect(r.status).toBe(201);
  await send([
    { labels: { alertname: 'OcsLinkDown', instance: 'ocs-1', service: 'ocs-adaptor', severity: 'critical' } },
  ]);
  await settleAndSweep();
  expect((await incidentsOf('ocs-adaptor')).filter((i) => i.title.includes('OcsLinkDown'))).toEqual([]);
  const alerts = (await (
    await rt.request('GET', '/alerts?integration=demo-alertmanager&status=firing&limit=200', { token: VIEWER })
  ).json()) as { items: Array<{ labels: Record<string, string> }> };
  expect(alerts.items.some((a) => a.labels.alertname === 'OcsLinkDown')).toBe(true);
});

// Forty groups against a guard that lets a few incidents open a minute: the behaviour does not need
// thousands of alerts (bench:storm drives the volume and asserts the same counts).
it('a storm of 400 alerts from 100 hosts opens at most 5 incidents, each announced once', async () => {
  await stormOn(rt, 'storm', { hosts: 100, batch: 50, parallel: 1 });
}, 600_000);

// Probes and job monitoring through the whole local runtime: the probe scheduler fans a round
// out over the bus to probe-worker; a job that stops pinging goes down through its durable
// timer, its flip travels stream → outbox → bus → probe-alerts → alert → incident engine, and
// its next success ping resolves the alert and the incident.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { documentClient } from '../../shared/store/client';
import { probeKeys } from '../../shared/store/keys';
import { JOB_TIMER_KIND, jobTimerId } from '../../shared/store/probe-jobs';
import { scheduleTimer } from '../../shared/store/timers';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(60_000);

// JSON answers and event details are read loosely here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

let rt: TestRuntime;
const ADMIN = 'demo-admin-token';
const VIEWER = 'demo-viewer-token';

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

const invoked = (fn: string) => rt.invocations.filter((i) => i.function === fn);

/** Settle the runtime until `check` passes (the pipeline is asynchronous; a loaded machine is slower). */
async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
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

it('a probe round is fanned out over the bus to probe-worker, which checks the demo probes', async () => {
  // Act
  const round = (await rt.runSchedule('probe-scheduler')) as { due: number; batches: number };
  await rt.settle();

  // Assess
  expect(round.due).toBeGreaterThanOrEqual(2);
  expect(rt.busEvents().filter((e) => e['detail-type'] === 'Probe Batch Due')).toHaveLength(round.batches);
  expect(invoked('probe-worker').filter((i) => !i.error)).toHaveLength(round.batches);
  const self = await get('/probes/demo-nocturne-openapi');
  expect(self.state).toEqual(
    expect.objectContaining({ status: 'up', lastResult: expect.objectContaining({ ok: true, statusCode: 200 }) }),
  );
  expect((await get('/probes/demo-billing-db-tcp')).state.status).toBe('up');
  // new → up flips are events too (nothing fires for them).
  expect(rt.busEvents().filter((e) => e['detail-type'] === 'Probe State Changed').length).toBeGreaterThanOrEqual(2);
});

it('a job that stops pinging opens an incident and notifies; its next success resolves both', async () => {
  // Prepare: a job of the billing API, pinged once.
  const created = await rt.request('POST', '/jobs', {
    token: ADMIN,
    body: {
      id: 'e2e-invoice-run',
      name: 'Invoice run',
      type: 'Load',
      category: 'Billing',
      activity: 'Loads the rated usage into the invoice run',
      team: 'platform',
      service: 'billing-api',
      schedule: { kind: 'period', minutes: 60 },
      graceMinutes: 10,
    },
  });
  expect(created.status).toBe(201);
  const job = (await created.json()) as { pingKey: string; pingUrls: { success: string } };
  expect(job.pingUrls.success).toBe(`${rt.url}/pings/${job.pingKey}`);
  expect((await fetch(job.pingUrls.success)).status).toBe(200);
  await rt.settle();
  expect((await get('/jobs/e2e-invoice-run')).state.status).toBe('up');

  // The job stops pinging: its last success is now two hours old (time travel in the table),
  // and its timer is due.
  const old = new Date(Date.now() - 2 * 3600_000).toISOString();
  const expected = new Date(Date.parse(old) + 3600_000).toISOString();
  await documentClient().send(
    new UpdateCommand({
      TableName: rt.tables.main,
      Key: probeKeys.jobState('e2e-invoice-run'),
      UpdateExpression:
        'SET lastSuccessAt = :old, firstPingAt = :old, lastPingAt = :old, expectedAt = :exp, nextCheckAt = :exp',
      ExpressionAttributeValues: { ':old': old, ':exp': expected },
    }),
  );
  await scheduleTimer({
    id: jobTimerId('e2e-invoice-run'),
    kind: JOB_TIMER_KIND,
    dueAt: expected,
    payload: { jobId: 'e2e-invoice-run' },
  });

  // Act: the timer sweep runs; the flip travels through the outbox to the alert pipeline and
  // the incident engine (whose group window the sweeps below close).
  await sweepOnce(() => new Date(), { handlers: timerHandlers });
  await rt.settle();

  // Assess: down, a critical alert from the built-in integration, an incident for the team, notified.
  const down = await get('/jobs/e2e-invoice-run');
  expect(down.state).toEqual(expect.objectContaining({ status: 'down', reason: 'not-on-time' }));
  const flipEvents = rt
    .busEvents()
    .filter((e) => e['detail-type'] === 'Job State Changed' && (e.detail as Doc).subject.id === 'e2e-invoice-run');
  expect(flipEvents.map((e) => (e.detail as Doc).change.to)).toEqual(['up', 'down']);
  expect(invoked('probe-alerts').filter((i) => i.error)).toEqual([]);
  await eventually(async () => {
    const alerts = await get<{ items: Doc[] }>('/alerts?integration=nocturne-probes&status=firing');
    expect(alerts.items.find((a) => a.dedupKey === 'job:e2e-invoice-run')).toEqual(
      expect.objectContaining({
        severity: 'critical',
        service: 'billing-api',
        labels: expect.objectContaining({
          job: 'e2e-invoice-run',
          type: 'Load',
          category: 'Billing',
          team: 'platform',
        }),
      }),
    );
  });
  let incident: Doc | undefined;
  await eventually(async () => {
    await sweepOnce(() => new Date(Date.now() + 31_000), { handlers: timerHandlers });
    const incidents = await get<{ items: Doc[] }>('/incidents?service=billing-api&limit=50');
    incident = incidents.items.find((i) => i.status === 'triggered');
    expect(incident).toEqual(expect.objectContaining({ teamId: 'platform', status: 'triggered' }));
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
  // Paging (the `pages` topic) follows the notified incident event; once it is wired, this incident pages.
  const pages = rt.snsMessages().filter((m) => m.topic === 'pages');
  if (pages.length)
    expect(pages.filter((m) => JSON.stringify(m).includes(incident!.id)).length).toBeGreaterThanOrEqual(1);

  // Act: the job succeeds again.
  expect((await fetch(job.pingUrls.success, { method: 'POST', body: 'invoice run done' })).status).toBe(200);
  await rt.settle();

  // Assess: up, the alert resolved, the incident resolved by itself.
  expect((await get('/jobs/e2e-invoice-run')).state.status).toBe('up');
  await eventually(async () => {
    const resolved = await get<{ items: Doc[] }>('/alerts?integration=nocturne-probes&status=resolved');
    expect(resolved.items.map((a) => a.dedupKey)).toContain('job:e2e-invoice-run');
    const after = await get<{ items: Doc[] }>('/incidents?service=billing-api&limit=50');
    expect(after.items.find((i) => i.id === incident!.id)).toEqual(expect.objectContaining({ status: 'resolved' }));
  });
});

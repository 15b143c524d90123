// Nothing accepted is lost (issue 10 §1): an alert answered 202 becomes its incident and pages
// exactly once, even when the store dies right after the 202 (the incident engine's event fails
// every retry and is dead-lettered; the restarted runtime replays it), and even when an event is
// lost altogether (the reconciler places the alert, and starts the escalation nobody started).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { reconcile } from '../../shared/app/reconcile/reconcile';
import { listIncidents } from '../../shared/store/incidents';
import { amPayload } from '../support/alertmanager';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

jest.setTimeout(180_000);

const VIEWER = 'demo-viewer-token';
const MINUTE = 60_000;

async function sweepAhead(rt: TestRuntime, ms: number): Promise<void> {
  await rt.settle();
  await sweepOnce(() => new Date(Date.now() + ms), { handlers: timerHandlers });
  await rt.settle();
}

async function incidentsOf(rt: TestRuntime, service: string): Promise<Array<{ id: string; status: string }>> {
  const r = await rt.request('GET', `/incidents?service=${service}`, { token: VIEWER });
  expect(r.status).toBe(200);
  return ((await r.json()) as { items: Array<{ id: string; status: string }> }).items;
}

const pagesFor = (rt: TestRuntime, incidentId: string) =>
  rt.snsMessages().filter((m) => m.topic === 'pages' && m.attributes.incident === incidentId);

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alert = (alertname: string, service: string) =>
  amPayload([
    {
      labels: { alertname, service, instance: `${service}-1`, severity: 'critical' },
      summary: `${alertname} on ${service}`,
    },
  ]);

describe('the store dies right after a 202', () => {
  const dataDir = tempDataDir();
  const dbDir = path.join(dataDir, 'dynamodb');
  const prefix = uniqueTablePrefix();
  let dynamo: DynamoDbLocal | undefined;
  let rt: TestRuntime | undefined;
  const start = async () => {
    dynamo = await startDynamoDbLocal({ dataDir: dbDir, startTimeoutMs: 120_000 });
    rt = await startTestRuntime({
      dataDir,
      tablePrefix: prefix,
      dynamoEndpoint: dynamo.endpoint,
      seedDemo: true,
      retry: { asyncDelaysMs: [20, 50], deadLetterReplayMs: 0 },
    });
    return rt;
  };
  afterAll(async () => {
    await rt?.stop();
    await dynamo?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the restarted runtime replays the dead letter: the incident and its page appear exactly once', async () => {
    let runtime = await start();
    // Kill DynamoDB Local the moment the alert's event is on the bus, before the engine reads anything.
    const unsubscribe = runtime.bus.subscribe((e) => {
      if (e['detail-type'] === 'Alert Opened' && dynamo?.pid) process.kill(dynamo.pid, 'SIGKILL');
    });
    const hook = await runtime.request('POST', '/hooks/demo-alertmanager', {
      token: 'demo-alertmanager-token',
      body: alert('LedgerWriteStalled', 'billing-api'),
    });
    expect(hook.status).toBe(202);
    await until('the engine event in dlq.jsonl', () =>
      runtime.deadLetters().find((d) => d.function === 'incident-engine'),
    );
    unsubscribe();
    await runtime.stop();
    await dynamo!.stop();

    // Restart (data kept): the dead letter is replayed at start; the group window closes; the page goes out.
    runtime = await start();
    await runtime.settle();
    await sweepAhead(runtime, 31_000);
    const incidents = await incidentsOf(runtime, 'billing-api');
    expect(incidents).toHaveLength(1);
    const pages = pagesFor(runtime, incidents[0]!.id);
    expect(pages.map((p) => p.attributes.channel).sort()).toEqual(['email', 'sms']);

    // Replaying again, sweeping again and reconciling change nothing: exactly once.
    await runtime.replayDeadLetters();
    await sweepAhead(runtime, 31_000);
    const repaired = await reconcile(new Date(Date.now() + 4 * MINUTE));
    expect(repaired).toMatchObject({ alertsPlaced: [], escalationsStarted: [], failures: [] });
    await runtime.settle();
    expect(await incidentsOf(runtime, 'billing-api')).toHaveLength(1);
    expect(pagesFor(runtime, incidents[0]!.id)).toHaveLength(2);
  });
});

describe('an event lost altogether', () => {
  let rt: TestRuntime | undefined;
  afterAll(async () => {
    await rt?.stop();
  });

  it('the reconciler places the alert, then starts the escalation of the announced incident, once each', async () => {
    // The engine and paging consumers swallow their events: as if they were lost after every retry.
    const dropped: string[] = [];
    rt = await startTestRuntime({
      seedDemo: true,
      handlers: {
        'incident-engine': async () => void dropped.push('incident-engine'),
        paging: async () => void dropped.push('paging'),
      },
    });
    // The demo seed's own events (its resolved P1, for one) reach these consumers first: not this alert's.
    await rt.settle();
    dropped.length = 0;
    const hook = await rt.request('POST', '/hooks/demo-alertmanager', {
      token: 'demo-alertmanager-token',
      body: alert('InvoiceQueueBacklog', 'billing-api'),
    });
    expect(hook.status).toBe(202);
    await rt.settle();
    expect(dropped).toEqual(['incident-engine']);
    expect(await incidentsOf(rt, 'billing-api')).toHaveLength(0);

    // Within the grace period the reconciler leaves the alert to its normal path.
    expect((await reconcile(new Date())).alertsPlaced).toEqual([]);
    const placed = await reconcile(new Date(Date.now() + 4 * MINUTE));
    expect(placed.alertsPlaced).toHaveLength(1);
    expect((await reconcile(new Date(Date.now() + 4 * MINUTE))).alertsPlaced).toEqual([]);

    // The group window closes (Incident Opened is dropped by paging): nobody paged yet.
    await sweepAhead(rt, 4 * MINUTE + 31_000);
    // Opened on the reconciler's clock, minutes ahead: read past the API's default window.
    const { items } = await listIncidents({
      serviceId: 'billing-api',
      from: new Date(Date.now() - MINUTE),
      to: new Date(Date.now() + 20 * MINUTE),
      limit: 10,
    });
    expect(items).toHaveLength(1);
    const incident = items[0];
    expect(dropped).toContain('paging');
    expect(pagesFor(rt, incident!.id)).toHaveLength(0);

    // A few minutes after the announcement the reconciler starts the chain: the on-call person is paged, once.
    const escalated = await reconcile(new Date(Date.now() + 9 * MINUTE));
    expect(escalated.escalationsStarted).toEqual([incident!.id]);
    await rt.settle();
    expect(
      pagesFor(rt, incident!.id)
        .map((p) => p.attributes.channel)
        .sort(),
    ).toEqual(['email', 'sms']);
    expect((await reconcile(new Date(Date.now() + 10 * MINUTE))).escalationsStarted).toEqual([]);
    await rt.settle();
    expect(pagesFor(rt, incident!.id)).toHaveLength(2);
  });
});

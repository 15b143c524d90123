// Runbooks end to end through the local runtime (one runtime, restarted once): a runbook with an
// approval runs, pauses, resumes after another person approves, and every step lands on the
// incident's timeline with a resolution report; the person who started it cannot approve it; a run
// survives a restart of the runtime during its wait; a dry run acts on nothing; bad input is a 422;
// the demo's attached runbook starts by itself on a matching incident; a probe-check step runs the
// probe now and branches on its result; an approval answered through the signed link sent to the
// approver (GET confirms, POST answers, once; the requester's own link, a changed or an expired one
// are refused), across a restart of the runtime during the wait.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_WEBHOOK_SECRET, SIGNATURE_HEADER, verifyWebhookSignature } from '../../shared/adapters/drivers/webhook';
import { DEMO_POSTMORTEM_INCIDENT_ID } from '../../infra/local/demo/postmortems';
import { LOCAL_DEV_ACT_LINK_SECRET } from '../../shared/app/oncall/page-links';
import { signApprovalLink } from '../../shared/domain/runbooks/approval-links';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

const ADMIN = 'demo-admin-token';
const RESPONDER = 'demo-responder-token';
const VIEWER = 'demo-viewer-token';
const INCIDENT = DEMO_POSTMORTEM_INCIDENT_ID;
const TIME_SCALE = 0.02;

let rt: TestRuntime;
let hooks: Server;
let health: Server;
let healthy = true;
const calls: Array<{ body: string; signed: boolean }> = [];
const dataDir = tempDataDir();
const tablePrefix = uniqueTablePrefix();

const start = () =>
  startTestRuntime({ seedDemo: true, dataDir, tablePrefix, stepFunctions: { timeScale: TIME_SCALE } } as Parameters<
    typeof startTestRuntime
  >[0]);

beforeAll(async () => {
  hooks = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const header = req.headers[SIGNATURE_HEADER] as string | undefined;
      calls.push({
        body,
        signed: verifyWebhookSignature(LOCAL_WEBHOOK_SECRET, header, body, Math.floor(Date.now() / 1000)),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"restarted":true}');
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  health = createServer((_req, res) => res.writeHead(healthy ? 200 : 503).end(healthy ? 'ok' : 'overloaded'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  rt = await start();
}, 90_000);

afterAll(async () => {
  await rt?.stop();
  hooks?.close();
  health?.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const call = async (method: string, path: string, token: string, body?: unknown) => {
  const r = await rt.request(method, path, { token, body });
  return { status: r.status, body: (await r.json()) as Json };
};
const run = (id: string) => call('GET', `/runbook-runs/${id}`, VIEWER).then((r) => r.body);

async function until(id: string, done: (r: Json) => boolean, timeoutMs = 45_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await run(id);
    if (done(r)) return r;
    if (Date.now() > deadline) throw new Error(`run ${id} never got there: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

const hookUrl = () => `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/restart`;

async function putRunbook(id: string, steps: unknown[]): Promise<void> {
  const r = await call('PUT', `/runbooks/${id}`, ADMIN, {
    name: `Runbook ${id}`,
    parameters: [{ name: 'region', type: 'string' }],
    steps,
  });
  expect(r.status).toBe(201);
}

describe('runbook runs', () => {
  it('runs, pauses for an approval, resumes once another person approves, and lands on the timeline', async () => {
    await putRunbook('e2e-restart', [
      {
        id: 'announce',
        kind: 'notify',
        subject: 'Restarting {{params.region}}',
        message: 'Incident #{{incident.number}}',
      },
      { id: 'approve', kind: 'approval', prompt: 'Restart {{params.region}}?' },
      { id: 'restart', kind: 'http', url: hookUrl(), body: '{"region":"{{params.region}}"}' },
      { id: 'settle', kind: 'wait', seconds: 30 },
    ]);
    const started = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-restart/runs`, RESPONDER, {
      parameters: { region: 'eu-1' },
    });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const waiting = await until(id, (r) => r.status === 'waiting-approval');
    expect(waiting.approval).toEqual(expect.objectContaining({ stepId: 'approve' }));
    expect(waiting.approval.taskToken).toBeUndefined();
    expect(waiting.steps.map((s: Json) => [s.id, s.status])).toEqual([['announce', 'succeeded']]);
    expect(calls).toHaveLength(0);

    // The person who started it cannot approve it.
    expect((await call('POST', `/runbook-runs/${id}/approval`, RESPONDER, { decision: 'approve' })).status).toBe(403);
    const approved = await call('POST', `/runbook-runs/${id}/approval`, ADMIN, { decision: 'approve', reason: 'go' });
    expect(approved.status).toBe(200);
    expect((await call('POST', `/runbook-runs/${id}/approval`, ADMIN, { decision: 'approve' })).status).toBe(409);

    const done = await until(id, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['announce', 'succeeded'],
      ['approve', 'succeeded'],
      ['restart', 'succeeded'],
      ['settle', 'succeeded'],
    ]);
    expect(calls).toEqual([{ body: '{"region":"eu-1"}', signed: true }]);
    expect(done.report).toMatch(/Outcome: succeeded/);
    expect(done.audit.map((a: Json) => [a.action, a.by])).toEqual([
      ['started', 'demo-responder'],
      ['approved', 'demo-admin'],
      ['finished', 'runbook'],
    ]);
    const incident = (await call('GET', `/incidents/${INCIDENT}`, VIEWER)).body;
    const kinds = (incident.timeline as Json[]).filter((e) => e.kind.startsWith('runbook')).map((e) => e.kind);
    expect(kinds).toEqual([
      'runbook-started',
      'runbook-step',
      'runbook-approval',
      'runbook-step',
      'runbook-step',
      'runbook-step',
      'runbook-report',
    ]);
    // The postmortem's facts pick the run up.
    const pm = await call('POST', `/postmortems/${INCIDENT}/refresh`, RESPONDER, { version: 1 });
    expect(pm.status).toBe(200);
    expect(pm.body.facts.runbookRuns.length).toBeGreaterThanOrEqual(7);
  }, 90_000);

  it('carries on after a restart of the runtime during its wait, without running a step twice', async () => {
    await putRunbook('e2e-wait', [
      { id: 'before', kind: 'http', url: hookUrl(), body: 'before' },
      { id: 'pause', kind: 'wait', seconds: 600 },
      { id: 'after', kind: 'http', url: hookUrl(), body: 'after' },
    ]);
    const started = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-wait/runs`, RESPONDER, {
      parameters: { region: 'eu-2' },
    });
    const id = started.body.id as string;
    await until(id, (r) => r.steps.length === 1);
    // The first step's Task has returned; give the engine a moment to journal it and enter the
    // wait (12 s at this time scale): a Task still in flight at a stop runs again, as Lambda retries do.
    await new Promise((res) => setTimeout(res, 1500));
    const before = calls.length;
    await rt.stop();
    rt = await start();
    const done = await until(id, (r) => r.status === 'succeeded' || r.status === 'failed', 60_000);
    expect(done.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['before', 'succeeded'],
      ['pause', 'succeeded'],
      ['after', 'succeeded'],
    ]);
    expect(calls.slice(before - 1).map((c) => c.body)).toEqual(['before', 'after']);
  }, 120_000);

  it('a dry run describes every step and acts on none', async () => {
    const before = calls.length;
    const started = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-restart/runs`, RESPONDER, {
      parameters: { region: 'eu-3' },
      dryRun: true,
    });
    const done = await until(started.body.id, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(done.steps.map((s: Json) => s.status)).toEqual(['dry-run', 'dry-run', 'dry-run', 'dry-run']);
    expect(done.steps[2].output).toContain('would POST');
    expect(calls.length).toBe(before);
  }, 60_000);

  it('bad input is a 422 naming the field and starts nothing', async () => {
    const noParam = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-restart/runs`, RESPONDER, {});
    expect(noParam.status).toBe(422);
    expect(noParam.body.errors.map((e: Json) => e.field)).toEqual(['parameters.region']);
    const back = await call('PUT', '/runbooks/e2e-bad', ADMIN, {
      name: 'bad',
      steps: [
        { id: 'a', kind: 'wait', seconds: 1 },
        { id: 'b', kind: 'wait', seconds: 1, onFailure: 'a' },
      ],
    });
    expect(back.status).toBe(422);
    expect(back.body.errors[0].field).toBe('steps.1.onFailure');
    expect((await call('GET', '/runbooks/e2e-bad', VIEWER)).status).toBe(404);
    expect((await call('GET', `/incidents/${INCIDENT}/runbook-runs`, VIEWER)).body.items).toHaveLength(3);
  });

  it('starts an attached runbook by itself when a matching incident opens (the demo rule), once', async () => {
    const hook = await rt.request('POST', '/hooks/demo-generic', {
      token: 'demo-generic-token',
      body: {
        dedupKey: 'e2e-billing-api-down',
        severity: 'critical',
        summary: 'BillingApiDown',
        service: 'billing-api',
      },
    });
    expect(hook.status).toBe(202);
    let runs: Json[] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      await rt.settle();
      await sweepOnce(() => new Date(Date.now() + 31_000), { handlers: timerHandlers });
      await rt.settle();
      const incidents = (await call('GET', '/incidents?service=billing-api', VIEWER)).body.items as Json[];
      const opened = incidents.find((i) => i.title.includes('BillingApiDown'));
      if (opened) runs = (await call('GET', `/incidents/${opened.id}/runbook-runs`, VIEWER)).body.items as Json[];
      if (runs.length) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runbookId: 'restart-billing-api', trigger: { kind: 'rule', by: 'rule' } });
    expect(runs[0]!.parameters).toEqual({ region: 'eu-west-1' });
    // Nobody started it by hand: the responder may approve it.
    await until(runs[0]!.id, (r) => r.status === 'waiting-approval');
    expect(
      (await call('POST', `/runbook-runs/${runs[0]!.id}/approval`, RESPONDER, { decision: 'reject' })).status,
    ).toBe(200);
    const done = await until(runs[0]!.id, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(done.status).toBe('failed');
    expect(done.steps.map((x: Json) => [x.id, x.status])).toEqual([
      ['announce', 'succeeded'],
      ['approve', 'failed'],
    ]);
  }, 90_000);

  it('a probe-check step runs the probe now: up → its success branch, down → its failure branch, on the timeline', async () => {
    const healthUrl = `http://127.0.0.1:${(health.address() as AddressInfo).port}/health`;
    const probe = await call('POST', '/probes', ADMIN, {
      id: 'e2e-billing-health',
      kind: 'http',
      name: 'Billing health',
      url: healthUrl,
      intervalMinutes: 60,
    });
    expect(probe.status).toBe(201);
    const unknown = await call('PUT', '/runbooks/e2e-probe-bad', ADMIN, {
      name: 'bad',
      steps: [{ id: 'check', kind: 'probe', probeId: 'no-such-probe' }],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors.map((e: Json) => e.field)).toEqual(['steps.0.probeId']);
    expect((await call('GET', '/runbooks/e2e-probe-bad', VIEWER)).status).toBe(404);

    await putRunbook('e2e-probe', [
      { id: 'check', kind: 'probe', probeId: 'e2e-billing-health', onSuccess: 'announce', onFailure: 'restart' },
      { id: 'restart', kind: 'http', url: hookUrl(), body: 'restart {{params.region}}' },
      { id: 'announce', kind: 'notify', subject: 'Billing checked', message: 'Incident #{{incident.number}}' },
    ]);
    const runIt = async () => {
      const started = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-probe/runs`, RESPONDER, {
        parameters: { region: 'eu-4' },
      });
      expect(started.status).toBe(201);
      return until(started.body.id, (r) => r.status === 'succeeded' || r.status === 'failed');
    };
    const before = calls.length;

    healthy = true;
    const up = await runIt();
    expect(up.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['check', 'succeeded'],
      ['announce', 'succeeded'],
    ]);
    expect(up.steps[0].output).toMatch(/^probe e2e-billing-health \(.*\) is up: /);
    expect(calls.length).toBe(before);

    healthy = false;
    const down = await runIt();
    expect(down.status).toBe('succeeded');
    expect(down.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['check', 'failed'],
      ['restart', 'succeeded'],
      ['announce', 'succeeded'],
    ]);
    expect(down.steps[0].output).toMatch(/is down: .*503/);
    expect(calls.slice(before).map((c) => c.body)).toEqual(['restart eu-4']);
    expect(down.report).toMatch(/with failed steps that continued/);

    const timeline = (await call('GET', `/incidents/${INCIDENT}`, VIEWER)).body.timeline as Json[];
    const checks = timeline.filter((e) => /e2e-billing-health/.test(e.message ?? '')).map((e) => e.kind);
    expect(checks).toEqual(expect.arrayContaining(['runbook-step', 'runbook-step-failed']));
    // The check is the run's, not a round of the probe: its history and state are untouched.
    expect((await call('GET', '/probes/e2e-billing-health', VIEWER)).body.state?.lastResult).toBeUndefined();

    // A dry run checks nothing and says what each branch would be.
    const dry = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-probe/runs`, RESPONDER, {
      parameters: { region: 'eu-4' },
      dryRun: true,
    });
    const described = await until(dry.body.id, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(described.steps.map((s: Json) => s.status)).toEqual(['dry-run', 'dry-run', 'dry-run']);
    expect(described.steps[0].output).toBe('would check probe e2e-billing-health now; up → announce, down → restart');
  }, 90_000);

  it('approves through the signed link sent to the approver, once, after a restart; the requester cannot', async () => {
    await putRunbook('e2e-link', [
      {
        id: 'approve',
        kind: 'approval',
        prompt: 'Fail over {{params.region}}?',
        approvers: ['demo-admin', 'demo-responder'],
      },
      { id: 'failover', kind: 'http', url: hookUrl(), body: 'failover {{params.region}}' },
    ]);
    const started = await call('POST', `/incidents/${INCIDENT}/runbooks/e2e-link/runs`, RESPONDER, {
      parameters: { region: 'eu-5' },
    });
    const id = started.body.id as string;
    await until(id, (r) => r.status === 'waiting-approval');
    // One message, to the other approver, with links bound to this run, this step and that person.
    // (The run shows waiting-approval as soon as it stores its task token; the message follows.)
    const messages = () =>
      rt.snsMessages().filter((m) => m.topic === 'notifications' && m.attributes.runbookRun === id);
    for (const deadline = Date.now() + 20_000; !messages().length && Date.now() < deadline;)
      await new Promise((res) => setTimeout(res, 200));
    await new Promise((res) => setTimeout(res, 500));
    const asked = messages();
    expect(asked.map((m) => [m.attributes.kind, m.attributes.recipient])).toEqual([
      ['Runbook Approval Requested', 'demo-admin'],
    ]);
    expect(asked[0]!.message).toContain('Fail over eu-5?');
    const pathOf = (label: string) =>
      /\/runbook-approvals\/\S+/.exec(asked[0]!.message.split('\n').find((l) => l.startsWith(label))!)![0];
    const approve = pathOf('Approve: ');
    const reject = pathOf('Reject: ');
    const answer = (path: string, method = 'POST') => rt.request(method, path);
    const problemOf = async (path: string, method = 'POST') => {
      const r = await answer(path, method);
      return { status: r.status, body: (await r.json()) as Json };
    };

    // GET shows what the link will do and changes nothing (mail scanners fetch links).
    const page = await answer(approve, 'GET');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const text = await page.text();
    expect(text).toContain('<form method="post">');
    expect(text).toContain('Fail over eu-5?');
    expect((await run(id)).status).toBe('waiting-approval');

    // The requester's own link (validly signed) is refused, as are a changed and an expired one.
    const sign = (userId: string, expiresAt: Date) =>
      `/runbook-approvals/${signApprovalLink({ decision: 'approve', runId: id, stepIndex: 0, userId, expiresAt }, [LOCAL_DEV_ACT_LINK_SECRET])}`;
    const own = await problemOf(sign('demo-responder', new Date(Date.now() + 3600_000)));
    expect(own.status).toBe(403);
    expect(own.body.detail).toMatch(/started the run cannot approve/);
    expect((await problemOf(approve.replace('/runbook-approvals/y.', '/runbook-approvals/n.'))).status).toBe(403);
    expect((await problemOf(sign('demo-admin', new Date(Date.now() - 1000)))).status).toBe(410);
    expect((await run(id)).status).toBe('waiting-approval');

    // The runtime restarts during the wait; the link still answers and the run resumes.
    await rt.stop();
    rt = await start();
    expect((await run(id)).status).toBe('waiting-approval');
    const approved = await answer(approve);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ decision: 'approve', run: { id, stepId: 'approve' } });
    // Used once: the same link, or its reject twin, change nothing more.
    expect((await problemOf(approve)).status).toBe(409);
    expect((await problemOf(reject)).status).toBe(409);

    const done = await until(id, (r) => r.status === 'succeeded' || r.status === 'failed');
    expect(done.steps.map((s: Json) => [s.id, s.status])).toEqual([
      ['approve', 'succeeded'],
      ['failover', 'succeeded'],
    ]);
    expect(done.steps[0].output).toMatch(/^approved by .+ through a signed link$/);
    expect(done.audit.map((a: Json) => [a.action, a.by, a.via])).toEqual([
      ['started', 'demo-responder', undefined],
      ['approved', 'demo-admin', 'link'],
      ['finished', 'runbook', undefined],
    ]);
    expect(calls.map((c) => c.body)).toContain('failover eu-5');
    expect((await problemOf(approve)).status).toBe(409);
    const timeline = (await call('GET', `/incidents/${INCIDENT}`, VIEWER)).body.timeline as Json[];
    expect(timeline.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/e2e-link · approve \(approval\): succeeded — approved by .+ through a signed link/),
      ]),
    );
  }, 120_000);
});

// Tickets end to end through the local runtime (HTTP gateway, outbox stream, bus rules, SNS,
// timer sweeper): an email opens a ticket, an agent replies, the requester's email reply threads
// onto it, an SLA breach notifies the queue lead, a workflow task ticket resolves and its token
// receives success. Only the clock of the timer sweep is injected.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { getTicket } from '../../shared/store/tickets';
import { startTestRuntime, type TestRuntime } from '../support/local';

const ADMIN = 'demo-admin-token';
const AGENT = 'demo-responder-token';
const REQUESTER = 'demo-requester-token';
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'email');
const eml = (name: string, vars: Record<string, string> = {}) =>
  readFileSync(path.join(FIXTURES, name), 'utf8').replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k] ?? '');

let rt: TestRuntime;

// A test-only state machine whose manual step is a workflow task ticket.
const workflowTaskMachine = {
  name: 'workflow-task',
  description: 'Test: one manual step as a ticket',
  definitionFile: 'test/fixtures/state-machines/workflow-task.asl.json',
  type: 'STANDARD' as const,
  substitutions: { WorkflowTasksFn: { function: 'workflow-tasks' } },
};

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true, catalog: { stateMachines: [workflowTaskMachine] } });
}, 60_000);

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}
afterAll(async () => {
  await rt?.stop();
});

const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Record<string, any> }); // eslint-disable-line @typescript-eslint/no-explicit-any
const mail = (raw: string) =>
  rt
    .request('POST', '/inbound-email', { token: ADMIN, body: raw, headers: { 'content-type': 'message/rfc822' } })
    .then(json);
const emailsTo = (recipient: string) =>
  rt
    .snsMessages()
    .filter((m) => m.topic === 'notifications' && m.attributes.recipient === recipient)
    .map((m) => ({ subject: m.subject ?? '', email: m.messages?.email ?? m.message }));

describe('tickets through the local runtime', () => {
  it('email opens a ticket, an agent replies, the requester’s reply threads on, an SLA breach reaches the lead', async () => {
    // 1. Carla mails tech@: a ticket opens and she hears it was received.
    const opened = await mail(eml('new-ticket.eml'));
    expect(opened.status).toBe(201);
    const { ticketId, number } = opened.body;
    await rt.settle();
    expect(emailsTo('carla@customer.example').map((m) => m.subject)).toEqual([
      expect.stringMatching(new RegExp(`^\\[#${number}\\] .*We received your request`)),
    ]);
    const t0 = (await json(await rt.request('GET', `/tickets/${ticketId}`, { token: AGENT }))).body;
    expect(t0).toMatchObject({
      source: 'email',
      categoryId: 'technical-support-l1',
      queueId: 'support-l1',
      status: 'open',
      fields: { msisdn: '+49 151 12345678' },
    });
    expect(emailsTo(t0.assignee.email).some((m) => /Assigned to/.test(m.subject))).toBe(true);

    // 2. An agent replies publicly; Carla gets the reply by email.
    const reply = await json(
      await rt.request('POST', `/tickets/${ticketId}/comments`, {
        token: AGENT,
        body: { body: 'Hi Carla, could you restart your phone once?' },
      }),
    );
    expect(reply.status).toBe(201);
    await rt.settle();
    expect(emailsTo('carla@customer.example').at(-1)!.email).toMatch(/could you restart your phone once\?/);

    // 3. Carla answers by email, keeping [#number] in the subject: the reply threads onto the ticket.
    const threaded = await mail(eml('reply.eml', { NUMBER: String(number) }));
    expect(threaded.body).toMatchObject({ status: 'commented', ticketId });
    expect((await mail(eml('reply.eml', { NUMBER: String(number) }))).body.status).toBe('duplicate');
    await rt.settle();
    const t1 = (await json(await rt.request('GET', `/tickets/${number}`, { token: AGENT }))).body;
    expect(t1.comments.map((c: { author: { type: string }; body: string }) => [c.author.type, c.body])).toEqual([
      ['agent', 'Hi Carla, could you restart your phone once?'],
      ['requester', 'I restarted the phone twice, still no data.'],
    ]);
    expect(t1.sla.firstResponse.met).toBe(true);

    // The demo requester is someone else: Carla's ticket does not exist for them.
    expect((await rt.request('GET', `/tickets/${ticketId}`, { token: REQUESTER })).status).toBe(404);

    // 4. Nobody resolves it: sweep the durable SLA timers at the resolution deadline.
    const due = (await getTicket(ticketId))!.sla!.resolution.dueAt!;
    const r = await sweepOnce(() => new Date(Date.parse(due) + 1000), { handlers: timerHandlers });
    expect(r.failed).toBe(0);
    await rt.settle();
    const t2 = (await getTicket(ticketId))!;
    expect(t2.sla!.resolution.breachedAt).toBeDefined();
    expect(t2.priority).toBe('P2'); // the standard policy raises priority on a breach
    const lead = emailsTo('lea@nocturne.local');
    expect(lead.map((m) => m.subject)).toEqual([expect.stringMatching(/SLA BREACHED/)]);
    expect(lead[0]!.email).toMatch(/resolution target missed \(escalated to Lea Lead\)/);
    expect(emailsTo('carla@customer.example').some((m) => /SLA/.test(m.subject))).toBe(false);
    // Warning and breach were both overdue in this one sweep: whichever ran first, the breach is recorded once.
    const types = rt.busEvents().map((e) => e['detail-type']);
    expect(types).toEqual(
      expect.arrayContaining(['Ticket Created', 'Ticket Assigned', 'Ticket Commented', 'Ticket SLA Breached']),
    );
    expect(types.filter((x) => x === 'Ticket SLA Breached')).toHaveLength(1);
    expect(rt.deadLetters()).toEqual([]);
  });

  it('a workflow task ticket resolves and the waiting execution resumes with its outcome', async () => {
    // A state machine's manual step (lambda:invoke.waitForTaskToken → workflow-tasks) opens a ticket.
    const sfn = new SFNClient({
      endpoint: rt.stepFunctions.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: rt.stepFunctions.machines.find((m) => m.name === 'workflow-task')!.arn,
        name: `verify-acct-1001-${Date.now()}`,
        input: JSON.stringify({ subject: 'Verify ID documents for acct-1001', fields: { accountId: 'acct-1001' } }),
      }),
    );
    const events = await waitFor(async () => {
      const all = (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
      return all.some((e) => e.type === 'TaskSubmitted') ? all : undefined;
    });
    const submitted = events.find((e) => e.type === 'TaskSubmitted')!;
    const token = JSON.parse(events.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!.parameters!)
      .Payload.taskToken as string;
    const accepted = JSON.parse(submitted.taskSubmittedEventDetails!.output!).Payload as { ticketId: string };
    const ticket = (await json(await rt.request('GET', `/tickets/${accepted.ticketId}`, { token: AGENT }))).body;
    expect(ticket).toMatchObject({ subject: 'Verify ID documents for acct-1001' });
    expect(JSON.stringify(ticket)).not.toContain(token);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    // The agent resolves it: the committed resolution answers the token and the execution carries on.
    const resolved = await json(
      await rt.request('PATCH', `/tickets/${accepted.ticketId}`, {
        token: AGENT,
        body: {
          version: ticket.version,
          fields: { approved: true },
          resolution: { code: 'done', note: 'passport checked' },
        },
      }),
    );
    expect(resolved.status).toBe(200);
    await rt.settle();
    const done = await waitFor(async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    });
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!).verification).toEqual(
      expect.objectContaining({
        ticketId: accepted.ticketId,
        resolution: { code: 'done', note: 'passport checked' },
        fields: { approved: true },
      }),
    );
    expect(rt.busEvents().some((e) => JSON.stringify(e).includes(token))).toBe(false);
    const after = (await json(await rt.request('GET', `/tickets/${accepted.ticketId}`, { token: AGENT }))).body;
    expect(after.workflow).toMatchObject({ callback: 'sent' });
    sfn.destroy();
  });

  it('requesters open and follow their own tickets over the gateway', async () => {
    const mine = await json(
      await rt.request('POST', '/tickets', {
        token: REQUESTER,
        body: {
          subject: 'Invoice 2026-11 too high',
          categoryId: 'billing',
          fields: { invoiceNumber: 'INV-2026-11-0042' },
        },
      }),
    );
    expect(mine.status).toBe(201);
    expect(mine.body.requester.email).toBe('requester@nocturne.local');
    const list = await json(await rt.request('GET', '/tickets', { token: REQUESTER }));
    expect(list.body.items.map((t: { id: string }) => t.id)).toEqual([mine.body.id]);
    expect(
      (
        await rt.request('PATCH', `/tickets/${mine.body.id}`, {
          token: REQUESTER,
          body: { version: 1, status: 'resolved' },
        })
      ).status,
    ).toBe(403);
    const report = await rt.request('GET', '/reports/tickets?groupBy=queue&format=csv', { token: 'demo-viewer-token' });
    expect(report.status).toBe(200);
    expect(await report.text()).toMatch(/^queue,created,resolved,backlog/);
  });
});

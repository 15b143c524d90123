// Tickets from other sources, against DynamoDB Local: inbound email (raw .eml over HTTP and the
// SES event), incidents (the incident contract's example events), workflow tasks with their
// Step Functions callbacks; and what follows a committed change: notifications, SLA timers with
// warning, breach and escalation, and the report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { EventBridgeEvent, SESEvent } from 'aws-lambda';
import { handler as inbound } from '../../functions/inbound-email/handler';
import { setMailSource } from '../../functions/inbound-email/mail-source';
import { handler as ops } from '../../functions/ops-tickets/handler';
import { handler as incidents } from '../../functions/ticket-incidents/handler';
import { handler as notifier } from '../../functions/ticket-notifier/handler';
import { handler as reports } from '../../functions/ticket-reports/handler';
import { handler as sla } from '../../functions/ticket-sla/handler';
import {
  AUTOCLOSE_TIMER_KIND,
  runAutoCloseTimer,
  runSlaTimer,
  SLA_TIMER_KIND,
  slaTimerId,
} from '../../shared/app/tickets/timers';
import { scheduleTimer } from '../../shared/store/timers';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, tableName } from '../../shared/store/client';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { handler as callback } from '../../functions/ticket-workflow-callback/handler';
import { handler as workflowTasks } from '../../functions/workflow-tasks/handler';
import openedExample from '../../events/examples/incident-opened.json';
import resolvedExample from '../../events/examples/incident-resolved.json';
import severityChangedExample from '../../events/examples/incident-severity-changed.json';
import { setNotifier, type Notification } from '../../shared/adapters/notifier';
import { RecordingTaskCallbacks, setTaskCallbacks } from '../../shared/adapters/stepfunctions';
import { ticketEventsFor } from '../../shared/store/outbox/ticket-events';
import type { Ticket } from '../../shared/domain/tickets/ticket';
import { ensureConfig, putConfig } from '../../shared/store/ticket-config';
import { categorySchema } from '../../shared/domain/tickets/config';
import { seedTicketDemo } from '../../infra/local/demo/tickets';
import { getTicket, listComments, listRequesterTickets, ticketsOfIncident } from '../../shared/store/tickets';
import { lambdaContext } from '../support/http-event';
import { admin, agent, callAs, requester, uniq, viewer } from '../unit/tickets/support';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'email');
const eml = (name: string, vars: Record<string, string> = {}) =>
  readFileSync(path.join(FIXTURES, name), 'utf8').replace(/\{\{(\w+)\}\}/g, (_m, k: string) => vars[k] ?? '');
const postEmail = (raw: string | Buffer, as = admin) =>
  callAs(inbound, {
    routeKey: 'POST /inbound-email',
    as,
    headers: { 'content-type': 'message/rfc822' },
    body: Buffer.isBuffer(raw) ? raw.toString('utf8') : raw,
  });

const envelope = (detailType: string, source: string, detail: unknown): EventBridgeEvent<string, never> =>
  ({
    version: '0',
    id: uniq('ev'),
    'detail-type': detailType,
    source,
    account: '0',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  }) as never;

/** The bus events of a committed change, as the outbox would publish them. */
const eventsOf = (before: Ticket | undefined, after: Ticket) =>
  ticketEventsFor(before ? { type: 'Ticket', ...before } : undefined, { type: 'Ticket', ...after }).map((e) =>
    envelope(e.detailType, e.source, e.detail),
  );

/** The stored timer with this id, if any (the store has no reader by id: the sweeper queries by due time). */
const timerOf = async (id: string) =>
  (await documentClient().send(new GetCommand({ TableName: tableName(), Key: { pk: `TIMER#${id}`, sk: 'TIMER' } })))
    .Item;

/** A ticket opened through the ops API by an agent (its answer body). */
const openTicket = async (subject: string, categoryId: string, extra: Record<string, unknown> = {}) =>
  (
    await callAs(ops, {
      routeKey: 'POST /tickets',
      body: { subject, categoryId, requester: { email: 'carla@customer.example' }, ...extra },
    })
  ).body;

const sent: Notification[] = [];
const now = new Date().toISOString();

beforeAll(async () => {
  setNotifier({ publish: async (n) => (sent.push(n), { messageId: String(sent.length) }) });
  await seedTicketDemo(now);
  await ensureConfig(
    'calendar',
    {
      id: 'src-24x7',
      name: '24x7',
      timeZone: 'UTC',
      workingHours: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
      ),
      holidays: [],
    },
    now,
  );
  await ensureConfig(
    'sla-policy',
    {
      id: 'src-fast',
      name: 'Fast',
      calendarId: 'src-24x7',
      warnAtPercent: 80,
      targets: {
        P3: { firstResponseMinutes: 60, resolutionMinutes: 600 },
        P2: { firstResponseMinutes: 30, resolutionMinutes: 300 },
      },
      onBreach: { escalateToLead: true, raisePriority: true },
    },
    now,
  );
});
afterAll(() => {
  setNotifier(undefined);
  setTaskCallbacks(undefined);
  setMailSource(undefined);
});

describe('inbound email', () => {
  const carla = 'carla@customer.example';

  it('opens a ticket from a MIME message, threads the requester’s reply onto it, and is idempotent on Message-ID', async () => {
    const before = (await listRequesterTickets(carla, 200)).items.length;
    const created = await postEmail(eml('new-ticket.eml').replace('new-ticket-0001', uniq('m')));
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('created');
    const t = (await getTicket(created.body.ticketId))!;
    expect(t).toMatchObject({
      source: 'email',
      categoryId: 'technical-support-l1', // by the To address
      subject: 'No data on my SIM since this morning – urgent',
      requester: { email: carla, name: 'Carla Customer' },
      fields: { msisdn: '+49 151 12345678', device: 'Pixel 8' },
      links: [{ kind: 'account', ref: 'acct-1002' }],
    });
    expect(t.description).toMatch(/screenshot\.png \(image\/png/);
    expect((await listRequesterTickets(carla, 200)).items.length).toBe(before + 1);

    // The agent answers; the requester's email reply carries [#number] in its subject.
    const answer = await callAs(ops, {
      routeKey: 'POST /tickets/{id}/comments',
      params: { id: t.id },
      body: { body: 'Could you restart your phone once?' },
    });
    expect(answer.status).toBe(201);
    const reply = eml('reply.eml', { NUMBER: String(t.number) }).replace(`reply-${t.number}`, uniq('r'));
    const threaded = await postEmail(reply);
    expect(threaded.status).toBe(200);
    expect(threaded.body).toMatchObject({ status: 'commented', ticketId: t.id, number: t.number });
    const again = await postEmail(reply);
    expect(again.body.status).toBe('duplicate');
    const comments = (await listComments(t.id, 50)).items;
    expect(comments.map((c) => [c.author.type, c.body])).toEqual([
      ['agent', 'Could you restart your phone once?'],
      ['requester', 'I restarted the phone twice, still no data.'],
    ]);
    expect(comments[1]!.source).toBe('email');
  });

  it('a reply from someone who is not the requester is refused and adds nothing', async () => {
    const t = await openTicket('x', 'general-support');
    const forged = eml('reply.eml', { NUMBER: String(t.number) })
      .replace('carla@customer.example', 'requester@nocturne.local')
      .replace(`reply-${t.number}`, uniq('f'));
    const r = await postEmail(forged);
    expect(r.status).toBe(403);
    expect(r.body.detail).toMatch(/not the ticket's requester/);
    expect((await listComments(t.id, 50)).items).toEqual([]);
  });

  it.each([
    ['an unknown sender', () => eml('unknown-sender.eml'), 422, /not a known requester/],
    ['a malformed message', () => readFileSync(path.join(FIXTURES, 'malformed.eml')), 400, /not a parsable/],
    ['an automatic reply', () => eml('auto-reply.eml'), 422, /automatic reply/],
    [
      'an oversized message',
      () => `From: carla@customer.example\nSubject: big\nMessage-ID: <big@x>\n\n${'x'.repeat(5 * 1024 * 1024 + 10)}`,
      413,
      /larger than the inbound limit/,
    ],
  ])('rejects %s with a reason and no partial ticket', async (_name, raw, status, detail) => {
    const before = (await listRequesterTickets(carla, 200)).items.length;
    const r = await postEmail(raw() as string);
    expect(r.status).toBe(status);
    expect(r.body.detail).toMatch(detail);
    expect(r.body.detail).toMatch(/Nothing was stored/);
    expect((await listRequesterTickets(carla, 200)).items.length).toBe(before);
  });

  it('only admins (the mail transport) may post messages', async () => {
    expect((await postEmail(eml('new-ticket.eml'), agent)).status).toBe(403);
  });

  it('takes the SES receipt event: reads the stored message from the bucket, checks its size first', async () => {
    process.env.INBOUND_EMAIL_BUCKET = 'nocturne-inbound';
    const objects: Record<string, Buffer> = {
      'ses-1': Buffer.from(eml('new-ticket.eml').replace('new-ticket-0001', uniq('ses'))),
      'ses-big': Buffer.alloc(10),
    };
    const reads: string[] = [];
    setMailSource({
      size: async (_b, key) => (key === 'ses-big' ? 50 * 1024 * 1024 : objects[key]!.length),
      read: async (_b, key) => (reads.push(key), objects[key]!),
    });
    const ses = (messageId: string, spam = 'PASS'): SESEvent =>
      ({
        Records: [
          {
            eventSource: 'aws:ses',
            eventVersion: '1.0',
            ses: {
              mail: {
                messageId,
                source: carla,
                timestamp: now,
                destination: ['tech@nocturne.local'],
                headersTruncated: false,
                headers: [],
                commonHeaders: {},
              },
              receipt: {
                recipients: ['tech@nocturne.local'],
                spamVerdict: { status: spam },
                virusVerdict: { status: 'PASS' },
                action: { type: 'Lambda' },
              },
            },
          },
        ],
      }) as never;
    const r = (await inbound(ses('ses-1') as never, lambdaContext)) as { results: Array<Record<string, unknown>> };
    expect(r.results[0]).toMatchObject({ status: 'created' });
    const big = (await inbound(ses('ses-big') as never, lambdaContext)) as { results: Array<Record<string, unknown>> };
    expect(big.results[0]).toMatchObject({ status: 'rejected', reason: 'oversized' });
    const spam = (await inbound(ses('ses-1', 'FAIL') as never, lambdaContext)) as {
      results: Array<Record<string, unknown>>;
    };
    expect(spam.results[0]).toMatchObject({ status: 'rejected', reason: 'spam' });
    expect(reads).toEqual(['ses-1', 'ses-1']);
  });
});

describe('tickets from incidents', () => {
  const incidentEvent = (example: typeof openedExample | typeof resolvedExample, id: string, severity = 'P1') =>
    envelope(example === openedExample ? 'Incident Opened' : 'Incident Resolved', 'nocturne.incidents', {
      ...example,
      incident: { ...example.incident, id, severity },
    });

  it('opens one follow-up ticket per incident, linked both ways, and notes the resolution on it', async () => {
    const id = uniq('INC');
    expect(await incidents(incidentEvent(openedExample, id))).toMatch(/opened ticket/);
    expect(await incidents(incidentEvent(openedExample, id))).toBe('follow-up already exists'); // redelivery
    const linked = await ticketsOfIncident(id);
    expect(linked).toHaveLength(1);
    const t = (await getTicket(linked[0]!))!;
    expect(t).toMatchObject({
      source: 'incident',
      categoryId: 'incident-follow-up',
      queueId: 'noc',
      priority: 'P1',
      fields: { incidentNumber: 42, severity: 'P1', serviceId: 'billing-db' },
      links: [{ kind: 'incident', ref: id }],
    });
    expect(t.subject).toBe('Follow-up: incident #42 billing-db: PostgresDown');

    await incidents(incidentEvent(resolvedExample, id));
    await incidents(incidentEvent(resolvedExample, id)); // redelivery: one note
    const notes = (await listComments(t.id, 50)).items;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ visibility: 'internal', source: 'system', author: { type: 'incident' } });
    expect(notes[0]!.body).toMatch(/Incident #42 .* was resolved at 2026-11-21T03:21:40Z: all 1 alerts resolved/);
    expect((await getTicket(t.id))!.firstResponseAt).toBeUndefined(); // a system note is no agent response
  });

  it('opens the follow-up of an incident raised to P1 after it opened, as one opened at P1 (once)', async () => {
    const id = uniq('INC');
    expect(await incidents(incidentEvent(openedExample, id, 'P4'))).toBe('no rule matches');
    const raised = envelope('Incident Severity Changed', 'nocturne.incidents', {
      ...severityChangedExample,
      incident: { ...severityChangedExample.incident, id, severity: 'P1' },
    });
    expect(await incidents(raised)).toMatch(/opened ticket/);
    expect(await incidents(raised)).toBe('follow-up already exists'); // redelivery
    const linked = await ticketsOfIncident(id);
    expect(linked).toHaveLength(1);
    expect(await getTicket(linked[0]!)).toMatchObject({
      source: 'incident',
      priority: 'P1',
      categoryId: 'incident-follow-up',
      links: [{ kind: 'incident', ref: id }],
    });
  });

  it('opens nothing when no rule matches, and links tickets agents link by hand', async () => {
    const id = uniq('INC');
    expect(await incidents(incidentEvent(openedExample, id, 'P4'))).toBe('no rule matches');
    expect(await ticketsOfIncident(id)).toEqual([]);
    const t = await openTicket('Customer impact', 'general-support');
    await callAs(ops, {
      routeKey: 'PATCH /tickets/{id}',
      params: { id: t.id },
      body: { version: t.version, addLinks: [{ kind: 'incident', ref: id }] },
    });
    expect(await ticketsOfIncident(id)).toEqual([t.id]);
    await incidents(incidentEvent(resolvedExample, id));
    expect((await listComments(t.id, 50)).items).toHaveLength(1);
  });
});

describe('workflow tasks', () => {
  const recorder = new RecordingTaskCallbacks();
  beforeAll(() => setTaskCallbacks(recorder));

  it('a Task invocation opens one ticket per token; resolving it sends task success with the outcome fields', async () => {
    const token = uniq('token');
    const input = {
      taskToken: token,
      subject: 'Activate SIM for acct-77',
      fields: { accountId: 'acct-77' },
      executionArn: 'arn:aws:states:us-east-1:1:execution:provision:abc',
      stateName: 'ManualActivation',
      outputFields: ['simIccid', 'approved'],
    };
    const first = (await workflowTasks(input as never, lambdaContext)) as { ticketId: string; created: boolean };
    const retry = (await workflowTasks(input as never, lambdaContext)) as { ticketId: string; created: boolean };
    expect(first.created).toBe(true);
    expect(retry).toEqual({ ...first, created: false });
    const t = (await getTicket(first.ticketId))!;
    expect(t).toMatchObject({
      source: 'workflow',
      categoryId: 'provisioning-task',
      workflow: { callback: 'pending' },
      links: [{ kind: 'execution', ref: input.executionArn }],
    });

    const read = await callAs(ops, { routeKey: 'GET /tickets/{id}', params: { id: t.id } });
    expect(JSON.stringify(read.body)).not.toContain(token);

    const resolved = await callAs(ops, {
      routeKey: 'PATCH /tickets/{id}',
      params: { id: t.id },
      body: {
        version: t.revision,
        fields: { simIccid: '8949020000001234567', approved: true },
        resolution: { code: 'done', note: 'activated' },
      },
    });
    expect(resolved.status).toBe(200);
    const after = (await getTicket(t.id))!;
    const statusEvent = eventsOf(t, after).find((e) => e['detail-type'] === 'Ticket Status Changed')!;
    expect(JSON.stringify(statusEvent)).not.toContain(token);
    expect(await callback(statusEvent as never)).toBe('success');
    expect(await callback(statusEvent as never)).toBe('already sent'); // redelivery
    const calls = recorder.calls.filter((c) => c.taskToken === token);
    expect(calls).toEqual([
      expect.objectContaining({
        kind: 'success',
        output: expect.objectContaining({
          ticketId: t.id,
          number: t.number,
          resolution: { code: 'done', note: 'activated' },
          fields: { simIccid: '8949020000001234567', approved: true },
        }),
      }),
    ]);
    expect((await getTicket(t.id))!.workflow).toMatchObject({ callback: 'sent', callbackKind: 'success' });
  });

  it('a rejected task ticket fails the task; the HTTP route opens task tickets too', async () => {
    const token = uniq('token');
    const r = await callAs(workflowTasks, {
      routeKey: 'POST /workflow-tasks',
      as: admin,
      body: { taskToken: token, subject: 'Approve port-in', categoryId: 'provisioning-task' },
    });
    expect(r.status).toBe(201);
    expect(
      (
        await callAs(workflowTasks, {
          routeKey: 'POST /workflow-tasks',
          as: agent,
          body: { taskToken: token, subject: 'x' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await callAs(workflowTasks, { routeKey: 'POST /workflow-tasks', as: admin, body: { subject: 'x' } })).status,
    ).toBe(422);
    const t = (await getTicket(r.body.id))!;
    await callAs(ops, {
      routeKey: 'PATCH /tickets/{id}',
      params: { id: t.id },
      body: { version: t.revision, resolution: { code: 'rejected', note: 'number not portable' } },
    });
    const after = (await getTicket(t.id))!;
    expect(await callback(eventsOf(t, after).find((e) => e['detail-type'] === 'Ticket Status Changed') as never)).toBe(
      'failure',
    );
    expect(recorder.calls.filter((c) => c.taskToken === token)).toEqual([
      expect.objectContaining({
        kind: 'failure',
        error: 'TicketRejected',
        cause: expect.stringContaining('number not portable'),
      }),
    ]);
  });
});

describe('notifications, SLA timers and escalation', () => {
  const handlers = { [SLA_TIMER_KIND]: runSlaTimer, [AUTOCLOSE_TIMER_KIND]: runAutoCloseTimer };

  it('warns at 80 %, breaches, escalates to the queue lead and raises the priority', async () => {
    const queueId = uniq('q');
    await putConfig(
      'queue',
      {
        id: queueId,
        name: 'Escalations',
        assignmentMode: 'manual',
        members: [{ id: 'ana', email: 'ana@nocturne.local', skills: [], available: true }],
        lead: { id: 'lea', name: 'Lea Lead', email: 'lea@nocturne.local' },
      },
      now,
    );
    const categoryId = uniq('c');
    await putConfig(
      'category',
      categorySchema.parse({
        id: categoryId,
        name: 'Escalating',
        defaultQueueId: queueId,
        slaPolicyId: 'src-fast',
        reopenWindowHours: 1,
      }),
      now,
    );
    const created = await callAs(ops, {
      routeKey: 'POST /tickets',
      body: {
        subject: 'Slow provisioning',
        categoryId,
        requester: { email: 'carla@customer.example' },
        watchers: ['boss@customer.example'],
      },
    });
    const t0 = (await getTicket(created.body.id))!;
    const start = Date.parse(t0.createdAt);
    const at = (minutes: number) => () => new Date(start + minutes * 60_000 + 1000);

    // The created event reaches the notifier (requester and queue) and the SLA timer upkeep.
    sent.length = 0;
    const [createdEvent] = eventsOf(undefined, t0);
    expect(await notifier(createdEvent as never)).toEqual({ sent: 2, skipped: 0 });
    expect(await notifier(createdEvent as never)).toEqual({ sent: 0, skipped: 2 }); // redelivery
    expect(sent.map((n) => n.attributes?.recipient).sort()).toEqual(['ana@nocturne.local', 'carla@customer.example']);
    expect(JSON.parse(sent.find((n) => n.attributes?.recipient === 'carla@customer.example')!.message).email).toMatch(
      /We received your request/,
    );
    // One timer for the ticket, due at the first warning (not one per clock and stage).
    expect(await sla(createdEvent as never)).toEqual({ scheduled: 1, cancelled: 0 });
    expect(await timerOf(slaTimerId(t0.id))).toMatchObject({ dueAt: t0.sla!.firstResponse.warnAt });

    await sweepOnce(at(48), { handlers });
    const t1 = (await getTicket(t0.id))!;
    expect(t1.sla!.firstResponse.warnedAt).toBeDefined();
    expect(t1.lastChange.kinds).toEqual(['sla-warning']);

    await sweepOnce(at(60), { handlers });
    const t2 = (await getTicket(t0.id))!;
    expect(t2.sla!.firstResponse.breachedAt).toBeDefined();
    expect(t2.lastChange).toMatchObject({
      kinds: ['sla-breached'],
      clock: 'firstResponse',
      escalatedTo: { email: 'lea@nocturne.local' },
    });
    sent.length = 0;
    const breach = eventsOf(t1, t2).find((e) => e['detail-type'] === 'Ticket SLA Breached')!;
    await notifier(breach as never);
    const lead = sent.find((n) => n.attributes?.recipient === 'lea@nocturne.local');
    expect(lead?.subject).toMatch(/SLA BREACHED/);
    expect(JSON.parse(lead!.message).email).toMatch(/first response target missed \(escalated to Lea Lead\)/);
    expect(sent.some((n) => n.attributes?.recipient === 'carla@customer.example')).toBe(false); // requesters hear no SLA internals

    await sweepOnce(at(601), { handlers });
    const t3 = (await getTicket(t0.id))!;
    expect(t3.sla!.resolution.breachedAt).toBeDefined();
    expect(t3.priority).toBe('P2'); // the policy raises priority on a resolution breach
    expect((await sweepOnce(at(700), { handlers })).ran).toBe(0); // nothing left, nothing twice
    expect(await timerOf(slaTimerId(t0.id))).toBeUndefined();
  });

  it('runs a timer of one clock and stage scheduled before the one timer per ticket', async () => {
    const t = await openTicket('Old timer', 'technical-support-l1');
    const stored = (await getTicket(t.id))!;
    const legacyId = `ticket-sla#${t.id}#firstResponse#warn`;
    await scheduleTimer({
      id: legacyId,
      kind: SLA_TIMER_KIND,
      dueAt: stored.sla!.firstResponse.warnAt!,
      payload: { ticketId: t.id, clock: 'firstResponse', stage: 'warn' },
    });
    await sweepOnce(() => new Date(Date.parse(stored.sla!.firstResponse.warnAt!) + 1000), { handlers });
    const warned = (await getTicket(t.id))!;
    expect(warned.sla!.firstResponse.warnedAt).toBeDefined();
    expect(warned.lastChange.kinds).toEqual(['sla-warning']);
    expect(await timerOf(legacyId)).toBeUndefined();
  });

  it('a pause moves the deadline: a timer that fires early follows the new due time', async () => {
    const t = await openTicket('Waiting on customer', 'technical-support-l1');
    const stored = (await getTicket(t.id))!;
    await sla(eventsOf(undefined, stored)[0] as never);
    const paused = await callAs(ops, {
      routeKey: 'POST /tickets/{id}/comments',
      params: { id: t.id },
      body: { body: 'Which SIM?', status: 'pending' },
    });
    expect(paused.body.status).toBe('pending');
    // The upkeep has not seen the pause yet: the old timers fire and find nothing to do.
    const far = () => new Date(Date.parse(stored.createdAt) + 30 * 86400_000);
    await sweepOnce(far, { handlers });
    const after = (await getTicket(t.id))!;
    expect(after.sla!.resolution.breachedAt).toBeUndefined();
    expect(after.status).toBe('pending');
  });

  it('closes a resolved ticket by itself when its reopen window ends', async () => {
    const t = await openTicket('Done soon', 'general-support');
    await callAs(ops, {
      routeKey: 'PATCH /tickets/{id}',
      params: { id: t.id },
      body: { version: t.version, status: 'resolved' },
    });
    const resolved = (await getTicket(t.id))!;
    // The Status Changed event reaches the timer upkeep, which schedules the auto-close.
    expect(
      await sla(envelope('Ticket Status Changed', 'nocturne.tickets', { ticket: { id: t.id } }) as never),
    ).toMatchObject({ scheduled: 1 });
    const windowEnd = Date.parse(resolved.resolvedAt!) + 168 * 3600_000;
    await sweepOnce(() => new Date(windowEnd - 60_000), { handlers });
    expect((await getTicket(t.id))!.status).toBe('resolved');
    await sweepOnce(() => new Date(windowEnd + 1000), { handlers });
    const closed = (await getTicket(t.id))!;
    expect(closed).toMatchObject({ status: 'closed', lastChange: { actor: { id: 'auto-close' }, kinds: ['status'] } });
  });

  it('tells the assignee, the requester and the watchers what the category says, never the author', async () => {
    const t = await openTicket('Roaming', 'general-support', { watchers: ['boss@customer.example'] });
    const before = (await getTicket(t.id))!;
    // The assignee answers publicly: the requester and the watcher hear of it, the assignee (the author) does not.
    await callAs(ops, {
      routeKey: 'POST /tickets/{id}/comments',
      as: { ...agent, sub: before.assignee!.id, email: before.assignee!.email! },
      params: { id: t.id },
      body: { body: 'Roaming is now enabled.' },
    });
    const answered = (await getTicket(t.id))!;
    sent.length = 0;
    for (const e of eventsOf(before, answered)) await notifier(e as never);
    expect(sent.map((n) => n.attributes?.recipient).sort()).toEqual([
      'boss@customer.example',
      'carla@customer.example',
    ]);
    expect(JSON.parse(sent[0]!.message).email).toMatch(/Roaming is now enabled\./);
    // An internal note: nobody hears of it.
    await callAs(ops, {
      routeKey: 'POST /tickets/{id}/comments',
      params: { id: t.id },
      body: { body: 'internal only', visibility: 'internal' },
    });
    const noted = (await getTicket(t.id))!;
    sent.length = 0;
    for (const e of eventsOf(answered, noted)) await notifier(e as never);
    expect(sent).toEqual([]);
    const history = await callAs(ops, { routeKey: 'GET /tickets/{id}/history', as: viewer, params: { id: t.id } });
    expect(history.body.items).toHaveLength(3);
  });
});

describe('ticket report', () => {
  it('counts created, resolved, backlog with its age, SLA attainment and time per group, as JSON and CSV', async () => {
    const categoryId = uniq('rep');
    await putConfig(
      'category',
      categorySchema.parse({
        id: categoryId,
        name: 'Report',
        defaultQueueId: 'support-l2',
        slaPolicyId: 'src-fast',
        reopenWindowHours: 1,
      }),
      now,
    );
    const from = new Date(Date.now() - 60_000).toISOString();
    const make = () =>
      callAs(ops, {
        routeKey: 'POST /tickets',
        body: { subject: 'r', categoryId, requester: { email: 'carla@customer.example' } },
      });
    const [a, b, c] = [(await make()).body, (await make()).body, (await make()).body];
    await callAs(ops, { routeKey: 'POST /tickets/{id}/comments', params: { id: a.id }, body: { body: 'on it' } });
    await callAs(ops, {
      routeKey: 'PATCH /tickets/{id}',
      params: { id: a.id },
      body: { version: 2, status: 'resolved' },
    });
    await callAs(ops, { routeKey: 'POST /tickets/{id}/time-entries', params: { id: b.id }, body: { minutes: 45 } });
    void c;
    const to = new Date(Date.now() + 60_000).toISOString();
    const r = await callAs(reports, {
      routeKey: 'GET /reports/tickets',
      as: viewer,
      query: { from, to, groupBy: 'category' },
    });
    expect(r.status).toBe(200);
    const row = r.body.rows.find((x: { group: string }) => x.group === categoryId);
    expect(row).toMatchObject({
      created: 3,
      resolved: 1,
      backlog: 2,
      firstResponseAttainmentPct: 100,
      resolutionAttainmentPct: 100,
      timeTrackedMinutes: 45,
    });
    expect(row.backlogMaxAgeHours).toBeGreaterThanOrEqual(0);

    const csv = await callAs(reports, {
      routeKey: 'GET /reports/tickets',
      as: viewer,
      query: { from, to, groupBy: 'category', format: 'csv' },
    });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe(
      'category,created,resolved,backlog,backlogAvgAgeHours,backlogMaxAgeHours,firstResponseAttainmentPct,resolutionAttainmentPct,timeTrackedMinutes',
    );
    expect(csv.body).toContain(`${categoryId},3,1,2,`);
    const accept = await callAs(reports, {
      routeKey: 'GET /reports/tickets',
      as: viewer,
      headers: { accept: 'text/csv' },
      query: { from, to },
    });
    expect(accept.headers['content-type']).toMatch(/text\/csv/);

    expect(
      (await callAs(reports, { routeKey: 'GET /reports/tickets', as: viewer, query: { groupBy: 'colour' } })).status,
    ).toBe(422);
    expect(
      (await callAs(reports, { routeKey: 'GET /reports/tickets', as: viewer, query: { from: to, to: from } })).status,
    ).toBe(422);
    expect(
      (await callAs(reports, { routeKey: 'GET /reports/tickets', as: requester('carla@customer.example') })).status,
    ).toBe(403);
  });
});

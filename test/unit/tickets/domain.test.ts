// Ticket rules, pure: custom fields, transitions, the event mapper, notifications, the report,
// email helpers; and the Step Functions adapter against a mocked SDK.
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { SfnTaskCallbacks, TaskTokenGoneError } from '../../../shared/adapters/stepfunctions';
import { ValidationError } from '../../../shared/domain/errors';
import type { Category, Queue } from '../../../shared/domain/tickets/config';
import { eligibleMembers, firstMatchingRule, roundRobinPick } from '../../../shared/domain/tickets/config';
import { cleanSubject, fieldLines, intentOf, isAutoReply, replyText } from '../../../shared/domain/tickets/email';
import { ticketEventsFor } from '../../../shared/store/outbox/ticket-events';
import {
  coerceFieldStrings,
  fieldDefinitionsSchema,
  validateFields,
  type FieldDefinition,
} from '../../../shared/domain/tickets/fields';
import { ticketMessages } from '../../../shared/domain/tickets/notifications';
import { buildReport, reportCsv } from '../../../shared/domain/tickets/reports';
import {
  commentOn,
  createTicket,
  logTime,
  recordSla,
  ticketNumberInSubject,
  ticketView,
  updateTicket,
  viewVersion,
  type CommandContext,
  type Ticket,
} from '../../../shared/domain/tickets/ticket';
import { ticketEventDetailSchema } from '../../../events/tickets';

const fields: FieldDefinition[] = [
  { key: 'msisdn', label: 'MSISDN', type: 'text', required: true, maxLength: 20, pattern: '^\\+?[0-9 ]+$' },
  { key: 'amount', label: 'Amount', type: 'number', required: false, integer: false, min: 0 },
  { key: 'plan', label: 'Plan', type: 'enum', required: false, options: ['prepaid', 'postpaid'] },
  { key: 'since', label: 'Since', type: 'date', required: false },
  { key: 'roaming', label: 'Roaming', type: 'boolean', required: false },
];
const category: Category = {
  id: 'support',
  name: 'Support',
  fields,
  defaultPriority: 'P3',
  defaultQueueId: 'l1',
  requiredSkills: [],
  reopenWindowHours: 24,
  notify: {},
  requesterVisible: true,
  emailAddresses: [],
};
const queue: Queue = {
  id: 'l1',
  name: 'L1',
  assignmentMode: 'round-robin',
  members: [
    { id: 'ana', email: 'ana@x.test', skills: ['mobile'], available: true },
    { id: 'ben', email: 'ben@x.test', skills: [], available: true },
    { id: 'cy', email: 'cy@x.test', skills: ['mobile'], available: false },
  ],
  lead: { id: 'lea', name: 'Lea', email: 'lea@x.test' },
};
const calendar = {
  id: 'c',
  name: 'c',
  timeZone: 'UTC',
  workingHours: { mon: [{ start: '00:00', end: '24:00' }], tue: [{ start: '00:00', end: '24:00' }] },
  holidays: [],
};
const policy = {
  id: 'p',
  name: 'p',
  calendarId: 'c',
  warnAtPercent: 80,
  targets: { P3: { firstResponseMinutes: 60, resolutionMinutes: 240 } },
  onBreach: { escalateToLead: true, raisePriority: true },
};
const agent = { type: 'agent' as const, id: 'ana', name: 'Ana', email: 'ana@x.test' };
const ctx = (iso = '2026-11-23T09:00:00Z', actor: CommandContext['actor'] = agent): CommandContext => ({
  now: new Date(iso),
  actor,
  category,
  queue,
  sla: { policy, calendar },
});
const newTicket = (): Ticket =>
  createTicket(
    {
      id: 'T1',
      number: 7,
      input: {
        subject: 'No data',
        description: '',
        categoryId: 'support',
        fields: { msisdn: '+49 151' },
        watchers: ['w@x.test'],
        links: [],
      },
      requester: { email: 'carla@c.test' },
      source: 'api',
    },
    ctx('2026-11-23T09:00:00Z', { type: 'requester', id: 'carla@c.test', email: 'carla@c.test' }),
  );

describe('custom fields', () => {
  it('builds a schema from the definitions: required, types, enum, date, pattern, unknown keys', () => {
    expect(
      validateFields(
        fields,
        { msisdn: '+49 151', amount: 9.5, plan: 'prepaid', since: '2026-11-01', roaming: true },
        'support',
      ),
    ).toBeTruthy();
    const err = (() => {
      try {
        validateFields(fields, { amount: -1, plan: 'gold', since: '1st of May', roaming: 'yes', extra: 1 }, 'support');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.issues.map((i) => i.field).sort()).toEqual([
      'fields.amount',
      'fields.extra',
      'fields.msisdn',
      'fields.plan',
      'fields.roaming',
      'fields.since',
    ]);
    expect(() => validateFields(fields, { msisdn: 'abc' }, 'support')).toThrow(ValidationError);
  });

  it('refuses duplicate keys and invalid patterns in definitions; coerces email strings', () => {
    const r = fieldDefinitionsSchema.safeParse([
      fields[0],
      fields[0],
      { key: 'x', label: 'X', type: 'text', pattern: '(' },
    ]);
    expect(r.success).toBe(false);
    expect(coerceFieldStrings(fields, { amount: '12.5', roaming: 'Yes', plan: ' prepaid ' })).toEqual({
      amount: 12.5,
      roaming: true,
      plan: 'prepaid',
    });
  });
});

describe('ticket commands', () => {
  it('opens new, assigns to open, pauses on pending, resolves, reopens within the window', () => {
    let t = newTicket();
    expect(t).toMatchObject({ status: 'new', revision: 1, priority: 'P3', queueId: 'l1' });
    t = updateTicket(t, { assignee: { id: 'ana' } }, ctx('2026-11-23T09:05:00Z'));
    expect(t).toMatchObject({ status: 'open', revision: 2, lastChange: { kinds: ['assigned', 'status'] } });
    t = updateTicket(t, { status: 'pending' }, ctx('2026-11-23T09:10:00Z'));
    expect(t.sla!.resolution.pausedSince).toBe('2026-11-23T09:10:00.000Z');
    t = commentOn(
      t,
      { id: 'c1', input: { body: 'done', visibility: 'public' }, source: 'api' },
      ctx('2026-11-23T10:10:00Z', { type: 'requester', id: 'carla@c.test', email: 'carla@c.test' }),
    ).ticket;
    expect(t.status).toBe('open');
    expect(t.sla!.resolution.pausedMs).toBe(3600_000);
    t = updateTicket(t, { resolution: { code: 'done' } }, ctx('2026-11-23T11:00:00Z'));
    expect(t).toMatchObject({ status: 'resolved', resolution: { code: 'done' } });
    expect(t.sla!.resolution.met).toBe(true);
    expect(() => updateTicket(t, { status: 'open' }, ctx('2026-11-25T11:00:01Z'))).toThrow(/can no longer be reopened/);
    const reopened = updateTicket(t, { status: 'open' }, ctx('2026-11-23T12:00:00Z'));
    expect(reopened).toMatchObject({ status: 'open', reopenCount: 1 });
    expect(reopened.resolution).toBeUndefined();
  });

  it('an agent’s first public comment is the first response; an internal note is not', () => {
    const t = newTicket();
    const noted = commentOn(
      t,
      { id: 'n', input: { body: 'x', visibility: 'internal' }, source: 'api' },
      ctx('2026-11-23T09:20:00Z'),
    ).ticket;
    expect(noted.firstResponseAt).toBeUndefined();
    const answered = commentOn(
      noted,
      { id: 'a', input: { body: 'y', visibility: 'public' }, source: 'api' },
      ctx('2026-11-23T09:30:00Z'),
    ).ticket;
    expect(answered).toMatchObject({ firstResponseAt: '2026-11-23T09:30:00.000Z', status: 'open', commentCount: 2 });
    expect(answered.sla!.firstResponse.met).toBe(true);
  });

  it('a breach escalates to the queue lead and raises the priority of the resolution clock', () => {
    const t = recordSla(
      newTicket(),
      'resolution',
      'breach',
      ctx('2026-11-23T13:00:00Z', { type: 'system', id: 'sla' }),
    );
    expect(t).toMatchObject({
      priority: 'P2',
      lastChange: { kinds: ['sla-breached', 'priority'], escalatedTo: { email: 'lea@x.test' }, clock: 'resolution' },
    });
  });

  it('round-robin picks among available members with the skills, in turn', () => {
    const eligible = eligibleMembers(queue, ['mobile']);
    expect(eligible.map((m) => m.id)).toEqual(['ana']);
    const all = eligibleMembers(queue, []);
    expect([1, 2, 3, 4].map((n) => roundRobinPick(all, n)!.id)).toEqual(['ana', 'ben', 'ana', 'ben']);
  });

  it('the requester view hides internals; the task token is never shown', () => {
    const t = { ...newTicket(), workflow: { taskToken: 'SECRET', callback: 'pending' as const } };
    expect(JSON.stringify(ticketView(t, { kind: 'agent', id: 'a' }))).not.toContain('SECRET');
    const v = ticketView(t, { kind: 'requester', id: 'r', email: 'carla@c.test' });
    expect(Object.keys(v)).not.toEqual(expect.arrayContaining(['sla']));
    expect(v.watchers).toBeUndefined();
  });

  it('the requester view reveals no internal comment in any field (count, version, updatedAt)', () => {
    const requester = { kind: 'requester' as const, id: 'r', email: 'carla@c.test' };
    const t = commentOn(
      newTicket(),
      { id: 'p', input: { body: 'on it', visibility: 'public' }, source: 'api' },
      ctx('2026-11-23T09:20:00Z'),
    ).ticket;
    const before = ticketView(t, requester);
    expect(before).toMatchObject({ commentCount: 1, updatedAt: '2026-11-23T09:20:00.000Z' });
    let noted = commentOn(
      t,
      { id: 'n', input: { body: 'customer is VIP', visibility: 'internal' }, source: 'api' },
      ctx('2026-11-23T09:40:00Z'),
    ).ticket;
    noted = logTime(noted, { id: 'e', input: { minutes: 5 } }, ctx('2026-11-23T09:45:00Z')).ticket;
    noted = updateTicket(noted, { watchers: ['lea@x.test'] }, ctx('2026-11-23T09:50:00Z'));
    expect(noted.commentCount).toBe(2);
    expect(ticketView(noted, { kind: 'agent', id: 'a' })).toMatchObject({ commentCount: 2, version: noted.revision });
    expect(ticketView(noted, requester)).toEqual(before);
    expect(viewVersion(noted, requester)).toBe(viewVersion(t, requester));
    // What the requester does see moves the requester's view on.
    const answered = commentOn(
      noted,
      { id: 'q', input: { body: 'fixed?', visibility: 'public' }, source: 'api' },
      ctx('2026-11-23T10:00:00Z'),
    ).ticket;
    expect(ticketView(answered, requester)).toMatchObject({
      commentCount: 2,
      updatedAt: '2026-11-23T10:00:00.000Z',
      version: (before.version as number) + 1,
    });
    const reprioritised = updateTicket(answered, { priority: 'P2' }, ctx('2026-11-23T10:05:00Z'));
    expect(ticketView(reprioritised, requester)).toMatchObject({
      priority: 'P2',
      version: (before.version as number) + 2,
    });
  });

  it('reads ticket numbers from subjects', () => {
    expect(ticketNumberInSubject('Re: [#1042] No data')).toBe(1042);
    expect(ticketNumberInSubject('About ticket #77 again')).toBe(77);
    expect(ticketNumberInSubject('No number here #12')).toBeUndefined();
  });
});

describe('events from committed changes', () => {
  it('one event per change kind, with a deterministic id and the contract’s shape; none for bookkeeping', () => {
    const t = newTicket();
    const created = ticketEventsFor(undefined, { type: 'Ticket', ...t });
    expect(created.map((e) => [e.detailType, e.detail.eventId])).toEqual([['Ticket Created', 'T1:1:created']]);
    expect(ticketEventDetailSchema.safeParse(created[0]!.detail).success).toBe(true);
    const next = updateTicket(t, { assignee: { id: 'ana' }, priority: 'P2' }, ctx('2026-11-23T09:05:00Z'));
    const events = ticketEventsFor({ type: 'Ticket', ...t }, { type: 'Ticket', ...next });
    expect(events.map((e) => e.detailType)).toEqual([
      'Ticket Priority Changed',
      'Ticket Assigned',
      'Ticket Status Changed',
    ]);
    expect(events.every((e) => e.detail.slaChanged === false)).toBe(true); // no P2 target: the clocks did not move
    const book = { ...next, workflow: { taskToken: 'x', callback: 'sent' as const } };
    expect(ticketEventsFor({ type: 'Ticket', ...next }, { type: 'Ticket', ...book })).toEqual([]);
    expect(JSON.stringify(ticketEventsFor(undefined, { type: 'Ticket', ...book }))).not.toContain('"x"');
    expect(ticketEventsFor(undefined, { type: 'Alert' })).toEqual([]);
  });
});

describe('notifications', () => {
  const detail = (t: Ticket) => ticketEventsFor(undefined, { type: 'Ticket', ...t })[0]!.detail as never;

  it('goes to the recipients the category names, once each, without the author', () => {
    const t = { ...newTicket(), assignee: { id: 'ana', email: 'ana@x.test' } };
    const msgs = ticketMessages('Ticket Created', detail(t), category, queue);
    expect(msgs.map((m) => [m.recipient, m.as, m.audience])).toEqual([
      ['ana@x.test', 'queue', 'agent'],
      ['ben@x.test', 'queue', 'agent'],
      ['cy@x.test', 'queue', 'agent'],
      ['carla@c.test', 'requester', 'requester'],
    ]);
    expect(msgs[3]!.subject).toMatch(/^\[#7\] No data — We received your request/);
    expect(msgs[3]!.body).not.toMatch(/SLA|Priority/);
    const custom = ticketMessages(
      'Ticket Created',
      detail(t),
      { notify: { created: ['watchers'] } },
      { ...queue, email: 'l1@x.test' },
    );
    expect(custom.map((m) => m.recipient)).toEqual(['w@x.test']);
  });

  it('internal comments notify nobody; SLA breaches reach the lead but never the requester', () => {
    const t = newTicket();
    const internal = commentOn(
      t,
      { id: 'n', input: { body: 'x', visibility: 'internal' }, source: 'api' },
      ctx(),
    ).ticket;
    const ev = ticketEventsFor({ type: 'Ticket', ...t }, { type: 'Ticket', ...internal }).find(
      (e) => e.detailType === 'Ticket Commented',
    )!;
    expect(ticketMessages('Ticket Commented', ev.detail as never, category, queue)).toEqual([]);
    const breached = recordSla(t, 'resolution', 'breach', ctx('2026-11-23T13:00:00Z', { type: 'system', id: 'sla' }));
    const b = ticketEventsFor({ type: 'Ticket', ...t }, { type: 'Ticket', ...breached }).find(
      (e) => e.detailType === 'Ticket SLA Breached',
    )!;
    const msgs = ticketMessages(
      'Ticket SLA Breached',
      b.detail as never,
      { notify: { slaBreached: ['requester', 'assignee'] } },
      queue,
    );
    expect(msgs.map((m) => m.recipient)).toEqual(['lea@x.test']);
    expect(msgs[0]!.body).toMatch(/SLA BREACHED: resolution target missed \(escalated to Lea\)/);
  });
});

describe('report', () => {
  it('groups, counts and computes attainment and backlog age; CSV escapes and neutralises formulas', () => {
    const g = { categoryId: 'support', queueId: 'l1', priority: 'P3' as const };
    const r = buildReport({
      from: new Date('2026-11-01T00:00:00Z'),
      to: new Date('2026-11-02T00:00:00Z'),
      groupBy: 'queue',
      created: [
        { ...g, createdAt: '2026-11-01T01:00:00Z', firstResponseMet: true },
        { ...g, createdAt: '2026-11-01T02:00:00Z', firstResponseMet: false },
        { ...g, queueId: undefined, createdAt: '2026-11-01T03:00:00Z' },
      ],
      resolved: [{ ...g, resolvedAt: '2026-11-01T05:00:00Z', resolutionMet: true }],
      backlog: [
        { ...g, createdAt: '2026-11-01T00:00:00Z' },
        { ...g, createdAt: '2026-11-01T12:00:00Z' },
      ],
      time: [
        { ...g, minutes: 30 },
        { ...g, minutes: 15 },
      ],
    });
    expect(r.rows).toEqual([
      {
        group: '(no queue)',
        created: 1,
        resolved: 0,
        backlog: 0,
        backlogAvgAgeHours: null,
        backlogMaxAgeHours: null,
        firstResponseAttainmentPct: null,
        resolutionAttainmentPct: null,
        timeTrackedMinutes: 0,
      },
      {
        group: 'l1',
        created: 2,
        resolved: 1,
        backlog: 2,
        backlogAvgAgeHours: 18,
        backlogMaxAgeHours: 24,
        firstResponseAttainmentPct: 50,
        resolutionAttainmentPct: 100,
        timeTrackedMinutes: 45,
      },
    ]);
    expect(r.total).toMatchObject({ created: 3, firstResponseAttainmentPct: 50 });
    const csv = reportCsv({ ...r, rows: [{ ...r.rows[1]!, group: '=HYPERLINK("x")' }] });
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"")",2,1,2,18,24,50,100,45`);
  });
});

describe('email helpers', () => {
  it('keeps only the new text of a reply', () => {
    expect(replyText('Still broken.\n\nOn Mon, 23 Nov 2026 at 09:40, Support <s@x> wrote:\n> old text')).toBe(
      'Still broken.',
    );
    expect(replyText('Thanks!\n-- \nCarla\n+49 151')).toBe('Thanks!');
    expect(replyText('> quoted first\nNew line')).toBe('New line');
  });

  it('reads field lines, intents, auto-replies and subjects', () => {
    expect(fieldLines('Hello\nMSISDN: +49 151\nplan: prepaid\nOther: x', fields)).toEqual({
      msisdn: '+49 151',
      plan: 'prepaid',
    });
    expect(intentOf({ subject: 'Re: [#12] x', to: [], headers: {}, attachments: [] })).toEqual({
      kind: 'comment',
      ticketNumber: 12,
    });
    expect(isAutoReply({ 'auto-submitted': 'auto-replied' })).toBe(true);
    expect(isAutoReply({ 'auto-submitted': 'no' })).toBe(false);
    expect(isAutoReply({ precedence: 'bulk' })).toBe(true);
    expect(cleanSubject('RE: Fwd: [#12] No data')).toBe('No data');
  });

  it('picks the first enabled incident rule that matches, in order', () => {
    const base = { enabled: true, categoryId: 'f', requesterEmail: 'o@x' };
    const rules = [
      { ...base, id: 'svc', name: 's', order: 20, match: { serviceIds: ['billing-db'] } },
      { ...base, id: 'p1', name: 'p', order: 10, match: { severities: ['P1' as const] } },
      { ...base, id: 'off', name: 'o', order: 1, enabled: false, match: {} },
    ];
    expect(firstMatchingRule(rules, { severity: 'P1', serviceId: 'billing-db' })?.id).toBe('p1');
    expect(firstMatchingRule(rules, { severity: 'P3', serviceId: 'billing-db' })?.id).toBe('svc');
    expect(firstMatchingRule(rules, { severity: 'P3' })).toBeUndefined();
  });
});

describe('Step Functions callbacks', () => {
  const sfn = mockClient(SFNClient);
  afterEach(() => sfn.reset());

  it('sends task success with the output and task failure with error and cause', async () => {
    sfn.on(SendTaskSuccessCommand).resolves({});
    sfn.on(SendTaskFailureCommand).resolves({});
    const c = new SfnTaskCallbacks(new SFNClient({ region: 'us-east-1' }));
    await c.success('tok', { ticketId: 'T1' });
    await c.failure('tok2', 'TicketRejected', 'x'.repeat(40000));
    expect(sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input).toEqual({
      taskToken: 'tok',
      output: '{"ticketId":"T1"}',
    });
    const failure = sfn.commandCalls(SendTaskFailureCommand)[0]!.args[0].input;
    expect(failure.error).toBe('TicketRejected');
    expect(failure.cause).toHaveLength(32768);
  });

  it('a token that no longer waits is TaskTokenGoneError; other failures propagate for a retry', async () => {
    const gone = Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' });
    sfn
      .on(SendTaskSuccessCommand)
      .rejectsOnce(gone)
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    const c = new SfnTaskCallbacks(new SFNClient({ region: 'us-east-1', maxAttempts: 1 }));
    await expect(c.success('tok', {})).rejects.toBeInstanceOf(TaskTokenGoneError);
    await expect(c.success('tok', {})).rejects.toThrow('slow down');
  });
});

// Operations of the ticket routes: tickets, configuration, reports, workflow tasks and
// inbound email.
import * as z from 'zod';
import { ticketSnapshotSchema } from '../../../events/tickets';
import { calendarObjectSchema } from '../../domain/tickets/business-time';
import { categorySchema, incidentRuleSchema, queueObjectSchema, requesterSchema } from '../../domain/tickets/config';
import {
  listTicketsQuerySchema,
  memberAvailabilitySchema,
  ticketPageQuerySchema,
  ticketReportQuerySchema,
  workflowTaskSchema,
} from '../../domain/tickets/requests';
import { slaPolicySchema } from '../../domain/tickets/sla';
import {
  addCommentSchema,
  addTimeEntrySchema,
  createTicketSchema,
  updateTicketSchema,
} from '../../domain/tickets/ticket';
import type { Role } from '../../http/auth';
import { noQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const actor = z.object({ type: z.string(), id: z.string(), name: z.string().optional(), email: z.string().optional() });
const ticket = ticketSnapshotSchema
  .omit({ workflowTask: true, revision: true })
  .extend({
    description: z.string(),
    createdBy: actor,
    reopenCount: z.number().int(),
    commentCount: z.number().int(),
    timeSpentMinutes: z.number().int(),
    workflow: z
      .object({
        executionArn: z.string().optional(),
        stateName: z.string().optional(),
        callback: z.string(),
        callbackAt: z.string().optional(),
      })
      .optional(),
    version: z.number().int().describe('Send it back (body "version" or If-Match) when changing the ticket.'),
  })
  .meta({ id: 'Ticket', description: 'Requesters see a reduced view: no SLA, watchers, links, queue or history.' });
const comment = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    visibility: z.enum(['public', 'internal']),
    body: z.string(),
    author: actor,
    createdAt: z.string(),
    source: z.string(),
  })
  .meta({ id: 'TicketComment' });
const timeEntry = z.object({
  id: z.string(),
  minutes: z.number().int(),
  note: z.string().optional(),
  agent: actor,
  workedOn: z.string(),
  createdAt: z.string(),
});
const history = z.object({
  revision: z.number().int(),
  at: z.string(),
  actor,
  kinds: z.array(z.string()),
  changes: z.record(z.string(), z.unknown()),
});
const reportRow = z.object({
  group: z.string(),
  created: z.number().int(),
  resolved: z.number().int(),
  backlog: z.number().int(),
  backlogAvgAgeHours: z.number().nullable(),
  backlogMaxAgeHours: z.number().nullable(),
  firstResponseAttainmentPct: z.number().nullable(),
  resolutionAttainmentPct: z.number().nullable(),
  timeTrackedMinutes: z.number().int(),
});
const versioned = <S extends z.ZodObject>(s: S, id: string) =>
  s.extend({ version: z.number().int(), updatedAt: z.string() }).meta({ id });
const putBody = <S extends z.ZodObject>(s: S, idKey: string) =>
  s.omit({ [idKey]: true } as never).extend({
    version: z.number().int().positive().optional().describe('Current version, to replace; omit to create.'),
  });

const T = 'Tickets';
const C = 'Ticket configuration';

// A PUT's body is the entry without its id (taken from the path): the handler validates it with the id
// from the path, so the errors name the entry's fields (input: 'handler').
const put = <const P extends string>(path: P, summary: string, schema: z.ZodObject, id: string, idKey = 'id') =>
  ({
    method: 'put',
    path,
    summary,
    tag: C,
    auth: 'jwt',
    role: 'admin',
    input: 'handler',
    body: putBody(schema, idKey),
    responses: {
      201: { description: 'Created', schema: versioned(schema, id) },
      200: { description: 'Replaced', schema: versioned(schema, id) },
      ...errors(400, 401, 403, 409, 422),
    },
  }) as const satisfies Operation;
const list = <const P extends string, const R extends Role = 'viewer'>(
  path: P,
  summary: string,
  schema: z.ZodObject,
  id: string,
  role?: R,
) =>
  ({
    method: 'get',
    path,
    summary,
    tag: C,
    auth: 'jwt',
    role: (role ?? 'viewer') as R,
    query: noQuerySchema,
    responses: {
      200: { description: 'All entries', schema: z.object({ items: z.array(versioned(schema, id)) }) },
      ...errors(401, 403),
    },
  }) as const satisfies Operation;

const categoryObject = categorySchema;
const queueObject = queueObjectSchema;
const calendarObject = calendarObjectSchema;

/** functions/ops-tickets */
export const ticketOperations = [
  {
    method: 'post',
    path: '/tickets',
    summary: 'Open a ticket (agents for a requester; requesters for themselves)',
    tag: T,
    auth: 'jwt',
    role: 'requester',
    body: createTicketSchema,
    responses: { 201: { description: 'Opened', schema: ticket }, ...errors(400, 401, 403, 422, 503) },
  },
  {
    method: 'get',
    path: '/tickets',
    summary: 'List tickets, newest first (requesters: their own)',
    tag: T,
    auth: 'jwt',
    role: 'requester',
    query: listTicketsQuerySchema,
    responses: { 200: { description: 'A page', schema: page(ticket) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/tickets/{id}',
    summary:
      'A ticket (by id or number) with its first comments; requesters see public comments of their own tickets only',
    tag: T,
    auth: 'jwt',
    role: 'requester',
    responses: {
      200: {
        description: 'The ticket',
        schema: ticket.extend({ comments: z.array(comment), commentsNextCursor: z.string().optional() }),
      },
      ...errors(401, 403, 404),
    },
  },
  {
    method: 'patch',
    path: '/tickets/{id}',
    summary:
      'Change a ticket at a version (status, priority, assignee, queue, fields, watchers, links); a stale version is a 409',
    tag: T,
    auth: 'jwt',
    role: 'responder',
    body: updateTicketSchema,
    responses: { 200: { description: 'Changed', schema: ticket }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'post',
    path: '/tickets/{id}/comments',
    summary:
      'Comment (agents: public or internal, optionally setting the status; requesters: public, reopens a pending or recently resolved ticket)',
    tag: T,
    auth: 'jwt',
    role: 'requester',
    body: addCommentSchema,
    responses: {
      201: { description: 'Commented', schema: ticket.extend({ commentId: z.string() }) },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/tickets/{id}/comments',
    summary: 'Comments, oldest first (requesters: public ones)',
    tag: T,
    auth: 'jwt',
    role: 'requester',
    query: ticketPageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(comment) }, ...errors(401, 403, 404, 422) },
  },
  {
    method: 'post',
    path: '/tickets/{id}/time-entries',
    summary: 'Log time spent on a ticket',
    tag: T,
    auth: 'jwt',
    role: 'responder',
    body: addTimeEntrySchema,
    responses: {
      201: { description: 'Logged', schema: ticket.extend({ timeEntryId: z.string() }) },
      ...errors(400, 401, 403, 404, 422),
    },
  },
  {
    method: 'get',
    path: '/tickets/{id}/time-entries',
    summary: 'Time logged on a ticket',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: {
      200: {
        description: 'Entries and their total',
        schema: z.object({ items: z.array(timeEntry), totalMinutes: z.number().int() }),
      },
      ...errors(401, 403, 404),
    },
  },
  {
    method: 'get',
    path: '/tickets/{id}/history',
    summary: 'Every change of a ticket, oldest first',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: ticketPageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(history) }, ...errors(401, 403, 404, 422) },
  },
] as const satisfies readonly Operation[];

/** functions/ticket-reports */
export const ticketReportOperations = [
  {
    method: 'get',
    path: '/reports/tickets',
    summary:
      'Created, resolved, backlog and age, SLA attainment and time tracked per group (CSV with format=csv or Accept: text/csv)',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: ticketReportQuerySchema,
    responses: {
      200: {
        description: 'The report',
        schema: z.object({
          from: z.string(),
          to: z.string(),
          groupBy: z.string(),
          rows: z.array(reportRow),
          total: reportRow,
        }),
      },
      ...errors(401, 403, 422),
    },
  },
] as const satisfies readonly Operation[];

/** functions/workflow-tasks */
export const workflowTaskOperations = [
  {
    method: 'post',
    path: '/workflow-tasks',
    summary:
      'Open a ticket for a workflow’s manual step; resolving it answers the task token (rejecting it fails the task)',
    tag: T,
    auth: 'jwt',
    role: 'admin',
    body: workflowTaskSchema,
    responses: {
      201: { description: 'Opened', schema: ticket },
      200: { description: 'This token already opened this ticket', schema: ticket },
      ...errors(400, 401, 403, 422),
    },
  },
] as const satisfies readonly Operation[];

/** functions/inbound-email */
export const inboundEmailOperations = [
  {
    method: 'post',
    path: '/inbound-email',
    summary:
      'Deliver a raw RFC 5322 message (.eml): opens a ticket, or comments when the subject carries [#number] and the sender is its requester',
    tag: T,
    auth: 'jwt',
    role: 'admin',
    input: 'handler',
    bodyDescription:
      'The raw message (Content-Type message/rfc822). In AWS, SES receipt rules deliver mail to the same function.',
    responses: {
      201: {
        description: 'Ticket opened',
        schema: z.object({
          status: z.literal('created'),
          ticketId: z.string(),
          number: z.number().int(),
          messageId: z.string(),
        }),
      },
      200: {
        description: 'Comment added, or the message was already handled',
        schema: z.object({
          status: z.enum(['commented', 'duplicate']),
          ticketId: z.string(),
          commentId: z.string().optional(),
          messageId: z.string(),
        }),
      },
      ...errors(400, 401, 403, 409, 413, 422),
    },
  },
] as const satisfies readonly Operation[];

/** functions/ticket-config */
export const ticketConfigOperations = [
  put(
    '/ticket-categories/{id}',
    'Create or replace a category (custom fields, defaults, SLA policy, notifications)',
    categoryObject,
    'TicketCategory',
  ),
  list(
    '/ticket-categories',
    'List categories (requesters: those they may use)',
    categoryObject,
    'TicketCategory',
    'requester',
  ),
  {
    method: 'get',
    path: '/ticket-categories/{id}',
    summary: 'Get a category',
    tag: C,
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: { description: 'The category', schema: versioned(categoryObject, 'TicketCategory') },
      ...errors(401, 403, 404),
    },
  },
  put(
    '/ticket-queues/{id}',
    'Create or replace a queue (members, skills, assignment mode, lead)',
    queueObject,
    'TicketQueue',
  ),
  list('/ticket-queues', 'List queues', queueObject, 'TicketQueue'),
  {
    method: 'get',
    path: '/ticket-queues/{id}',
    summary: 'Get a queue',
    tag: C,
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: { description: 'The queue', schema: versioned(queueObject, 'TicketQueue') },
      ...errors(401, 403, 404),
    },
  },
  {
    method: 'put',
    path: '/ticket-queues/{id}/members/{memberId}/availability',
    summary: 'Mark a member available or away (round-robin skips members who are away)',
    tag: C,
    auth: 'jwt',
    role: 'responder',
    body: memberAvailabilitySchema,
    responses: {
      200: { description: 'The queue', schema: versioned(queueObject, 'TicketQueue') },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  put(
    '/ticket-calendars/{id}',
    'Create or replace a business calendar (IANA time zone, working hours, holidays)',
    calendarObject,
    'TicketCalendar',
  ),
  list('/ticket-calendars', 'List business calendars', calendarObject, 'TicketCalendar'),
  put(
    '/ticket-sla-policies/{id}',
    'Create or replace an SLA policy (targets per priority in business minutes)',
    slaPolicySchema,
    'TicketSlaPolicy',
  ),
  list('/ticket-sla-policies', 'List SLA policies', slaPolicySchema, 'TicketSlaPolicy'),
  put(
    '/ticket-incident-rules/{id}',
    'Create or replace an incident follow-up rule',
    incidentRuleSchema,
    'TicketIncidentRule',
  ),
  list('/ticket-incident-rules', 'List incident follow-up rules', incidentRuleSchema, 'TicketIncidentRule'),
  {
    method: 'delete',
    path: '/ticket-incident-rules/{id}',
    summary: 'Delete an incident follow-up rule',
    tag: C,
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  },
  put(
    '/requesters/{id}',
    'Add or replace a requester or contact (by email; only known senders may open tickets by email)',
    requesterSchema,
    'Requester',
    'email',
  ),
  list('/requesters', 'The requester directory', requesterSchema, 'Requester', 'admin'),
] as const satisfies readonly Operation[];

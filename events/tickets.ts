// Ticket events (source `nocturne.tickets`), one per kind of change in each committed revision
// of a ticket. The detail carries a snapshot of the ticket (never its workflow task token nor
// its description), who acted, what changed, and for comments the comment itself.
import * as z from 'zod';
import { contractsOf, eventEnvelopeSchema } from './common';
import created from './examples/ticket-created.json';
import assigned from './examples/ticket-assigned.json';
import commented from './examples/ticket-commented.json';
import statusChanged from './examples/ticket-status-changed.json';
import priorityChanged from './examples/ticket-priority-changed.json';
import updated from './examples/ticket-updated.json';
import timeLogged from './examples/ticket-time-logged.json';
import slaWarning from './examples/ticket-sla-warning.json';
import slaBreached from './examples/ticket-sla-breached.json';

export const TICKET_EVENT_SOURCE = 'nocturne.tickets';

const clockSchema = z.object({
  targetMinutes: z.number(),
  startedAt: z.string(),
  pausedMs: z.number(),
  pausedSince: z.string().optional(),
  dueAt: z.string().optional(),
  warnAt: z.string().optional(),
  metAt: z.string().optional(),
  met: z.boolean().optional(),
  warnedAt: z.string().optional(),
  breachedAt: z.string().optional(),
});

const personSchema = z.object({ id: z.string(), name: z.string().optional(), email: z.string().optional() });

export const ticketActorSchema = z.object({
  type: z.enum(['agent', 'requester', 'system', 'email', 'workflow', 'incident']),
  id: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
});

export const ticketSnapshotSchema = z.object({
  id: z.string(),
  number: z.number().int().positive(),
  subject: z.string(),
  categoryId: z.string(),
  status: z.enum(['new', 'open', 'pending', 'resolved', 'closed']),
  priority: z.enum(['P1', 'P2', 'P3', 'P4']),
  queueId: z.string().optional(),
  assignee: personSchema.optional(),
  requester: z.object({ email: z.string(), name: z.string().optional() }),
  watchers: z.array(z.string()),
  source: z.enum(['api', 'email', 'incident', 'workflow']),
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  links: z.array(z.object({ kind: z.string(), ref: z.string(), title: z.string().optional() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  firstResponseAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  closedAt: z.string().optional(),
  resolution: z.object({ code: z.string(), note: z.string().optional() }).optional(),
  sla: z
    .object({
      policyId: z.string(),
      calendarId: z.string(),
      warnAtPercent: z.number(),
      firstResponse: clockSchema,
      resolution: clockSchema,
    })
    .optional(),
  /** The ticket is a workflow task (its token stays in the table). */
  workflowTask: z.boolean(),
  revision: z.number().int().positive(),
});
export type TicketSnapshot = z.infer<typeof ticketSnapshotSchema>;

export const ticketEventDetailSchema = eventEnvelopeSchema.extend({
  actor: ticketActorSchema,
  /** What changed in this revision: { status: { from, to } }, { assignee: { from, to } }... */
  change: z.record(z.string(), z.object({ from: z.unknown().optional(), to: z.unknown().optional() })),
  /** Whether this revision moved an SLA clock (consumers that keep SLA timers listen for it). */
  slaChanged: z.boolean(),
  /** True on the first of the events one revision produced: consumers that act once per revision filter on it. */
  primary: z.boolean(),
  ticket: ticketSnapshotSchema,
  comment: z
    .object({ id: z.string(), visibility: z.enum(['public', 'internal']), body: z.string(), author: ticketActorSchema })
    .optional(),
  clock: z.enum(['firstResponse', 'resolution']).optional(),
  escalatedTo: personSchema.extend({ email: z.string() }).optional(),
});
export type TicketEventDetail = z.infer<typeof ticketEventDetailSchema>;

/** The part of a ticket event a consumer that reads the committed ticket again needs: its id. */
export const ticketRefDetailSchema = z.object({ ticket: ticketSnapshotSchema.pick({ id: true }) });

export const TICKET_DETAIL_TYPES = {
  created: 'Ticket Created',
  assigned: 'Ticket Assigned',
  commented: 'Ticket Commented',
  status: 'Ticket Status Changed',
  priority: 'Ticket Priority Changed',
  updated: 'Ticket Updated',
  time: 'Ticket Time Logged',
  'sla-warning': 'Ticket SLA Warning',
  'sla-breached': 'Ticket SLA Breached',
} as const;

export const ticketEventContracts = contractsOf(TICKET_EVENT_SOURCE, ticketEventDetailSchema, [
  [TICKET_DETAIL_TYPES.created, created],
  [TICKET_DETAIL_TYPES.assigned, assigned],
  [TICKET_DETAIL_TYPES.commented, commented],
  [TICKET_DETAIL_TYPES.status, statusChanged],
  [TICKET_DETAIL_TYPES.priority, priorityChanged],
  [TICKET_DETAIL_TYPES.updated, updated],
  [TICKET_DETAIL_TYPES.time, timeLogged],
  [TICKET_DETAIL_TYPES['sla-warning'], slaWarning],
  [TICKET_DETAIL_TYPES['sla-breached'], slaBreached],
]);

// Tickets: the model, the request schemas, and the pure commands that change a ticket. Each
// command takes the current ticket and returns the next one with a `lastChange` (what changed,
// by whom, at which revision) and the history entry to store beside it; the store commits both
// with an optimistic lock on the revision, and the outbox turns `lastChange` into events.
import * as z from 'zod';
import { ConflictError, ValidationError } from '../errors';
import type { BusinessCalendar } from './business-time';
import type { Category, Queue, QueueMember } from './config';
import { validateFields, type FieldValues } from './fields';
import {
  meetFirstResponse,
  meetResolution,
  pauseSla,
  prioritySchema,
  raisePriority,
  reopenSla,
  resumeSla,
  retargetSla,
  startSla,
  type Priority,
  type SlaPolicy,
  type TicketSla,
} from './sla';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export const ticketStatusSchema = z.enum(TICKET_STATUSES);
export type TicketStatus = z.infer<typeof ticketStatusSchema>;
export const OPEN_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending'];

export const RESOLUTION_CODES = ['done', 'rejected', 'duplicate', 'wont-fix'] as const;
export const resolutionSchema = z.object({
  code: z.enum(RESOLUTION_CODES).default('done'),
  note: z.string().max(10000).optional(),
});
export type Resolution = z.infer<typeof resolutionSchema>;

export const LINK_KINDS = ['incident', 'execution', 'account', 'ticket', 'postmortem'] as const;
export const linkSchema = z.object({
  kind: z.enum(LINK_KINDS),
  ref: z.string().min(1).max(2048),
  title: z.string().max(500).optional(),
});
export type TicketLink = z.infer<typeof linkSchema>;

export type ActorType = 'agent' | 'requester' | 'system' | 'email' | 'workflow' | 'incident';
export interface Actor {
  type: ActorType;
  id: string;
  name?: string;
  email?: string;
}

export interface Assignee {
  id: string;
  name?: string;
  email?: string;
}

export const CHANGE_KINDS = [
  'created',
  'assigned',
  'commented',
  'status',
  'priority',
  'updated',
  'sla-warning',
  'sla-breached',
  'time',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface CommentSummary {
  id: string;
  visibility: 'public' | 'internal';
  body: string;
  author: Actor;
}

export interface TicketChange {
  revision: number;
  at: string;
  actor: Actor;
  kinds: ChangeKind[];
  /** Field-level changes: { status: { from, to } }. */
  changes: Record<string, { from?: unknown; to?: unknown }>;
  comment?: CommentSummary;
  /** For SLA changes: which clock. */
  clock?: 'firstResponse' | 'resolution';
  /** Set when an SLA breach escalated the ticket to its queue lead. */
  escalatedTo?: { id: string; name?: string; email: string };
}

export interface WorkflowTask {
  /** Never returned by the API and never put on the bus. */
  taskToken: string;
  executionArn?: string;
  stateName?: string;
  /** Field keys whose values make up the task output (default: every field). */
  outputFields?: string[];
  callback: 'pending' | 'sent' | 'expired';
  callbackAt?: string;
  callbackKind?: 'success' | 'failure';
}

export interface Ticket {
  id: string;
  number: number;
  subject: string;
  description: string;
  categoryId: string;
  fields: FieldValues;
  requester: { email: string; name?: string };
  priority: Priority;
  status: TicketStatus;
  queueId?: string;
  assignee?: Assignee;
  watchers: string[];
  links: TicketLink[];
  source: 'api' | 'email' | 'incident' | 'workflow';
  sla?: TicketSla;
  resolution?: Resolution;
  workflow?: WorkflowTask;
  createdAt: string;
  createdBy: Actor;
  updatedAt: string;
  firstResponseAt?: string;
  resolvedAt?: string;
  closedAt?: string;
  reopenCount: number;
  commentCount: number;
  timeSpentMinutes: number;
  revision: number;
  lastChange: TicketChange;
  /**
   * What the requester can see of the ticket's activity: public comments only, and a revision and time
   * that move only when a field of the requester's view changes (an internal comment or a time entry
   * leaves them alone). Absent on tickets written before it existed.
   */
  requesterActivity?: RequesterActivity;
}

export interface RequesterActivity {
  revision: number;
  updatedAt: string;
  commentCount: number;
}

export interface Comment {
  id: string;
  ticketId: string;
  visibility: 'public' | 'internal';
  body: string;
  author: Actor;
  createdAt: string;
  source: 'api' | 'email' | 'system';
  emailMessageId?: string;
  revision: number;
}

export interface TimeEntry {
  id: string;
  ticketId: string;
  minutes: number;
  note?: string;
  agent: Actor;
  /** The day the work was done (defaults to the day it was logged). */
  workedOn: string;
  createdAt: string;
}

export interface HistoryEntry extends TicketChange {
  ticketId: string;
}

// ---- request schemas ----

const emailSchema = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
const assigneeSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(200).optional(),
  email: emailSchema.optional(),
});

export const createTicketSchema = z.object({
  subject: z.string().trim().min(1).max(300),
  description: z
    .string()
    .max(64 * 1024)
    .default(''),
  categoryId: z.string().min(1).max(64),
  fields: z.record(z.string(), z.unknown()).default({}),
  /** Agents open tickets on behalf of a requester; a requester's own email is used otherwise. */
  requester: z.object({ email: emailSchema, name: z.string().max(200).optional() }).optional(),
  priority: prioritySchema.optional(),
  queueId: z.string().min(1).max(64).optional(),
  assignee: assigneeSchema.optional(),
  watchers: z.array(emailSchema).max(50).default([]),
  links: z.array(linkSchema).max(50).default([]),
});
export type CreateTicketInput = z.infer<typeof createTicketSchema>;

export const updateTicketSchema = z
  .object({
    /** The revision the change is based on (optimistic lock); or send If-Match. */
    version: z.number().int().positive().optional(),
    subject: z.string().trim().min(1).max(300).optional(),
    description: z
      .string()
      .max(64 * 1024)
      .optional(),
    categoryId: z.string().min(1).max(64).optional(),
    fields: z.record(z.string(), z.unknown()).optional(),
    priority: prioritySchema.optional(),
    status: ticketStatusSchema.optional(),
    resolution: resolutionSchema.optional(),
    queueId: z.string().min(1).max(64).nullable().optional(),
    assignee: assigneeSchema.nullable().optional(),
    watchers: z.array(emailSchema).max(50).optional(),
    addLinks: z.array(linkSchema).max(50).optional(),
    removeLinks: z
      .array(linkSchema.pick({ kind: true, ref: true }))
      .max(50)
      .optional(),
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'version'), { message: 'nothing to change' });
export type UpdateTicketInput = z.infer<typeof updateTicketSchema>;

export const addCommentSchema = z.object({
  body: z
    .string()
    .trim()
    .min(1)
    .max(32 * 1024),
  visibility: z.enum(['public', 'internal']).default('public'),
  /** Agents may move the ticket in the same step (e.g. reply and set pending). */
  status: ticketStatusSchema.optional(),
});
export type AddCommentInput = z.infer<typeof addCommentSchema>;

export const addTimeEntrySchema = z.object({
  minutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  note: z.string().max(2000).optional(),
  workedOn: z.iso.date().optional(),
});
export type AddTimeEntryInput = z.infer<typeof addTimeEntrySchema>;

// ---- the rules ----

/** What an SLA computation needs; absent when the category has no policy. */
export interface SlaContext {
  policy: SlaPolicy;
  calendar: BusinessCalendar;
}

export interface CommandContext {
  now: Date;
  actor: Actor;
  category: Category;
  queue?: Queue;
  sla?: SlaContext;
}

const ALLOWED: Record<TicketStatus, TicketStatus[]> = {
  new: ['open', 'pending', 'resolved'],
  open: ['pending', 'resolved'],
  pending: ['open', 'resolved'],
  resolved: ['open', 'closed'],
  closed: [],
};

export function canReopen(t: Ticket, category: Category, now: Date): boolean {
  if (t.status !== 'resolved' || !t.resolvedAt) return false;
  return now.getTime() <= Date.parse(t.resolvedAt) + category.reopenWindowHours * 3600_000;
}

function assertTransition(t: Ticket, to: TicketStatus, ctx: CommandContext): void {
  if (t.status === to) return;
  if (!ALLOWED[t.status].includes(to))
    throw new ConflictError(`Ticket ${t.number} is ${t.status}; it cannot become ${to}.`);
  if (t.status === 'resolved' && to === 'open' && !canReopen(t, ctx.category, ctx.now))
    throw new ConflictError(
      `Ticket ${t.number} was resolved more than ${ctx.category.reopenWindowHours} h ago; it can no longer be reopened. Open a new ticket that links to it.`,
    );
}

function assertMember(queue: Queue | undefined, assignee: Assignee): void {
  if (queue && queue.members.length && !queue.members.some((m) => m.id === assignee.id))
    throw new ValidationError('The assignee is not a member of the queue.', [
      { field: 'assignee.id', message: `${assignee.id} is not a member of queue ${queue.id}` },
    ]);
}

export function memberAsAssignee(m: QueueMember): Assignee {
  return { id: m.id, name: m.name, email: m.email };
}

/** The ticket with a new status, its SLA clocks paused, resumed, stopped or restarted to match. */
function withStatus(t: Ticket, to: TicketStatus, ctx: CommandContext, resolution?: Resolution): Ticket {
  if (t.status === to) return t;
  const at = ctx.now.toISOString();
  const cal = ctx.sla?.calendar;
  let sla = t.sla;
  const next: Ticket = { ...t, status: to };
  if (to === 'pending' && sla) sla = pauseSla(sla, ctx.now);
  if (t.status === 'pending' && (to === 'open' || to === 'new') && sla && cal) sla = resumeSla(cal, sla, ctx.now);
  if (to === 'resolved') {
    if (sla && cal) sla = meetResolution(cal, sla, ctx.now);
    next.resolvedAt = at;
    next.resolution = resolution ?? { code: 'done' };
    next.firstResponseAt ??= at;
  }
  if (t.status === 'resolved' && to === 'open') {
    if (sla && cal) sla = reopenSla(cal, sla, ctx.now);
    next.reopenCount = t.reopenCount + 1;
    delete next.resolvedAt;
    delete next.resolution;
  }
  if (to === 'closed') next.closedAt = at;
  next.sla = sla;
  return next;
}

function change(
  before: Ticket,
  t: Ticket,
  ctx: CommandContext,
  kinds: ChangeKind[],
  changes: TicketChange['changes'],
  extra: Partial<TicketChange> = {},
): Ticket {
  const revision = t.revision + 1;
  const at = ctx.now.toISOString();
  const shown = requesterActivityOf(before);
  const next = t.requesterActivity ?? shown;
  // The requester's revision moves only when something the requester sees moved.
  const seen =
    next.commentCount !== shown.commentCount ||
    JSON.stringify(requesterFields(t)) !== JSON.stringify(requesterFields(before));
  return {
    ...t,
    revision,
    updatedAt: at,
    lastChange: { revision, at, actor: ctx.actor, kinds, changes, ...extra },
    requesterActivity: seen ? { revision: shown.revision + 1, updatedAt: at, commentCount: next.commentCount } : shown,
  };
}

/** Tickets stored before `requesterActivity` existed: the best that can be said of them. */
function requesterActivityOf(t: Ticket): RequesterActivity {
  return t.requesterActivity ?? { revision: t.revision, updatedAt: t.updatedAt, commentCount: t.commentCount };
}

export interface NewTicket {
  id: string;
  number: number;
  input: CreateTicketInput;
  requester: { email: string; name?: string };
  source: Ticket['source'];
  /** Picked by round-robin when the queue assigns automatically. */
  autoAssignee?: Assignee;
  workflow?: WorkflowTask;
}

export function createTicket(n: NewTicket, ctx: CommandContext): Ticket {
  const { input, category } = { input: n.input, category: ctx.category };
  const fields = validateFields(category.fields, input.fields, category.id);
  const priority = input.priority ?? category.defaultPriority;
  const assignee = input.assignee ?? n.autoAssignee;
  if (assignee && input.assignee) assertMember(ctx.queue, assignee);
  const at = ctx.now.toISOString();
  const sla = ctx.sla ? startSla(ctx.sla.policy, ctx.sla.calendar, priority, ctx.now) : undefined;
  const links = dedupeLinks(input.links);
  const t: Ticket = {
    id: n.id,
    number: n.number,
    subject: input.subject,
    description: input.description,
    categoryId: category.id,
    fields,
    requester: n.requester,
    priority,
    status: assignee ? 'open' : 'new',
    queueId: input.queueId ?? category.defaultQueueId,
    assignee,
    watchers: [...new Set(input.watchers)],
    links,
    source: n.source,
    sla,
    workflow: n.workflow,
    createdAt: at,
    createdBy: ctx.actor,
    updatedAt: at,
    reopenCount: 0,
    commentCount: 0,
    timeSpentMinutes: 0,
    revision: 1,
    lastChange: {
      revision: 1,
      at,
      actor: ctx.actor,
      kinds: assignee ? ['created', 'assigned'] : ['created'],
      changes: {},
    },
    requesterActivity: { revision: 1, updatedAt: at, commentCount: 0 },
  };
  return t;
}

function dedupeLinks(links: TicketLink[]): TicketLink[] {
  const seen = new Map<string, TicketLink>();
  for (const l of links) seen.set(`${l.kind}#${l.ref}`, l);
  return [...seen.values()];
}

/** Apply an agent's PATCH. Category changes need the new category in ctx (fields are re-validated). */
export function updateTicket(t: Ticket, p: UpdateTicketInput, ctx: CommandContext): Ticket {
  if (t.status === 'closed')
    throw new ConflictError(`Ticket ${t.number} is closed; open a new ticket that links to it.`);
  const kinds = new Set<ChangeKind>();
  const changes: TicketChange['changes'] = {};
  let next: Ticket = { ...t };
  const set = <K extends keyof Ticket>(key: K, value: Ticket[K], kind: ChangeKind) => {
    if (JSON.stringify(t[key]) === JSON.stringify(value)) return;
    changes[key] = { from: t[key], to: value };
    next = { ...next, [key]: value };
    kinds.add(kind);
  };
  if (p.subject !== undefined) set('subject', p.subject, 'updated');
  if (p.description !== undefined) set('description', p.description, 'updated');
  if (p.categoryId !== undefined && p.categoryId !== t.categoryId) set('categoryId', ctx.category.id, 'updated');
  if (p.fields !== undefined || p.categoryId !== undefined) {
    const merged = p.fields !== undefined ? { ...t.fields, ...p.fields } : t.fields;
    // A null value removes a field.
    const cleaned = Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== null));
    set('fields', validateFields(ctx.category.fields, cleaned, ctx.category.id), 'updated');
  }
  if (p.watchers !== undefined) set('watchers', [...new Set(p.watchers)], 'updated');
  if (p.queueId !== undefined) set('queueId', p.queueId ?? undefined, 'updated');
  if (p.assignee !== undefined) {
    if (p.assignee) assertMember(ctx.queue, p.assignee);
    set('assignee', p.assignee ?? undefined, 'assigned');
  }
  if (p.addLinks || p.removeLinks) {
    const removed = new Set((p.removeLinks ?? []).map((l) => `${l.kind}#${l.ref}`));
    set(
      'links',
      dedupeLinks([...t.links.filter((l) => !removed.has(`${l.kind}#${l.ref}`)), ...(p.addLinks ?? [])]),
      'updated',
    );
  }
  if (p.priority !== undefined && p.priority !== t.priority) {
    set('priority', p.priority, 'priority');
    if (next.sla && ctx.sla) next.sla = retargetSla(ctx.sla.policy, ctx.sla.calendar, next.sla, p.priority);
  }
  let status = p.status;
  // Assigning a new ticket starts work on it.
  if (status === undefined && kinds.has('assigned') && next.assignee && t.status === 'new') status = 'open';
  if (p.resolution && status === undefined && t.status !== 'resolved') status = 'resolved';
  if (status !== undefined && status !== t.status) {
    assertTransition(t, status, ctx);
    const before = next.status;
    next = withStatus(next, status, ctx, p.resolution);
    changes.status = { from: before, to: status };
    kinds.add('status');
  }
  if (kinds.size === 0) return t;
  return change(t, next, ctx, [...kinds], changes);
}

export interface NewComment {
  id: string;
  input: AddCommentInput;
  source: Comment['source'];
  emailMessageId?: string;
}

/** Add a comment. A requester's comment on a pending or recently resolved ticket opens it again. */
export function commentOn(t: Ticket, n: NewComment, ctx: CommandContext): { ticket: Ticket; comment: Comment } {
  if (t.status === 'closed')
    throw new ConflictError(`Ticket ${t.number} is closed; open a new ticket that links to it.`);
  const byAgent = ctx.actor.type === 'agent' || ctx.actor.type === 'system' || ctx.actor.type === 'incident';
  const visibility = byAgent ? n.input.visibility : 'public';
  if (!byAgent && n.input.status !== undefined)
    throw new ValidationError('Requesters cannot set the status.', [
      { field: 'status', message: 'only agents may set it' },
    ]);
  let next: Ticket = { ...t, commentCount: t.commentCount + 1 };
  if (visibility === 'public') {
    const shown = requesterActivityOf(t);
    next.requesterActivity = { ...shown, commentCount: shown.commentCount + 1 };
  }
  const kinds: ChangeKind[] = ['commented'];
  const changes: TicketChange['changes'] = {};
  if (byAgent && visibility === 'public' && ctx.actor.type === 'agent' && !t.firstResponseAt) {
    next.firstResponseAt = ctx.now.toISOString();
    if (next.sla && ctx.sla) next.sla = meetFirstResponse(ctx.sla.calendar, next.sla, ctx.now);
  }
  let to = n.input.status;
  if (to === undefined) {
    if (!byAgent && (t.status === 'pending' || t.status === 'resolved')) to = 'open';
    if (byAgent && ctx.actor.type === 'agent' && visibility === 'public' && t.status === 'new') to = 'open';
  }
  if (to !== undefined && to !== t.status) {
    assertTransition(t, to, ctx);
    next = withStatus(next, to, ctx);
    changes.status = { from: t.status, to };
    kinds.push('status');
  }
  const comment: Comment = {
    id: n.id,
    ticketId: t.id,
    visibility,
    body: n.input.body,
    author: ctx.actor,
    createdAt: ctx.now.toISOString(),
    source: n.source,
    emailMessageId: n.emailMessageId,
    revision: t.revision + 1,
  };
  const summary: CommentSummary = { id: comment.id, visibility, body: comment.body.slice(0, 8000), author: ctx.actor };
  return { ticket: change(t, next, ctx, kinds, changes, { comment: summary }), comment };
}

export function logTime(
  t: Ticket,
  entry: { id: string; input: AddTimeEntryInput },
  ctx: CommandContext,
): { ticket: Ticket; entry: TimeEntry } {
  const e: TimeEntry = {
    id: entry.id,
    ticketId: t.id,
    minutes: entry.input.minutes,
    note: entry.input.note,
    agent: ctx.actor,
    workedOn: entry.input.workedOn ?? ctx.now.toISOString().slice(0, 10),
    createdAt: ctx.now.toISOString(),
  };
  const next = { ...t, timeSpentMinutes: t.timeSpentMinutes + e.minutes };
  return {
    ticket: change(t, next, ctx, ['time'], {
      timeSpentMinutes: { from: t.timeSpentMinutes, to: next.timeSpentMinutes },
    }),
    entry: e,
  };
}

/** An SLA timer fired on the committed ticket: record the warning or the breach (and escalate). */
export function recordSla(
  t: Ticket,
  clock: 'firstResponse' | 'resolution',
  stage: 'warn' | 'breach',
  ctx: CommandContext,
): Ticket {
  if (!t.sla) return t;
  const at = ctx.now.toISOString();
  const c = t.sla[clock];
  let next: Ticket = {
    ...t,
    sla: {
      ...t.sla,
      [clock]: stage === 'warn' ? { ...c, warnedAt: at } : { ...c, breachedAt: at, warnedAt: c.warnedAt ?? at },
    },
  };
  const changes: TicketChange['changes'] = {};
  const extra: Partial<TicketChange> = { clock };
  if (stage === 'breach') {
    const onBreach = ctx.sla?.policy.onBreach;
    if (onBreach?.escalateToLead && ctx.queue?.lead) extra.escalatedTo = ctx.queue.lead;
    if (onBreach?.raisePriority && clock === 'resolution' && t.priority !== 'P1') {
      const to = raisePriority(t.priority);
      changes.priority = { from: t.priority, to };
      next = { ...next, priority: to };
      if (next.sla && ctx.sla) next.sla = retargetSla(ctx.sla.policy, ctx.sla.calendar, next.sla, to);
    }
  }
  const kinds: ChangeKind[] = [stage === 'warn' ? 'sla-warning' : 'sla-breached'];
  if (changes.priority) kinds.push('priority');
  return change(t, next, ctx, kinds, changes, extra);
}

/** A workflow callback was sent (bookkeeping: no revision, no event). */
export function markCallback(t: Ticket, kind: 'success' | 'failure' | 'expired', at: Date): Ticket {
  if (!t.workflow) return t;
  return {
    ...t,
    workflow: {
      ...t.workflow,
      callback: kind === 'expired' ? 'expired' : 'sent',
      callbackKind: kind === 'expired' ? undefined : kind,
      callbackAt: at.toISOString(),
    },
  };
}

// ---- who sees what ----

export interface Viewer {
  kind: 'agent' | 'viewer' | 'requester';
  email?: string;
  id: string;
}

export function isOwnTicket(t: Pick<Ticket, 'requester'>, v: Viewer): boolean {
  return v.kind !== 'requester' || (!!v.email && t.requester.email === v.email.toLowerCase());
}

/** The ticket as the API shows it: never the task token; requesters see less. */
export function ticketView(t: Ticket, v: Viewer): Record<string, unknown> {
  const { workflow, lastChange: _lc, requesterActivity: _ra, ...rest } = t;
  const base: Record<string, unknown> = {
    ...rest,
    ...(workflow
      ? {
          workflow: {
            executionArn: workflow.executionArn,
            stateName: workflow.stateName,
            callback: workflow.callback,
            callbackAt: workflow.callbackAt,
          },
        }
      : {}),
    version: t.revision,
  };
  if (v.kind !== 'requester') return base;
  const shown = requesterActivityOf(t);
  return {
    ...requesterFields(t),
    updatedAt: shown.updatedAt,
    commentCount: shown.commentCount,
    version: shown.revision,
  };
}

/** The version a viewer sees (and its ETag): a requester's moves only with what the requester sees. */
export function viewVersion(t: Ticket, v: Viewer): number {
  return v.kind === 'requester' ? requesterActivityOf(t).revision : t.revision;
}

/** The fields of a requester's view that come straight from the ticket (no activity counters). */
function requesterFields(t: Ticket): Record<string, unknown> {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    description: t.description,
    categoryId: t.categoryId,
    fields: t.fields,
    requester: t.requester,
    priority: t.priority,
    status: t.status,
    assignee: t.assignee ? { name: t.assignee.name ?? t.assignee.id } : undefined,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    resolvedAt: t.resolvedAt,
    closedAt: t.closedAt,
    resolution: t.resolution ? { code: t.resolution.code } : undefined,
  };
}

export function commentVisible(c: Pick<Comment, 'visibility'>, v: Viewer): boolean {
  return v.kind !== 'requester' || c.visibility === 'public';
}

/** "[#1234]" in a subject line: the ticket an email reply belongs to. */
export function ticketNumberInSubject(subject: string | undefined): number | undefined {
  const m = /\[#(\d{1,12})\]/.exec(subject ?? '') ?? /\bticket\s*#(\d{1,12})\b/i.exec(subject ?? '');
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export function subjectTag(number: number): string {
  return `[#${number}]`;
}

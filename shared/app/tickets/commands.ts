// Ticket commands with their configuration loaded: the one place that turns a request from any
// source (ops API, requester, email, incident, workflow task, SLA timer) into a committed change.
// Load category, queue, SLA policy and calendar; run the pure command; commit with the lock.
import { ulid } from 'ulid';
import { NotFoundError, ValidationError } from '../../domain/errors';
import { eligibleMembers, type Category, type Queue } from '../../domain/tickets/config';
import { validateFields } from '../../domain/tickets/fields';
import {
  commentOn,
  createTicket,
  logTime,
  markCallback,
  memberAsAssignee,
  recordSla,
  updateTicket,
  type Actor,
  type AddCommentInput,
  type AddTimeEntryInput,
  type CommandContext,
  type CreateTicketInput,
  type NewTicket,
  type SlaContext,
  type Ticket,
  type UpdateTicketInput,
  type WorkflowTask,
  OPEN_STATUSES,
} from '../../domain/tickets/ticket';
import { dueStage, type ClockName, type SlaStage } from '../../domain/tickets/sla';
import { getConfig, nextRoundRobinTurn } from '../../store/ticket-config';
import {
  allocateTicketNumber,
  DuplicateMessageError,
  insertTicket,
  mutateTicket,
  requireTicket,
  type InsertExtras,
} from '../../store/tickets';

async function categoryOrInvalid(id: string, field = 'categoryId'): Promise<Category> {
  const c = await getConfig('category', id);
  if (!c) throw new ValidationError('The category does not exist.', [{ field, message: `no ticket category ${id}` }]);
  return c;
}

async function queueOrInvalid(id: string | undefined, field = 'queueId'): Promise<Queue | undefined> {
  if (!id) return undefined;
  const q = await getConfig('queue', id);
  if (!q) throw new ValidationError('The queue does not exist.', [{ field, message: `no ticket queue ${id}` }]);
  return q;
}

/** The SLA policy and calendar of a category (undefined when it has none or they are missing). */
export async function slaContextOf(category: Category): Promise<SlaContext | undefined> {
  if (!category.slaPolicyId) return undefined;
  const policy = await getConfig('sla-policy', category.slaPolicyId);
  if (!policy) return undefined;
  const calendar = await getConfig('calendar', policy.calendarId);
  return calendar ? { policy, calendar } : undefined;
}

async function contextFor(
  categoryId: string,
  queueId: string | undefined,
  now: Date,
  actor: Actor,
): Promise<CommandContext> {
  const category = await categoryOrInvalid(categoryId);
  const [queue, sla] = await Promise.all([queueOrInvalid(queueId ?? category.defaultQueueId), slaContextOf(category)]);
  return { now, actor, category, queue, sla };
}

export interface OpenTicketRequest {
  input: CreateTicketInput;
  requester: { email: string; name?: string };
  source: Ticket['source'];
  actor: Actor;
  now: Date;
  workflow?: WorkflowTask;
  extras?: InsertExtras;
  /**
   * The request this ticket answers, when its sender may retry it (an HTTP Idempotency-Key scoped
   * to the caller): a retry takes the same round-robin turn. Defaults to the request's dedupe key,
   * email Message-ID or incident from `extras`.
   */
  turnKey?: string;
  /** Aborted when the HTTP request was answered at its deadline: take no round-robin turn then. */
  signal?: AbortSignal;
}

/** The key under which a request's round-robin turn is kept for its retries (undefined: none). */
function turnKeyOf(r: OpenTicketRequest): string | undefined {
  if (r.turnKey) return r.turnKey;
  const e = r.extras ?? {};
  if (e.dedupeKey) return `dedupe:${e.dedupeKey}`;
  if (e.emailMessageId) return `email:${e.emailMessageId}`;
  if (e.followUpOfIncident) return `incident:${e.followUpOfIncident}`;
  return undefined;
}

/** Open a ticket: validate, pick an assignee by round-robin when the queue says so, number it, store it. */
export async function openTicket(r: OpenTicketRequest): Promise<Ticket> {
  const ctx = await contextFor(r.input.categoryId, r.input.queueId, r.now, r.actor);
  // Validate before a number is spent on it.
  validateFields(ctx.category.fields, r.input.fields, ctx.category.id);
  let autoAssignee: Ticket['assignee'];
  if (!r.input.assignee && ctx.queue?.assignmentMode === 'round-robin') {
    const eligible = eligibleMembers(ctx.queue, ctx.category.requiredSkills);
    if (eligible.length) {
      // A request answered 503 at its deadline stops here: its retry takes the turn.
      r.signal?.throwIfAborted();
      const key = turnKeyOf(r);
      const turn = await nextRoundRobinTurn(ctx.queue.id, key ? { key, now: r.now } : undefined);
      autoAssignee = memberAsAssignee(eligible[(turn - 1) % eligible.length]!);
    }
  }
  const number = await allocateTicketNumber();
  const n: NewTicket = {
    id: ulid(),
    number,
    input: { ...r.input, queueId: ctx.queue?.id },
    requester: r.requester,
    source: r.source,
    autoAssignee,
    workflow: r.workflow,
  };
  const ticket = createTicket(n, ctx);
  return insertTicket(ticket, r.extras);
}

/** An agent's change at a known version: a stale version is a 409. */
export async function changeTicket(
  ref: string | Ticket,
  patch: UpdateTicketInput,
  actor: Actor,
  now: Date,
  expectedRevision: number,
): Promise<Ticket> {
  const r = await mutateTicket(
    typeof ref === 'string' ? ref : ref.id,
    async (t) => {
      const categoryId = patch.categoryId ?? t.categoryId;
      const queueId = patch.queueId === null ? undefined : (patch.queueId ?? t.queueId);
      const category = await categoryOrInvalid(categoryId);
      const [queue, sla] = await Promise.all([queueOrInvalid(queueId), slaContextOf(category)]);
      return { ticket: updateTicket(t, patch, { now, actor, category, queue, sla }) };
    },
    { expectedRevision, current: typeof ref === 'string' ? undefined : ref },
  );
  return r.after;
}

/** Command context of an existing ticket (category may have been removed: then a bare one). */
async function contextOfTicket(t: Ticket, now: Date, actor: Actor): Promise<CommandContext> {
  const category = (await getConfig('category', t.categoryId)) ?? {
    id: t.categoryId,
    name: t.categoryId,
    fields: [],
    defaultPriority: t.priority,
    requiredSkills: [],
    reopenWindowHours: 168,
    notify: {},
    requesterVisible: false,
    emailAddresses: [],
  };
  const [queue, sla] = await Promise.all([
    t.queueId ? getConfig('queue', t.queueId) : undefined,
    slaContextOf(category),
  ]);
  return { now, actor, category, queue, sla };
}

export interface CommentRequest {
  input: AddCommentInput;
  actor: Actor;
  now: Date;
  source: 'api' | 'email' | 'system';
  emailMessageId?: string;
  /** Deterministic id for retry-safe system comments. */
  commentId?: string;
}

export async function addComment(
  ref: string | Ticket,
  r: CommentRequest,
): Promise<{ ticket: Ticket; commentId: string }> {
  const commentId = r.commentId ?? ulid();
  const current = typeof ref === 'string' ? undefined : ref;
  const result = await mutateTicket(
    current?.id ?? (ref as string),
    async (t) => {
      const ctx = await contextOfTicket(t, r.now, r.actor);
      const { ticket, comment } = commentOn(
        t,
        { id: commentId, input: r.input, source: r.source, emailMessageId: r.emailMessageId },
        ctx,
      );
      return { ticket, extras: { comment, emailMessageId: r.emailMessageId } };
    },
    { current },
  );
  return { ticket: result.after, commentId };
}

export async function addTimeEntry(
  ref: string | Ticket,
  input: AddTimeEntryInput,
  actor: Actor,
  now: Date,
): Promise<{ ticket: Ticket; entryId: string }> {
  const id = ulid();
  const current = typeof ref === 'string' ? undefined : ref;
  const r = await mutateTicket(
    current?.id ?? (ref as string),
    async (t) => {
      const ctx = await contextOfTicket(t, now, actor);
      const { ticket, entry } = logTime(t, { id, input }, ctx);
      return { ticket, extras: { timeEntry: entry } };
    },
    { current },
  );
  return { ticket: r.after, entryId: id };
}

/**
 * A system resolves a ticket it opened, with a comment saying why, once: a ticket that is no longer
 * open (resolved, closed, or resolved by a person first) or gone is left alone, so a retried or
 * repeated call changes nothing. `commentId` makes two racing calls write one comment.
 */
export async function resolveBySystem(
  ticketId: string,
  r: { body: string; actor: Actor; now: Date; commentId: string },
): Promise<'resolved' | 'not-open' | 'missing'> {
  try {
    const m = await mutateTicket(ticketId, async (t) => {
      if (!OPEN_STATUSES.includes(t.status)) return undefined;
      const ctx = await contextOfTicket(t, r.now, r.actor);
      const { ticket, comment } = commentOn(
        t,
        { id: r.commentId, input: { body: r.body, visibility: 'public', status: 'resolved' }, source: 'system' },
        ctx,
      );
      return { ticket, extras: { comment } };
    });
    return m.changed ? 'resolved' : 'not-open';
  } catch (err) {
    if (err instanceof NotFoundError) return 'missing';
    if (err instanceof DuplicateMessageError) return 'not-open';
    throw err;
  }
}

const SYSTEM: Actor = { type: 'system', id: 'sla', name: 'SLA timer' };

/**
 * An SLA timer is due: judge it on the committed ticket and record the warning or breach
 * (idempotent: a recorded stage is not recorded again; a moved deadline is reported back).
 */
export async function fireSlaStage(
  ticketId: string,
  clock: ClockName,
  stage: SlaStage,
  now: Date,
): Promise<'recorded' | 'moot' | { notYet: string }> {
  let outcome: 'recorded' | 'moot' | { notYet: string } = 'moot';
  try {
    await mutateTicket(ticketId, async (t) => {
      const c = t.sla?.[clock];
      if (!c || t.status === 'closed' || t.status === 'resolved') {
        outcome = 'moot';
        return undefined;
      }
      const judged = dueStage(c, stage, now);
      if (judged === 'moot') {
        outcome = 'moot';
        return undefined;
      }
      if (judged === 'not-yet') {
        outcome = { notYet: (stage === 'warn' ? c.warnAt : c.dueAt)! };
        return undefined;
      }
      outcome = 'recorded';
      const ctx = await contextOfTicket(t, now, SYSTEM);
      return { ticket: recordSla(t, clock, stage, ctx) };
    });
  } catch (err) {
    if (err instanceof NotFoundError) return 'moot';
    throw err;
  }
  return outcome;
}

/** Close a resolved ticket once its reopen window has passed (auto-close timer). */
export async function autoClose(ticketId: string, now: Date): Promise<'closed' | 'moot' | { notYet: string }> {
  let outcome: 'closed' | 'moot' | { notYet: string } = 'moot';
  try {
    await mutateTicket(ticketId, async (t) => {
      if (t.status !== 'resolved' || !t.resolvedAt) return undefined;
      const ctx = await contextOfTicket(t, now, { type: 'system', id: 'auto-close', name: 'Auto-close' });
      const closeAt = Date.parse(t.resolvedAt) + ctx.category.reopenWindowHours * 3600_000;
      if (closeAt > now.getTime()) {
        outcome = { notYet: new Date(closeAt).toISOString() };
        return undefined;
      }
      outcome = 'closed';
      return { ticket: updateTicket(t, { status: 'closed' }, ctx) };
    });
  } catch (err) {
    if (err instanceof NotFoundError) return 'moot';
    throw err;
  }
  return outcome;
}

/** Record that the workflow callback went out (bookkeeping: no new revision, no event). */
export async function recordCallback(
  ticketId: string,
  kind: 'success' | 'failure' | 'expired',
  now: Date,
): Promise<void> {
  await mutateTicket(ticketId, (t) => {
    if (!t.workflow || t.workflow.callback !== 'pending') return undefined;
    return { ticket: markCallback(t, kind, now), extras: { bookkeeping: true } };
  });
}

export { requireTicket };

// Lambda entry for the tickets API (see infra/catalog.ts: "ops-tickets"): agents open, change,
// comment on and log time against tickets; requesters open their own tickets, read them and
// comment on them. Every change is optimistic-locked on the ticket's version.
import { ValidationError } from '../../shared/domain/errors';
import { commentVisible, ticketView, viewVersion, type Ticket } from '../../shared/domain/tickets/ticket';
import { ticketOperations } from '../../shared/api/operations/tickets';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { idempotencyKeyOf } from '../../shared/http/idempotency-key';
import { problem } from '../../shared/http/problem';
import { addComment, addTimeEntry, changeTicket, openTicket } from '../../shared/app/tickets/commands';
import { ensureConfig, getConfig } from '../../shared/store/ticket-config';
import {
  findTicket,
  listComments,
  listHistory,
  listRequesterTickets,
  listTickets,
  listTimeEntries,
  openTicketsOfQueue,
} from '../../shared/store/tickets';
import {
  callerOf,
  expectedVersion,
  inScopeOnly,
  requireAgent,
  requireLinksInScope,
  requireWriter,
  scopedOr404,
  type Caller,
} from './access';

const DEFAULT_WINDOW_DAYS = 30;
const MAX_WINDOW_DAYS = 366;

function withEtag(
  statusCode: number,
  t: Ticket,
  c: Caller,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return json(
    statusCode,
    { ...ticketView(t, c.viewer), ...extra },
    { etag: `"${viewVersion(t, c.viewer)}"`, ...headers },
  );
}

async function load(req: HttpRequest, c: Caller): Promise<Ticket> {
  const ref = req.params.id!;
  return scopedOr404(await findTicket(ref), ref, c);
}

export const handler = httpApi(ticketOperations, {
  'POST /tickets': async (req) => {
    const c = callerOf(req);
    requireWriter(c);
    let input = req.input.body;
    let requester = input.requester;
    if (c.viewer.kind === 'requester') {
      if (!c.viewer.email)
        throw problem(403, 'Your identity carries no email address; a requester needs one to own tickets.');
      const category = await getConfig('category', input.categoryId);
      if (category && !category.requesterVisible)
        throw new ValidationError('This category is for agents only.', [
          { field: 'categoryId', message: `requesters cannot open ${input.categoryId} tickets` },
        ]);
      // Requesters file for themselves; routing, priority and links are the agents' call.
      input = { ...input, priority: undefined, queueId: undefined, assignee: undefined, watchers: [], links: [] };
      requester = { email: c.viewer.email, name: c.principal.name };
    }
    if (!requester)
      throw new ValidationError('Say whom the ticket is for.', [
        { field: 'requester', message: 'required when an agent opens a ticket' },
      ]);
    // Known requesters get their customer account linked; new ones join the directory.
    const known = await getConfig('requester', requester.email);
    if (known?.accountId && !input.links.some((l) => l.kind === 'account'))
      input = { ...input, links: [...input.links, { kind: 'account', ref: known.accountId }] };
    await requireLinksInScope(input.links, c, 'links', true);
    if (!known)
      await ensureConfig(
        'requester',
        { email: requester.email, name: requester.name, blocked: false },
        req.now.toISOString(),
      );
    const idempotencyKey = idempotencyKeyOf(req.headers);
    const t = await openTicket({
      input,
      requester: { email: requester.email, name: requester.name ?? known?.name },
      source: 'api',
      actor: c.actor,
      now: req.now,
      // A retry with the same Idempotency-Key (same caller) takes the same round-robin turn.
      turnKey: idempotencyKey === undefined ? undefined : `http:${c.principal.id}:${idempotencyKey}`,
      signal: req.signal,
    });
    return withEtag(201, t, c, {}, { location: `/tickets/${t.id}` });
  },

  'GET /tickets': async (req) => {
    const c = callerOf(req);
    const q = req.input.query;
    if (c.viewer.kind === 'requester') {
      const page = await listRequesterTickets(c.viewer.email ?? '', q.limit, q.cursor);
      const mine = await inScopeOnly(page.items, c);
      const items = mine.filter((t) => !q.status || t.status === q.status).map((t) => ticketView(t, c.viewer));
      return json(200, { items, nextCursor: page.nextCursor });
    }
    if (q.open === 'true') {
      const page = await openTicketsOfQueue(q.queue, q.limit, q.cursor);
      const items = await inScopeOnly(page.items, c);
      return json(200, { items: items.map((t) => ticketView(t, c.viewer)), nextCursor: page.nextCursor });
    }
    const since = q.since ? new Date(q.since) : new Date(req.now.getTime() - DEFAULT_WINDOW_DAYS * 86400_000);
    if (req.now.getTime() - since.getTime() > MAX_WINDOW_DAYS * 86400_000)
      throw new ValidationError('The window is too long.', [
        { field: 'since', message: `at most ${MAX_WINDOW_DAYS} days before now` },
      ]);
    const page = await listTickets({
      since,
      until: req.now,
      status: q.status,
      queueId: q.queue,
      assigneeId: q.assignee,
      categoryId: q.category,
      priority: q.priority,
      limit: q.limit,
      cursor: q.cursor,
    });
    // A scoped caller gets only its realm's tickets; a page may then hold fewer than `limit`
    // (follow nextCursor until it is absent).
    const items = await inScopeOnly(page.items, c);
    return json(200, { items: items.map((t) => ticketView(t, c.viewer)), nextCursor: page.nextCursor });
  },

  'GET /tickets/{id}': async (req) => {
    const c = callerOf(req);
    const t = await load(req, c);
    const comments = await listComments(t.id, 100, undefined, c.viewer.kind === 'requester');
    return withEtag(200, t, c, {
      comments: comments.items.filter((x) => commentVisible(x, c.viewer)),
      commentsNextCursor: comments.nextCursor,
    });
  },

  'PATCH /tickets/{id}': async (req) => {
    const c = callerOf(req);
    const patch = req.input.body;
    const version = expectedVersion(req, patch.version);
    const t = await load(req, c);
    await requireLinksInScope(patch.addLinks ?? [], c, 'addLinks', false);
    const after = await changeTicket(t, patch, c.actor, req.now, version);
    return withEtag(200, after, c);
  },

  'POST /tickets/{id}/comments': async (req) => {
    const c = callerOf(req);
    requireWriter(c);
    const input = req.input.body;
    const t = await load(req, c);
    if (c.viewer.kind === 'requester' && input.visibility === 'internal')
      throw new ValidationError('Requesters cannot write internal comments.', [
        { field: 'visibility', message: 'must be public' },
      ]);
    const r = await addComment(t, { input, actor: c.actor, now: req.now, source: 'api' });
    return withEtag(201, r.ticket, c, { commentId: r.commentId }, { location: `/tickets/${t.id}/comments` });
  },

  'GET /tickets/{id}/comments': async (req) => {
    const c = callerOf(req);
    const q = req.input.query;
    const t = await load(req, c);
    const page = await listComments(t.id, q.limit, q.cursor, c.viewer.kind === 'requester');
    return json(200, { items: page.items.filter((x) => commentVisible(x, c.viewer)), nextCursor: page.nextCursor });
  },

  'POST /tickets/{id}/time-entries': async (req) => {
    const c = callerOf(req);
    requireAgent(c);
    const input = req.input.body;
    const t = await load(req, c);
    const r = await addTimeEntry(t, input, c.actor, req.now);
    return withEtag(201, r.ticket, c, { timeEntryId: r.entryId });
  },

  'GET /tickets/{id}/time-entries': async (req) => {
    const c = callerOf(req);
    const t = await load(req, c);
    const items = await listTimeEntries(t.id);
    return json(200, { items, totalMinutes: items.reduce((s, e) => s + e.minutes, 0) });
  },

  'GET /tickets/{id}/history': async (req) => {
    const c = callerOf(req);
    const q = req.input.query;
    const t = await load(req, c);
    return json(200, await listHistory(t.id, q.limit, q.cursor));
  },
});

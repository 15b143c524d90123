// Ticket items and what hangs off them: comments, time entries, history, the number pointer, the
// requester's list, report facts, incident links and the inbound-email marks. Every change of a
// ticket is one transaction: the ticket item (conditional on the revision it was read at: the
// optimistic lock), its history entry, and whatever the change adds. The ticket item's stream
// record is the outbox (functions/outbox/mappers.ts reads `lastChange`).
import { createHash } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import { OPEN_STATUSES, type Comment, type HistoryEntry, type Ticket, type TimeEntry } from '../domain/tickets/ticket';
import { cancellationCodes, documentClient, guard, isTransactionConflict, tableName } from './client';
import { dayOf, HOT_ITEM_STORAGE_ATTRIBUTES, ticketKeys } from './keys';
import { getItems, queryAll, queryPage } from './query';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

export const ENTITY_TICKET = 'Ticket';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** An inbound email (or another source) already handled: a retry or a duplicate. */
export class DuplicateMessageError extends Error {
  override readonly name = 'DuplicateMessageError';
  constructor(
    message: string,
    readonly ticketId?: string,
  ) {
    super(message);
  }
}

export function messageIdHash(messageId: string): string {
  return createHash('sha256').update(messageId.trim().toLowerCase()).digest('hex').slice(0, 40);
}

/**
 * The ticket item's index keys (decision 0093): on the keys-only gsi3 while it is open (its queue's
 * backlog) and on the keys-only gsi4 by the day it was created. They move only when the ticket
 * opens, closes or changes queue, so the other revisions (SLA stages, comments, most status
 * changes) write no index copy. Tickets stored before carry the same values on gsi1/gsi2 until
 * migration 0093 moves them (shared/store/migrations.ts).
 */
function ticketIndexKeys(t: Ticket): Item {
  const open = OPEN_STATUSES.includes(t.status);
  return {
    ...(open ? { gsi3pk: ticketKeys.openInQueue(t.queueId), gsi3sk: `${t.createdAt}#${t.id}` } : {}),
    gsi4pk: ticketKeys.byDay(dayOf(t.createdAt)),
    gsi4sk: `${t.createdAt}#${t.id}`,
  };
}

function ticketItem(t: Ticket): Item {
  return { ...ticketKeys.ticket(t.id), ...ticketIndexKeys(t), type: ENTITY_TICKET, ...t };
}

/** The attributes of a stored ticket part that are storage, not the entity (keys, index keys, type). */
const STORAGE_ATTRIBUTES = new Set(HOT_ITEM_STORAGE_ATTRIBUTES);

function strip<T>(item: Item): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !STORAGE_ATTRIBUTES.has(k))) as T;
}

export function toTicket(item: Item): Ticket {
  return strip<Ticket>(item);
}

function historyItem(t: Ticket): Item {
  return { ...ticketKeys.history(t.id, t.revision), type: 'TicketHistory', ticketId: t.id, ...t.lastChange };
}

function resolvedFact(t: Ticket): Item {
  return {
    ...ticketKeys.resolvedFact(dayOf(t.resolvedAt!), t.id),
    type: 'TicketResolvedFact',
    ticketId: t.id,
    number: t.number,
    categoryId: t.categoryId,
    queueId: t.queueId,
    assigneeId: t.assignee?.id,
    priority: t.priority,
    createdAt: t.createdAt,
    resolvedAt: t.resolvedAt,
    firstResponseMet: t.sla?.firstResponse.met,
    resolutionMet: t.sla?.resolution.met,
  };
}

export async function allocateTicketNumber(): Promise<number> {
  const r = await guard('allocate ticket number', () =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: ticketKeys.counter(),
        UpdateExpression: 'ADD #n :one SET #type = :type',
        ExpressionAttributeNames: { '#n': 'value', '#type': 'type' },
        ExpressionAttributeValues: { ':one': 1, ':type': 'Counter' },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  return Number(r.Attributes?.value);
}

export interface InsertExtras {
  /** Claim the incident's single follow-up slot (fails as a duplicate when taken). */
  followUpOfIncident?: string;
  /** Mark an inbound email as handled (fails as a duplicate when it was). */
  emailMessageId?: string;
  /** Any other request that must open at most one ticket (e.g. a workflow task token). */
  dedupeKey?: string;
}

function incidentLinkPuts(t: Ticket, incidentIds: string[]): TransactItem[] {
  return incidentIds.map((incidentId) => ({
    Put: {
      TableName: tableName(),
      Item: {
        ...ticketKeys.incidentLink(incidentId, t.id),
        type: 'IncidentTicketLink',
        incidentId,
        ticketId: t.id,
        ticketNumber: t.number,
        linkedAt: t.updatedAt,
      },
    },
  }));
}

function emailMark(t: Ticket, messageId: string, commentId?: string): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...ticketKeys.emailMessage(messageIdHash(messageId)),
        type: 'InboundEmail',
        messageId: messageId.slice(0, 1000),
        ticketId: t.id,
        commentId,
        at: t.updatedAt,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/** Store a new ticket with its number pointer, requester entry, first history entry and links. */
export async function insertTicket(t: Ticket, extras: InsertExtras = {}): Promise<Ticket> {
  const items: TransactItem[] = [
    { Put: { TableName: tableName(), Item: ticketItem(t), ConditionExpression: 'attribute_not_exists(pk)' } },
    {
      Put: {
        TableName: tableName(),
        Item: { ...ticketKeys.number(t.number), type: 'TicketNumber', ticketId: t.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...ticketKeys.requesterTicket(t.requester.email, t.createdAt, t.id),
          type: 'RequesterTicket',
          ticketId: t.id,
          number: t.number,
        },
      },
    },
    { Put: { TableName: tableName(), Item: historyItem(t) } },
    ...incidentLinkPuts(
      t,
      t.links.filter((l) => l.kind === 'incident').map((l) => l.ref),
    ),
  ];
  const markerAt: Record<string, number> = {};
  if (extras.followUpOfIncident) {
    markerAt.followUp = items.length;
    items.push({
      Put: {
        TableName: tableName(),
        Item: {
          ...ticketKeys.incidentFollowUp(extras.followUpOfIncident),
          type: 'IncidentFollowUp',
          incidentId: extras.followUpOfIncident,
          ticketId: t.id,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  if (extras.emailMessageId) {
    markerAt.email = items.length;
    items.push(emailMark(t, extras.emailMessageId));
  }
  if (extras.dedupeKey) {
    markerAt.dedupe = items.length;
    items.push({
      Put: {
        TableName: tableName(),
        Item: {
          ...ticketKeys.dedupe(messageIdHash(extras.dedupeKey)),
          type: 'TicketDedupe',
          ticketId: t.id,
          at: t.createdAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  try {
    await guard('insert ticket', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
  } catch (err) {
    if (isTransactionConflict(err)) {
      const codes = cancellationCodes(err);
      if (markerAt.followUp !== undefined && codes[markerAt.followUp] === 'ConditionalCheckFailed')
        throw new DuplicateMessageError(`Incident ${extras.followUpOfIncident} already has a follow-up ticket.`);
      if (markerAt.email !== undefined && codes[markerAt.email] === 'ConditionalCheckFailed')
        throw new DuplicateMessageError(`Email ${extras.emailMessageId} was already handled.`);
      if (markerAt.dedupe !== undefined && codes[markerAt.dedupe] === 'ConditionalCheckFailed')
        throw new DuplicateMessageError(
          'This request already opened a ticket.',
          await ticketByDedupeKey(extras.dedupeKey!),
        );
      if (codes.includes('ConditionalCheckFailed'))
        throw new ConflictError(`Ticket ${t.number} (${t.id}) already exists.`);
      throw new ConflictError('The ticket could not be stored because of a concurrent change; retry.');
    }
    throw err;
  }
  return t;
}

export async function getTicket(id: string, consistent = true): Promise<Ticket | undefined> {
  const r = await guard('get ticket', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: ticketKeys.ticket(id), ConsistentRead: consistent }),
    ),
  );
  return r.Item ? toTicket(r.Item) : undefined;
}

export async function ticketIdByNumber(n: number): Promise<string | undefined> {
  const r = await guard('find ticket by number', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.number(n) })),
  );
  return r.Item?.ticketId as string | undefined;
}

/** By id, or by number when the reference is all digits. */
export async function findTicket(ref: string): Promise<Ticket | undefined> {
  if (/^\d{1,12}$/.test(ref)) {
    const id = await ticketIdByNumber(Number(ref));
    return id ? getTicket(id) : undefined;
  }
  if (!/^[0-9A-Za-z-]{1,64}$/.test(ref)) return undefined;
  return getTicket(ref);
}

export async function requireTicket(ref: string): Promise<Ticket> {
  const t = await findTicket(ref);
  if (!t) throw new NotFoundError(`No ticket ${ref}.`);
  return t;
}

export interface ChangeExtras {
  comment?: Comment;
  timeEntry?: TimeEntry;
  emailMessageId?: string;
  /** Do not bump history (bookkeeping such as a workflow callback mark). */
  bookkeeping?: boolean;
}

/**
 * Commit `after` if the stored ticket is still at `before.revision`: the optimistic lock. A lost
 * race is a ConflictError (409).
 */
export async function commitTicketChange(before: Ticket, after: Ticket, extras: ChangeExtras = {}): Promise<Ticket> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName(),
        Item: ticketItem(after),
        ConditionExpression: 'revision = :rev',
        ExpressionAttributeValues: { ':rev': before.revision },
      },
    },
  ];
  if (!extras.bookkeeping) items.push({ Put: { TableName: tableName(), Item: historyItem(after) } });
  const commentAt = extras.comment ? items.length : -1;
  if (extras.comment) {
    items.push({
      Put: {
        TableName: tableName(),
        Item: { ...ticketKeys.comment(after.id, extras.comment.id), type: 'TicketComment', ...extras.comment },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  }
  if (extras.timeEntry) {
    const e = extras.timeEntry;
    items.push({
      Put: {
        TableName: tableName(),
        Item: {
          ...ticketKeys.timeEntry(after.id, e.id),
          gsi2pk: ticketKeys.timeByDay(e.workedOn),
          gsi2sk: `${e.createdAt}#${e.id}`,
          type: 'TicketTimeEntry',
          ...e,
          categoryId: after.categoryId,
          queueId: after.queueId,
          priority: after.priority,
          assigneeId: after.assignee?.id,
        },
      },
    });
  }
  if (after.status === 'resolved' && before.status !== 'resolved')
    items.push({ Put: { TableName: tableName(), Item: resolvedFact(after) } });
  if (before.status === 'resolved' && after.status !== 'resolved' && after.status !== 'closed' && before.resolvedAt)
    items.push({
      Delete: { TableName: tableName(), Key: ticketKeys.resolvedFact(dayOf(before.resolvedAt), before.id) },
    });
  const beforeIncidents = new Set(before.links.filter((l) => l.kind === 'incident').map((l) => l.ref));
  const afterIncidents = new Set(after.links.filter((l) => l.kind === 'incident').map((l) => l.ref));
  items.push(
    ...incidentLinkPuts(
      after,
      [...afterIncidents].filter((i) => !beforeIncidents.has(i)),
    ),
  );
  for (const gone of [...beforeIncidents].filter((i) => !afterIncidents.has(i)))
    items.push({ Delete: { TableName: tableName(), Key: ticketKeys.incidentLink(gone, after.id) } });
  const emailAt = extras.emailMessageId ? items.length : -1;
  if (extras.emailMessageId) items.push(emailMark(after, extras.emailMessageId, extras.comment?.id));
  try {
    await guard('change ticket', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
  } catch (err) {
    if (isTransactionConflict(err)) {
      const codes = cancellationCodes(err);
      if (emailAt >= 0 && codes[emailAt] === 'ConditionalCheckFailed')
        throw new DuplicateMessageError(`Email ${extras.emailMessageId} was already handled.`, after.id);
      if (commentAt >= 0 && codes[commentAt] === 'ConditionalCheckFailed' && codes[0] !== 'ConditionalCheckFailed')
        throw new DuplicateMessageError(`Comment ${extras.comment!.id} already exists.`, after.id);
      throw new ConflictError(
        `Ticket ${before.number} changed since version ${before.revision} (someone else updated it); reload it and apply your change again.`,
      );
    }
    throw err;
  }
  return after;
}

/**
 * Read, change, commit; on a lost race read again and re-apply (for changes that commute, such
 * as comments and system changes). With `expectedRevision` a different stored revision is a 409
 * at once: the caller's view is stale.
 */
export async function mutateTicket(
  ref: string,
  apply: (
    t: Ticket,
  ) =>
    | Promise<{ ticket: Ticket; extras?: ChangeExtras } | undefined>
    | { ticket: Ticket; extras?: ChangeExtras }
    | undefined,
  opts: {
    expectedRevision?: number;
    attempts?: number;
    /** The ticket as just read (saves the first read). */ current?: Ticket;
  } = {},
): Promise<{ before: Ticket; after: Ticket; changed: boolean }> {
  const attempts = opts.expectedRevision !== undefined ? 1 : (opts.attempts ?? 5);
  for (let i = 0; ; i++) {
    const before = i === 0 && opts.current ? opts.current : await requireTicket(ref);
    if (opts.expectedRevision !== undefined && before.revision !== opts.expectedRevision)
      throw new ConflictError(
        `Ticket ${before.number} is at version ${before.revision}, not ${opts.expectedRevision}; reload it and apply your change again.`,
      );
    const r = await apply(before);
    if (!r || r.ticket === before) return { before, after: before, changed: false };
    try {
      await commitTicketChange(before, r.ticket, r.extras);
      return { before, after: r.ticket, changed: true };
    } catch (err) {
      if (!(err instanceof ConflictError) || i + 1 >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * (i + 1)));
    }
  }
}

// ---- reads ----

export async function listComments(
  ticketId: string,
  limit: number,
  cursor?: string,
  publicOnly = false,
): Promise<Page<Comment>> {
  const r = await queryPage({
    what: 'list comments',
    pk: ticketKeys.ticket(ticketId).pk,
    skPrefix: 'COMMENT#',
    ...(publicOnly ? { filter: { expression: 'visibility = :pub', values: { ':pub': 'public' } } } : {}),
    limit,
    cursor,
  });
  return { items: r.items.map((i) => strip<Comment>(i)), nextCursor: r.nextCursor };
}

export async function listHistory(ticketId: string, limit: number, cursor?: string): Promise<Page<HistoryEntry>> {
  const r = await queryPage({
    what: 'list history',
    pk: ticketKeys.ticket(ticketId).pk,
    skPrefix: 'HISTORY#',
    limit,
    cursor,
  });
  return { items: r.items.map((i) => strip<HistoryEntry>(i)), nextCursor: r.nextCursor };
}

export async function listTimeEntries(ticketId: string): Promise<TimeEntry[]> {
  const items = await queryAll({
    what: 'list time entries',
    pk: ticketKeys.ticket(ticketId).pk,
    skPrefix: 'TIME#',
    max: 10_000,
  });
  return items.map((i) => strip<TimeEntry>(i));
}

/** The comment an email reply or a retried request already made, by id. */
export async function getComment(ticketId: string, commentId: string): Promise<Comment | undefined> {
  const r = await guard('get comment', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.comment(ticketId, commentId) })),
  );
  return r.Item ? strip<Comment>(r.Item) : undefined;
}

async function batchGetTickets(ids: string[]): Promise<Ticket[]> {
  const found = new Map<string, Ticket>();
  for (let i = 0; i < ids.length; i += 100) {
    let keys: Item[] | undefined = ids.slice(i, i + 100).map((id) => ticketKeys.ticket(id));
    for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
      const request = keys;
      const r = await guard('get tickets', () =>
        documentClient().send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request } } })),
      );
      for (const item of r.Responses?.[tableName()] ?? []) {
        const t = toTicket(item);
        found.set(t.id, t);
      }
      keys = r.UnprocessedKeys?.[tableName()]?.Keys as Item[] | undefined;
    }
  }
  return ids.map((id) => found.get(id)).filter((t): t is Ticket => !!t);
}

/** A requester's own tickets, newest first. */
export async function listRequesterTickets(email: string, limit: number, cursor?: string): Promise<Page<Ticket>> {
  const r = await queryPage({
    what: 'list requester tickets',
    pk: ticketKeys.requesterTickets(email.toLowerCase()),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: await batchGetTickets(r.items.map((i) => String(i.ticketId))), nextCursor: r.nextCursor };
}

export interface TicketFilter {
  status?: Ticket['status'];
  queueId?: string;
  assigneeId?: string;
  categoryId?: string;
  priority?: Ticket['priority'];
}

/** The list's equality filters, applied to the items read (a keys-only index has nothing to filter on). */
function matchesFilter(t: Ticket, f: TicketFilter): boolean {
  return (
    (!f.status || t.status === f.status) &&
    (!f.queueId || t.queueId === f.queueId) &&
    (!f.assigneeId || t.assignee?.id === f.assigneeId) &&
    (!f.categoryId || t.categoryId === f.categoryId) &&
    (!f.priority || t.priority === f.priority)
  );
}

/**
 * Tickets created since `since`, newest first, from the keys-only per-day index gsi4 (walking back
 * a day at a time): each query reads at most the entries the page still lacks, the items are read
 * by key and the filters applied to them, so a page holds what a filtered query of as many entries
 * would (the cursor is the last entry read).
 */
export async function listTickets(
  opts: TicketFilter & { since: Date; until: Date; limit: number; cursor?: string },
): Promise<Page<Ticket>> {
  const cur = decodeCursor<{ day?: string; key?: Item }>(opts.cursor);
  const items: Ticket[] = [];
  const sinceKey = opts.since.toISOString();
  let day = cur?.day ?? dayOf(opts.until.toISOString());
  let start = cur?.key;
  if (
    cur &&
    (typeof cur.day !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(cur.day) ||
      (cur.key !== undefined &&
        (cur.key === null ||
          typeof cur.key !== 'object' ||
          Array.isArray(cur.key) ||
          // A cursor of a page read on gsi2 (before decision 0093) is stale.
          typeof cur.key.gsi4pk !== 'string')))
  )
    throw invalidCursor();
  const firstDay = dayOf(sinceKey);
  while (day >= firstDay && items.length < opts.limit) {
    const r = await guard('list tickets', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :pk AND gsi4sk >= :since',
          ExpressionAttributeValues: { ':pk': ticketKeys.byDay(day), ':since': sinceKey },
          ScanIndexForward: false,
          Limit: opts.limit - items.length,
          ExclusiveStartKey: start,
        }),
      ),
    );
    const read = (await getItems('list tickets', r.Items ?? [])).map(toTicket);
    items.push(...read.filter((t) => matchesFilter(t, opts)));
    if (r.LastEvaluatedKey) {
      start = r.LastEvaluatedKey as Item;
      if (items.length >= opts.limit) return { items, nextCursor: encodeCursor({ day, key: start }) };
      continue;
    }
    start = undefined;
    day = new Date(Date.parse(`${day}T00:00:00Z`) - 86400_000).toISOString().slice(0, 10);
  }
  return { items, nextCursor: day >= firstDay && items.length >= opts.limit ? encodeCursor({ day }) : undefined };
}

/**
 * The items a query of the open index (gsi3, keys only) named, read by key, in its order; an item
 * that has left the partition since the index was read (resolved, moved to another queue) is left
 * out, as the index leaves it out once it catches up.
 */
async function openItems(pk: string, entries: Item[]): Promise<Item[]> {
  return (await getItems('list open tickets', entries)).filter((i) => i.gsi3pk === pk);
}

/** Open tickets (new, open, pending) of a queue ('-': no queue), oldest first. */
export async function openTicketsOfQueue(
  queueId: string | undefined,
  limit: number,
  cursor?: string,
): Promise<Page<Ticket>> {
  const pk = ticketKeys.openInQueue(queueId);
  // A cursor of a page read on gsi1 (before decision 0093) lacks gsi3pk: 400 invalid cursor.
  const r = await queryPage({ what: 'list open tickets', index: 'gsi3', pk, limit, cursor });
  return { items: (await openItems(pk, r.items)).map(toTicket), nextCursor: r.nextCursor };
}

export type TicketFacts = Pick<
  Ticket,
  'id' | 'categoryId' | 'queueId' | 'assignee' | 'priority' | 'createdAt' | 'status' | 'resolvedAt' | 'sla'
>;

const FACTS = ['id', 'categoryId', 'queueId', 'assignee', 'priority', 'createdAt', 'status'] as const;

/** Only the fields reports need (those the item has), as the index's projection read them before. */
function pick<K extends keyof Ticket>(item: Item, fields: readonly K[]): Pick<Ticket, K> {
  return Object.fromEntries(fields.filter((f) => item[f] !== undefined).map((f) => [f, item[f]])) as Pick<Ticket, K>;
}

/** Every open ticket of a queue, with only the fields reports need. */
export async function allOpenTickets(
  queueId: string | undefined,
): Promise<Array<Pick<Ticket, (typeof FACTS)[number]>>> {
  const pk = ticketKeys.openInQueue(queueId);
  const entries = await queryAll({ what: 'list open tickets', index: 'gsi3', pk, max: 1_000_000 });
  return (await openItems(pk, entries)).map((i) => pick(i, FACTS));
}

export async function ticketsCreatedOn(day: string): Promise<TicketFacts[]> {
  const entries = await queryAll({
    what: 'tickets created on a day',
    index: 'gsi4',
    pk: ticketKeys.byDay(day),
    max: 1_000_000,
  });
  return (await getItems('tickets created on a day', entries)).map((i) => pick(i, [...FACTS, 'resolvedAt', 'sla']));
}

export interface ResolvedFact {
  ticketId: string;
  number: number;
  categoryId: string;
  queueId?: string;
  assigneeId?: string;
  priority: Ticket['priority'];
  createdAt: string;
  resolvedAt: string;
  firstResponseMet?: boolean;
  resolutionMet?: boolean;
}

export async function resolvedOn(day: string): Promise<ResolvedFact[]> {
  const items = await queryAll({ what: 'tickets resolved on a day', pk: ticketKeys.resolvedDay(day), max: 1_000_000 });
  return items.map((i) => strip<ResolvedFact>(i));
}

export type TimeFact = TimeEntry & {
  categoryId: string;
  queueId?: string;
  priority: Ticket['priority'];
  assigneeId?: string;
};

export async function timeLoggedOn(day: string): Promise<TimeFact[]> {
  const items = await queryAll({
    what: 'time logged on a day',
    index: 'gsi2',
    pk: ticketKeys.timeByDay(day),
    max: 1_000_000,
  });
  return items.map((i) => strip<TimeFact>(i));
}

/** Ticket ids linked to an incident (the link items the incidents side reads too). */
export async function ticketsOfIncident(incidentId: string): Promise<string[]> {
  const items = await queryAll({
    what: 'tickets of incident',
    pk: ticketKeys.incidentLink(incidentId, '').pk,
    skPrefix: 'TICKET#',
    max: 10_000,
  });
  return items.map((i) => String(i.ticketId));
}

/** The ticket a deduplicated request opened, if any. */
export async function ticketByDedupeKey(key: string): Promise<string | undefined> {
  const r = await guard('get ticket dedupe mark', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.dedupe(messageIdHash(key)) })),
  );
  return r.Item?.ticketId as string | undefined;
}

/** The follow-up ticket opened for an incident, if any. */
export async function followUpOf(incidentId: string): Promise<string | undefined> {
  const r = await guard('get incident follow-up', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.incidentFollowUp(incidentId) })),
  );
  return r.Item?.ticketId as string | undefined;
}

/** Whether an inbound email was already handled (and into which ticket). */
export async function handledEmail(messageId: string): Promise<{ ticketId: string; commentId?: string } | undefined> {
  const r = await guard('get inbound email mark', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: ticketKeys.emailMessage(messageIdHash(messageId)) }),
    ),
  );
  return r.Item ? { ticketId: String(r.Item.ticketId), commentId: r.Item.commentId as string | undefined } : undefined;
}

/** Which of an event's recipients were already notified (one BatchGet). */
export async function notifiedRecipients(eventId: string, recipients: string[]): Promise<Set<string>> {
  const done = new Set<string>();
  for (let i = 0; i < recipients.length; i += 100) {
    let keys: Item[] | undefined = recipients.slice(i, i + 100).map((r) => ticketKeys.notified(eventId, r));
    for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
      const request = keys;
      const r = await guard('get notification marks', () =>
        documentClient().send(
          new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request, ProjectionExpression: 'sk' } } }),
        ),
      );
      for (const item of r.Responses?.[tableName()] ?? []) done.add(String(item.sk));
      keys = r.UnprocessedKeys?.[tableName()]?.Keys as Item[] | undefined;
    }
  }
  return done;
}

/** Mark an event's recipients as notified (after publishing; kept 14 days). */
export async function markNotified(eventId: string, recipients: string[], now: Date): Promise<void> {
  const expiresAt = Math.floor(now.getTime() / 1000) + 14 * 86400;
  for (let i = 0; i < recipients.length; i += 25) {
    let writes: Item[] | undefined = recipients.slice(i, i + 25).map((r) => ({
      PutRequest: {
        Item: { ...ticketKeys.notified(eventId, r), type: 'TicketNotification', at: now.toISOString(), expiresAt },
      },
    }));
    for (let attempt = 0; writes?.length && attempt < 5; attempt++) {
      const request = writes;
      const r = await guard('mark notifications', () =>
        documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: request as never } })),
      );
      writes = r.UnprocessedItems?.[tableName()] as Item[] | undefined;
    }
  }
}

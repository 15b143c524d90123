// Incident items, their timelines and alert links. Every change goes through mutateIncident:
// read, apply a pure change, write back conditionally on the revision together with timeline
// entries and any extra items, in one transaction, retrying on a lost race.
import { randomBytes } from 'node:crypto';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { AlertLink, Incident, Mutation as DomainMutation, TimelineEntry } from '../domain/incidents/model';
import type { TransactItem } from './client';
export type { Actor, AlertLink, Incident, LastChange, TimelineEntry } from '../domain/incidents/model';
/** An incident change with the items the store writes in the same transaction. */
export type Mutation = DomainMutation<TransactItem>;
import {
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  cancellationCodes,
  tableName,
} from './client';
import { dayOf, HOT_ITEM_STORAGE_ATTRIBUTES, incidentKeys, ticketKeys } from './keys';
import { listByDay } from './day-index';
import { getItems } from './query';
import type { Page } from './pagination';

// `transitions`: incidents written before the per-key items carried every key's changes inline.
const META = [...HOT_ITEM_STORAGE_ATTRIBUTES, 'transitions'];
const strip = <T>(item: Record<string, unknown>): T => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.includes(k)) out[k] = v;
  return out as T;
};

/** An incident as stored, without its keys and index attributes (what getIncident returns). */
export const incidentFromItem = (item: Record<string, unknown>): Incident => strip<Incident>(item);

function incidentItem(i: Incident): Record<string, unknown> {
  return {
    ...incidentKeys.incident(i.id),
    // Keys-only indexes (decision 0090): an incident's counters change per alert at no index cost.
    gsi3pk: incidentKeys.byService(i.serviceId),
    gsi3sk: `${i.openedAt}#${i.id}`,
    gsi4pk: incidentKeys.byDay(dayOf(i.openedAt)),
    gsi4sk: `${i.openedAt}#${i.id}`,
    type: 'Incident',
    ...i,
  };
}

const timelineSeq = () => randomBytes(4).toString('hex');

export function timelinePut(incidentId: string, e: TimelineEntry): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: { ...incidentKeys.timeline(incidentId, e.at, timelineSeq()), type: 'IncidentTimeline', incidentId, ...e },
    },
  };
}

/**
 * A join's or a resolution's timeline entry, carried by the alert's link item instead of an item
 * of its own (decision 0094): `seq` is the random part a `TL#<at>#<seq>` item would have had, so the
 * entry sorts among the others exactly as that item would.
 */
export type LinkedLine = TimelineEntry & { seq: string };
export const linkedLine = (e: TimelineEntry): LinkedLine => ({ ...e, seq: timelineSeq() });

/**
 * The incident's timeline from its partition's items, oldest first: its `TL#` items and the
 * lines its alert links carry (`line`, `resolvedLine`, decision 0094), in the order of the `TL#`
 * sort keys.
 */
function timelineOf(incidentId: string, items: Record<string, unknown>[]): TimelineEntry[] {
  // Stored entries carry their incident's id; a line from a link is given it, to read the same.
  const entries: Array<{ key: string; entry: TimelineEntry & { incidentId?: string } }> = [];
  for (const i of items) {
    const sk = String(i.sk);
    if (sk.startsWith(incidentKeys.timelinePrefix())) entries.push({ key: sk, entry: strip<TimelineEntry>(i) });
    else if (sk.startsWith(incidentKeys.linkPrefix()))
      for (const line of [i.line, i.resolvedLine] as Array<LinkedLine | undefined>)
        if (line) {
          const { seq, ...e } = line;
          entries.push({ key: incidentKeys.timeline(incidentId, e.at, seq).sk, entry: { incidentId, ...e } });
        }
  }
  return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((e) => e.entry);
}

/**
 * Append a state change of one alert key to its own item (created on first use). With
 * `whileBelow`, the append is conditional on the key having fewer changes recorded than that
 * (a cancelled transaction tells the caller to read the history: it may flap or need a trim).
 */
export function transitionAppend(incidentId: string, dedupKey: string, at: string, whileBelow?: number): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.keyTransitions(incidentId, dedupKey),
      UpdateExpression: 'SET times = list_append(if_not_exists(times, :empty), :now), #t = :type, dedupKey = :dk',
      ConditionExpression: whileBelow === undefined ? undefined : 'attribute_not_exists(times) OR size(times) < :max',
      ExpressionAttributeNames: { '#t': 'type' },
      ExpressionAttributeValues: {
        ':empty': [],
        ':now': [at],
        ':type': 'IncidentKeyTransitions',
        ':dk': dedupKey,
        ...(whileBelow === undefined ? {} : { ':max': whileBelow }),
      },
    },
  };
}

/** One alert key's recorded state changes in the incident, oldest first. */
export async function getKeyTransitions(incidentId: string, dedupKey: string): Promise<string[]> {
  const r = await guard('get key transitions', () =>
    documentClient().send(
      new GetCommand({
        TableName: tableName(),
        Key: incidentKeys.keyTransitions(incidentId, dedupKey),
        ProjectionExpression: 'times',
        ConsistentRead: true,
      }),
    ),
  );
  return (r.Item?.times as string[] | undefined) ?? [];
}

/** Replace a key's changes by `kept`, unless one was appended since `seen` were read (then keep all). */
export async function trimKeyTransitions(
  incidentId: string,
  dedupKey: string,
  seen: number,
  kept: string[],
): Promise<void> {
  try {
    await guard('trim key transitions', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: incidentKeys.keyTransitions(incidentId, dedupKey),
          UpdateExpression: 'SET times = :kept',
          ConditionExpression: 'size(times) = :seen',
          ExpressionAttributeValues: { ':kept': kept, ':seen': seen },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

export async function nextIncidentNumber(): Promise<number> {
  const r = await guard('number incident', () =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: incidentKeys.counter(),
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  return r.Attributes!.value as number;
}

export async function getIncident(id: string): Promise<Incident | undefined> {
  const r = await guard('get incident', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.incident(id), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<Incident>(r.Item) : undefined;
}

export async function requireIncident(id: string): Promise<Incident> {
  const i = await getIncident(id);
  if (!i) throw new NotFoundError(`No incident with id ${id}.`);
  return i;
}

/** The incident with its timeline (oldest first) and alert links. */
/** A ticket linked to an incident (by hand or as its follow-up). */
export interface IncidentTicket {
  ticketId: string;
  ticketNumber?: number;
  linkedAt?: string;
  followUp: boolean;
}

export async function getIncidentDetail(
  id: string,
): Promise<
  { incident: Incident; timeline: TimelineEntry[]; alerts: AlertLink[]; tickets: IncidentTicket[] } | undefined
> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await guard('get incident', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': incidentKeys.incident(id).pk },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
    items.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start);
  const head = items.find((i) => i.sk === 'INCIDENT');
  if (!head) return undefined;
  return {
    incident: strip<Incident>(head),
    timeline: timelineOf(id, items),
    alerts: items
      .filter((i) => String(i.sk).startsWith(incidentKeys.linkPrefix()))
      .map(({ line: _l, resolvedLine: _r, ...i }) => strip<AlertLink>(i)),
    // The ticket links and the follow-up marker live in the incident's partition (ticketKeys).
    tickets: items
      .filter((i) => String(i.sk).startsWith('TICKET#'))
      .map((i) => ({
        ticketId: String(i.ticketId),
        ticketNumber: i.ticketNumber as number | undefined,
        linkedAt: i.linkedAt as string | undefined,
        followUp: items.some((f) => f.sk === ticketKeys.incidentFollowUp(id).sk && f.ticketId === i.ticketId),
      })),
  };
}

export async function createIncident(
  incident: Incident,
  timeline: TimelineEntry[],
  extra: TransactItem[],
): Promise<void> {
  await guard('create incident', () =>
    documentClient().send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName(),
              Item: incidentItem(incident),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...timeline.map((e) => timelinePut(incident.id, e)),
          ...extra,
        ],
      }),
    ),
  );
}

export class StaleVersionError extends ConflictError {}

/**
 * Read–modify–write with optimistic concurrency. `fn` returns the new incident (or undefined
 * for no change). Retries when another writer got in first, unless `expectedRevision` pins the
 * version the caller saw (then a lost race is a 409 for the caller).
 */
export async function mutateIncident(
  id: string,
  now: string,
  fn: (current: Incident) => Mutation | undefined,
  opts: {
    expectedRevision?: number;
    attempts?: number;
    /** The incident as the caller just read it: the first attempt starts from it instead of reading again (a lost race re-reads). */
    current?: Incident;
    /** Commits the transaction (default: one TransactWriteItems; the escalation step shares them, decision 0008). */
    transact?: (items: TransactItem[]) => Promise<unknown>;
  } = {},
): Promise<{ before: Incident; after: Incident } | undefined> {
  const attempts = opts.attempts ?? 6;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const current = attempt === 0 && opts.current?.id === id ? opts.current : await requireIncident(id);
    if (opts.expectedRevision !== undefined && current.revision !== opts.expectedRevision)
      throw new StaleVersionError(
        `Incident #${current.number} is at revision ${current.revision}, not ${opts.expectedRevision}; reload it and try again.`,
      );
    const m = fn(current);
    if (!m) return undefined;
    const revision = current.revision + 1;
    const next: Incident = {
      ...m.incident,
      revision,
      lastChange: m.change ? { ...m.change, at: now, revision } : current.lastChange,
    };
    try {
      const items: TransactItem[] = [
        {
          Put: {
            TableName: tableName(),
            Item: incidentItem(next),
            ConditionExpression: 'revision = :rev',
            ExpressionAttributeValues: { ':rev': current.revision },
          },
        },
        ...(m.timeline ?? []).map((e) => timelinePut(id, e)),
        ...(m.extra ?? []),
      ];
      const transact =
        opts.transact ?? ((t: TransactItem[]) => documentClient().send(new TransactWriteCommand({ TransactItems: t })));
      await guard('update incident', () => transact(items));
      return { before: current, after: next };
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      const codes = cancellationCodes(err);
      // Only a lost race on the incident itself is retried; a failed extra condition is the caller's.
      const lostRace =
        codes.length === 0 || codes[0] === 'ConditionalCheckFailed' || codes.includes('TransactionConflict');
      if (!lostRace) throw err;
      if (opts.expectedRevision !== undefined)
        throw new StaleVersionError(`Incident ${id} changed while your action was applied; reload it and try again.`);
    }
  }
  throw new ConflictError(`Incident ${id} is changing too fast; try again.`);
}

export interface IncidentQuery {
  status?: string;
  teamId?: string;
  serviceId?: string;
  severity?: string;
  from: Date;
  to: Date;
  limit: number;
  cursor?: string;
}

/** Incidents opened in [from, to], newest first, filtered. */
export function listIncidents(q: IncidentQuery): Promise<Page<Incident>> {
  return listByDay({
    what: 'list incidents',
    partition: incidentKeys.byDay,
    from: q.from,
    to: q.to,
    limit: q.limit,
    cursor: q.cursor,
    filters: { status: q.status, teamId: q.teamId, serviceId: q.serviceId, severity: q.severity },
    map: (raw) => strip<Incident>(raw),
    index: 'gsi4',
  });
}

/** Open incidents of a service (for dependency correlation). */
export async function openIncidentIdsForService(serviceId: string): Promise<string[]> {
  const r = await guard('open incidents of service', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `SVCOPEN#${serviceId}` },
        ConsistentRead: true,
      }),
    ),
  );
  return (r.Items ?? []).map((i) => i.sk as string);
}

/** P1/P2 incidents of a service overlapping [from, to]: the outage intervals availability counts. */
export async function incidentDowntimeIntervals(
  serviceId: string,
  from: Date,
  to: Date,
): Promise<Array<{ start: string; end?: string; incidentId: string; severity: string }>> {
  const out: Array<{ start: string; end?: string; incidentId: string; severity: string }> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await guard('incident intervals', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi3',
          KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk <= :to',
          ExpressionAttributeValues: { ':pk': incidentKeys.byService(serviceId), ':to': `${to.toISOString()}~` },
          ExclusiveStartKey: start,
        }),
      ),
    );
    for (const raw of await getItems('incident intervals', r.Items ?? [])) {
      const i = strip<Incident>(raw);
      if (i.mergedInto || (i.severity !== 'P1' && i.severity !== 'P2')) continue;
      if (i.resolvedAt && Date.parse(i.resolvedAt) < from.getTime()) continue;
      out.push({
        start: i.detectedAt < i.openedAt ? i.detectedAt : i.openedAt,
        end: i.resolvedAt,
        incidentId: i.id,
        severity: i.severity,
      });
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

// SLO definitions (generic entity storage, versioned) and the SLI counts pushed per minute.
// Counts are stored compactly: one item per SLO and UTC hour (`SLI#2026-11-30T12`), with one
// attribute per minute and source (`c07|checkout-web` = [good, total]). A repeat of the same
// (source, minute) overwrites its attribute, so it replaces and never doubles; writers of other
// sources or minutes touch other attributes of the item and never overwrite each other.
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MinutePoint, Slo } from '../domain/slo/model';
import type { SloTicketResolution, SloTicketState } from '../domain/slo/ticket';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { entityStore } from './entities';
import { SLO_ENTITY, sloKeys } from './keys';
import { queryAll } from './query';

export const slos = entityStore<Slo>(sloKeys.entityType, 'SLO');

/** Pushed counts are kept for a quarter and a half (the longest window plus the monthly report). */
export const SLI_TTL_DAYS = 140;
const HOUR_MS = 3_600_000;
const WRITE_CONCURRENCY = 4;

const hourOf = (minute: number) => new Date(Math.floor(minute / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13);
const attributeOf = (minute: number, source: string) =>
  `c${String(new Date(minute).getUTCMinutes()).padStart(2, '0')}|${source}`;

/** Write one source's counts; each (minute, source) replaces what was there. One update per hour touched. */
export async function putSliCounts(sloId: string, source: string, points: MinutePoint[]): Promise<void> {
  const byHour = new Map<string, Map<string, MinutePoint>>();
  for (const p of points) {
    const h = hourOf(p.minute);
    if (!byHour.has(h)) byHour.set(h, new Map());
    byHour.get(h)!.set(attributeOf(p.minute, source), p); // the last of two for one minute wins
  }
  const hours = [...byHour];
  let next = 0;
  const writeHour = ([hour, attrs]: [string, Map<string, MinutePoint>]) => {
    const names: Record<string, string> = { '#type': 'type', '#exp': 'expiresAt', '#hour': 'hour' };
    const values: Record<string, unknown> = {
      ':type': SLO_ENTITY.sliHour,
      ':exp': Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + SLI_TTL_DAYS * 86_400,
      ':hour': hour,
    };
    const sets = ['#type = :type', '#exp = :exp', '#hour = :hour'];
    [...attrs].forEach(([attr, p], i) => {
      names[`#a${i}`] = attr;
      values[`:v${i}`] = [p.good, p.total];
      sets.push(`#a${i} = :v${i}`);
    });
    return guard('store SLI counts', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.sliHour(sloId, hour),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
  };
  // A few hours at a time: a month of history is 720 updates, which must not flood the table.
  await Promise.all(
    Array.from({ length: Math.min(WRITE_CONCURRENCY, hours.length) }, async () => {
      while (next < hours.length) await writeHour(hours[next++]!);
    }),
  );
}

/** Every source's counts summed per minute, for minutes in [from, to). */
export async function sliCountsBetween(sloId: string, from: number, to: number): Promise<MinutePoint[]> {
  const pk = sloKeys.sliHour(sloId, '').pk;
  const prefix = sloKeys.sliHourPrefix();
  const items = await queryAll({
    what: 'SLI counts',
    pk,
    skBetween: [`${prefix}${hourOf(from)}`, `${prefix}${hourOf(Math.max(from, to - 1))}`],
  });
  const sums = new Map<number, MinutePoint>();
  for (const item of items) {
    const hourStart = Date.parse(`${String(item.hour)}:00:00Z`);
    for (const [k, v] of Object.entries(item)) {
      if (k.charCodeAt(0) !== 99 /* c */ || k[3] !== '|' || !Array.isArray(v)) continue;
      const minute = hourStart + Number(k.slice(1, 3)) * 60_000;
      if (minute < from || minute >= to) continue;
      const p = sums.get(minute) ?? { minute, good: 0, total: 0 };
      p.good += Number(v[0]);
      p.total += Number(v[1]);
      sums.set(minute, p);
    }
  }
  return [...sums.values()].sort((a, b) => a.minute - b.minute);
}

// ---- the slow-burn ticket episode (shared/app/slo/ticket-sync.ts) ----
// One item per SLO. Every change is conditional on the episode (and state) it was decided on, so
// concurrent or repeated ticks cannot start two episodes or resolve one twice.

export async function getSloTicketState(sloId: string): Promise<SloTicketState | undefined> {
  const r = await guard('get SLO ticket', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: sloKeys.ticket(sloId), ConsistentRead: true })),
  );
  if (!r.Item) return undefined;
  const { pk: _pk, sk: _sk, type: _type, ...state } = r.Item;
  return state as SloTicketState;
}

/** Start episode `episode` (the previous one is resolved or there was none); false when another tick did. */
export async function beginSloTicketEpisode(sloId: string, episode: number, at: string): Promise<boolean> {
  try {
    await guard('begin SLO ticket episode', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.ticket(sloId),
          UpdateExpression:
            'SET #type = :type, #episode = :episode, #state = :open, #openedAt = :at REMOVE ticketId, ticketNumber, resolvingAt, reason',
          ConditionExpression: 'attribute_not_exists(pk) OR (#state = :resolved AND #episode = :previous)',
          ExpressionAttributeNames: {
            '#type': 'type',
            '#episode': 'episode',
            '#state': 'state',
            '#openedAt': 'openedAt',
          },
          ExpressionAttributeValues: {
            ':type': SLO_ENTITY.ticket,
            ':episode': episode,
            ':previous': episode - 1,
            ':open': 'open',
            ':resolved': 'resolved',
            ':at': at,
          },
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** The episode's ticket, once it exists (a no-op when the episode moved on). */
export async function recordSloTicket(
  sloId: string,
  episode: number,
  ticketId: string,
  number?: number,
): Promise<void> {
  try {
    await guard('record SLO ticket', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.ticket(sloId),
          UpdateExpression: number ? 'SET ticketId = :id, ticketNumber = :n' : 'SET ticketId = :id',
          ConditionExpression: '#episode = :episode',
          ExpressionAttributeNames: { '#episode': 'episode' },
          ExpressionAttributeValues: { ':id': ticketId, ':episode': episode, ...(number ? { ':n': number } : {}) },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/**
 * Commit to resolving the episode: the first caller's time and reason stay (a retry comments with
 * the same id). Answers the state as it now is, or undefined when the episode is no longer open.
 */
export async function startResolvingSloTicket(
  sloId: string,
  episode: number,
  reason: SloTicketResolution,
  at: string,
): Promise<SloTicketState | undefined> {
  try {
    const r = await guard('resolve SLO ticket episode', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.ticket(sloId),
          UpdateExpression:
            'SET #state = :resolving, resolvingAt = if_not_exists(resolvingAt, :at), reason = if_not_exists(reason, :reason)',
          ConditionExpression: '#episode = :episode AND #state IN (:open, :resolving)',
          ExpressionAttributeNames: { '#episode': 'episode', '#state': 'state' },
          ExpressionAttributeValues: {
            ':episode': episode,
            ':open': 'open',
            ':resolving': 'resolving',
            ':reason': reason,
            ':at': at,
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const { pk: _pk, sk: _sk, type: _type, ...state } = r.Attributes ?? {};
    return state as SloTicketState;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}

/** The episode's ticket is resolved (or there was none to resolve). */
export async function finishSloTicketEpisode(sloId: string, episode: number): Promise<void> {
  try {
    await guard('finish SLO ticket episode', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: sloKeys.ticket(sloId),
          UpdateExpression: 'SET #state = :resolved',
          ConditionExpression: '#episode = :episode AND #state = :resolving',
          ExpressionAttributeNames: { '#episode': 'episode', '#state': 'state' },
          ExpressionAttributeValues: { ':episode': episode, ':resolving': 'resolving', ':resolved': 'resolved' },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

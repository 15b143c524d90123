// Ticketing configuration items: categories, queues, calendars, SLA policies, incident rules
// and the requester directory. One item per entry (`TCONFIG#<kind>#<id>`), listed per kind on
// gsi1, versioned for optimistic locking. Reads may be cached for a few seconds per container
// (TICKET_CONFIG_CACHE_SECONDS): configuration changes rarely and every ticket write reads it.
import { createHash } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { BusinessCalendar } from '../domain/tickets/business-time';
import type { Category, IncidentRule, Queue, Requester } from '../domain/tickets/config';
import type { SlaPolicy } from '../domain/tickets/sla';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { ticketKeys } from './keys';
import { queryAll } from './query';

export interface ConfigKinds {
  category: Category;
  queue: Queue;
  calendar: BusinessCalendar;
  'sla-policy': SlaPolicy;
  'incident-rule': IncidentRule;
  requester: Requester;
}
export type ConfigKind = keyof ConfigKinds;
export type Versioned<T> = T & { version: number; updatedAt: string };

const TYPES: Record<ConfigKind, string> = {
  category: 'TicketCategory',
  queue: 'TicketQueue',
  calendar: 'TicketCalendar',
  'sla-policy': 'TicketSlaPolicy',
  'incident-rule': 'TicketIncidentRule',
  requester: 'Requester',
};

export const CONFIG_LABELS: Record<ConfigKind, string> = {
  category: 'ticket category',
  queue: 'ticket queue',
  calendar: 'business calendar',
  'sla-policy': 'SLA policy',
  'incident-rule': 'incident follow-up rule',
  requester: 'requester',
};

const cache = new Map<string, { at: number; value: unknown }>();
const cacheMs = () => Number(process.env.TICKET_CONFIG_CACHE_SECONDS ?? '0') * 1000;

export function clearConfigCache(): void {
  cache.clear();
}

function strip<T>(item: Record<string, unknown>): Versioned<T> {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, type: _t, kind: _k, ...rest } = item;
  return rest as Versioned<T>;
}

function idOf(kind: ConfigKind, value: Record<string, unknown>): string {
  return String(kind === 'requester' ? value.email : value.id);
}

/**
 * Create (no version given: fails with 409 when it exists) or replace at a version (optimistic
 * lock: 409 when someone changed it since).
 */
export async function putConfig<K extends ConfigKind>(
  kind: K,
  value: ConfigKinds[K],
  now: string,
  expectedVersion?: number,
): Promise<Versioned<ConfigKinds[K]>> {
  const id = idOf(kind, value as Record<string, unknown>);
  const version = (expectedVersion ?? 0) + 1;
  const item = {
    ...ticketKeys.config(kind, id),
    gsi1pk: ticketKeys.configList(kind),
    gsi1sk: id,
    type: TYPES[kind],
    kind,
    ...value,
    version,
    updatedAt: now,
  };
  try {
    await guard(`put ${kind}`, () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: item,
          ConditionExpression: expectedVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':v': expectedVersion },
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) {
      throw new ConflictError(
        expectedVersion === undefined
          ? `A ${CONFIG_LABELS[kind]} ${id} already exists; send its current version to replace it.`
          : `The ${CONFIG_LABELS[kind]} ${id} is not at version ${expectedVersion} (it changed or does not exist); reload it and apply your change again.`,
      );
    }
    throw err;
  }
  cache.delete(`${kind}#${id}`);
  return strip<ConfigKinds[K]>(item);
}

/** Seeding: create when missing, leave as is otherwise. */
export async function ensureConfig<K extends ConfigKind>(kind: K, value: ConfigKinds[K], now: string): Promise<void> {
  try {
    await putConfig(kind, value, now);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
}

export async function getConfig<K extends ConfigKind>(
  kind: K,
  id: string,
): Promise<Versioned<ConfigKinds[K]> | undefined> {
  const key = `${kind}#${id}`;
  const ttl = cacheMs();
  const hit = ttl > 0 ? cache.get(key) : undefined;
  if (hit && Date.now() - hit.at < ttl) return hit.value as Versioned<ConfigKinds[K]> | undefined;
  const r = await guard(`get ${kind}`, () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: ticketKeys.config(kind, id) })),
  );
  const value = r.Item ? strip<ConfigKinds[K]>(r.Item) : undefined;
  if (ttl > 0) cache.set(key, { at: Date.now(), value });
  return value;
}

export async function requireConfig<K extends ConfigKind>(kind: K, id: string): Promise<Versioned<ConfigKinds[K]>> {
  const v = await getConfig(kind, id);
  if (!v) throw new NotFoundError(`No ${CONFIG_LABELS[kind]} with id ${id}.`);
  return v;
}

/** Several entries of one kind at once (missing ones are left out). */
export async function getConfigs<K extends ConfigKind>(
  kind: K,
  ids: string[],
): Promise<Map<string, Versioned<ConfigKinds[K]>>> {
  const out = new Map<string, Versioned<ConfigKinds[K]>>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    const chunk = unique.slice(i, i + 100);
    let keys: Array<Record<string, unknown>> | undefined = chunk.map((id) => ticketKeys.config(kind, id));
    for (let attempt = 0; keys && keys.length && attempt < 5; attempt++) {
      const request = keys;
      const r = await guard(`get ${kind}s`, () =>
        documentClient().send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request } } })),
      );
      for (const item of r.Responses?.[tableName()] ?? []) {
        const v = strip<ConfigKinds[K]>(item);
        out.set(idOf(kind, v as Record<string, unknown>), v);
      }
      keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
    }
  }
  return out;
}

export async function listConfig<K extends ConfigKind>(kind: K): Promise<Array<Versioned<ConfigKinds[K]>>> {
  const items = await queryAll({ what: `list ${kind}`, index: 'gsi1', pk: ticketKeys.configList(kind), max: 5000 });
  return items.map((i) => strip<ConfigKinds[K]>(i));
}

export async function deleteConfig(kind: ConfigKind, id: string): Promise<void> {
  try {
    await guard(`delete ${kind}`, () =>
      documentClient().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: ticketKeys.config(kind, id),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new NotFoundError(`No ${CONFIG_LABELS[kind]} with id ${id}.`);
    throw err;
  }
  cache.delete(`${kind}#${id}`);
}

/** How long a request's round-robin turn is kept for its retries (as long as an Idempotency-Key answer). */
export const TURN_CLAIM_TTL_HOURS = 24;

/**
 * The next round-robin turn of a queue: an atomic counter on its own item, so concurrent
 * creations each get a different turn without a read-modify-write race. With `claim` (the request
 * the ticket answers: its Idempotency-Key, email Message-ID, incident or task), the turn is kept
 * under that key and a retry of the same request gets the same turn back instead of using a new
 * one, so an attempt that failed or was answered 503 after taking its turn does not skew the spread
 * (decision 0005). Creations in one queue still never conflict: each claims its own key.
 */
export async function nextRoundRobinTurn(queueId: string, claim?: { key: string; now: Date }): Promise<number> {
  const claimKey = claim
    ? ticketKeys.turnClaim(queueId, createHash('sha256').update(claim.key).digest('hex'))
    : undefined;
  const claimed = async (): Promise<number | undefined> => {
    const r = await guard('read round-robin turn claim', () =>
      documentClient().send(new GetCommand({ TableName: tableName(), Key: claimKey, ConsistentRead: true })),
    );
    return r.Item ? Number(r.Item.turn) : undefined;
  };
  if (claimKey) {
    const earlier = await claimed();
    if (earlier !== undefined) return earlier;
  }
  const r = await guard('round-robin turn', () =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: ticketKeys.config('queue-rr', queueId),
        UpdateExpression: 'ADD turn :one SET #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':one': 1, ':type': 'TicketQueueTurn' },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  const turn = Number(r.Attributes?.turn ?? 1);
  if (!claimKey || !claim) return turn;
  try {
    await guard('claim round-robin turn', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...claimKey,
            type: 'TicketTurnClaim',
            queueId,
            turn,
            expiresAt: Math.floor(claim.now.getTime() / 1000) + TURN_CLAIM_TTL_HOURS * 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return turn;
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    // Another attempt of the same request claimed a turn first: take that one (ours goes unused).
    return (await claimed()) ?? turn;
  }
}

/** Change one member's availability (read, modify, write at version; retried on a race). */
export async function setMemberAvailability(
  queueId: string,
  memberId: string,
  available: boolean,
  now: string,
): Promise<Versioned<Queue>> {
  for (let attempt = 0; ; attempt++) {
    cache.delete(`queue#${queueId}`);
    const q = await requireConfig('queue', queueId);
    if (!q.members.some((m) => m.id === memberId))
      throw new NotFoundError(`Queue ${queueId} has no member ${memberId}.`);
    const { version, updatedAt: _u, ...value } = q;
    const next = { ...value, members: value.members.map((m) => (m.id === memberId ? { ...m, available } : m)) };
    try {
      return await putConfig('queue', next, now, version);
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt >= 4) throw err;
    }
  }
}

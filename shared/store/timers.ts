// Durable timers: a due-time index swept on a schedule (docs/decisions/0004-durable-timers.md).
// A timer is an item with a kind, a due time and a payload. The sweeper claims due timers with a
// lease (conditional update), runs the kind's handler, then deletes the timer. A crash leaves the
// lease to expire and the timer runs again, so timer handlers must be idempotent.
import { createHash } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
  type TransactItem,
} from './client';

export const TIMER_SHARDS = 8;

export interface Timer<P = Record<string, unknown>> {
  id: string;
  kind: string;
  dueAt: string;
  payload: P;
  attempts: number;
  claimedUntil?: string;
  lastError?: string;
}

const timerKey = (id: string) => ({ pk: `TIMER#${id}`, sk: 'TIMER' });
const shardOf = (id: string) => createHash('sha1').update(id).digest()[0]! % TIMER_SHARDS;
const dueIndex = (id: string, dueAt: string) => ({ gsi1pk: `DUE#${shardOf(id)}`, gsi1sk: `${dueAt}#${id}` });

/** Create or move a timer. Same id = same timer: scheduling again replaces its due time and payload. */
/**
 * What runs when a timer of one kind is due; must be idempotent (a crash re-runs it once its lease
 * expires). It returns 'moved' when it rescheduled this very timer (same id, another due time):
 * the sweeper then has nothing to delete.
 */
export type TimerHandler = (timer: Timer, now: Date) => Promise<void | 'moved'>;

type TimerSpec = { id: string; kind: string; dueAt: string; payload?: Record<string, unknown> };

const timerItem = (t: TimerSpec) => ({
  ...timerKey(t.id),
  ...dueIndex(t.id, t.dueAt),
  type: 'Timer',
  id: t.id,
  kind: t.kind,
  dueAt: t.dueAt,
  payload: t.payload ?? {},
  attempts: 0,
});

export async function scheduleTimer(t: TimerSpec): Promise<void> {
  await guard('schedule timer', () =>
    documentClient().send(new PutCommand({ TableName: tableName(), Item: timerItem(t) })),
  );
}

/** `scheduleTimer` as an item of a transaction: the timer moves with the change that needs it, in one request. */
export function scheduleTimerItem(t: TimerSpec): TransactItem {
  return { Put: { TableName: tableName(), Item: timerItem(t) } };
}

/** Create a timer only if none with this id exists (returns false when one does). */
export async function scheduleTimerOnce(t: TimerSpec): Promise<boolean> {
  try {
    await guard('schedule timer', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: timerItem(t),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export async function cancelTimer(id: string): Promise<void> {
  await guard('cancel timer', () =>
    documentClient().send(new DeleteCommand({ TableName: tableName(), Key: timerKey(id) })),
  );
}

/**
 * Due timers of every shard, oldest first, up to `limit` per shard. With `aheadMs`, the same
 * queries also return the timers coming due within that time after `now` (the sweeper's
 * precise wake-ups, decision 0017); the caller tells them apart by `dueAt`.
 */
export async function dueTimers(now: Date, limit: number, aheadMs = 0): Promise<Timer[]> {
  const pages = await Promise.all(
    Array.from({ length: TIMER_SHARDS }, (_, shard) => dueTimersInShard(shard, now, limit, aheadMs)),
  );
  return pages.flatMap((p) => p.timers).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

/**
 * The due timers of one shard (`DUE#<shard>`), oldest first, up to `limit` read (one query);
 * those leased by someone else are left out. `full` says the query hit its limit (there may be more).
 */
export async function dueTimersInShard(
  shard: number,
  now: Date,
  limit: number,
  aheadMs = 0,
): Promise<{ timers: Timer[]; full: boolean }> {
  const upTo = `${new Date(now.getTime() + aheadMs).toISOString()}#\uffff`;
  const page = await guard('query due timers', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk <= :upTo',
        ExpressionAttributeValues: { ':pk': `DUE#${shard}`, ':upTo': upTo },
        Limit: limit,
      }),
    ),
  );
  const items = (page.Items ?? []) as Timer[];
  const nowIso = now.toISOString();
  return { timers: items.filter((t) => !t.claimedUntil || t.claimedUntil < nowIso), full: items.length >= limit };
}

const claimUpdate = (t: Timer, now: Date, leaseSeconds: number) => ({
  TableName: tableName(),
  Key: timerKey(t.id),
  UpdateExpression: 'SET claimedUntil = :until, attempts = attempts + :one',
  ConditionExpression: 'dueAt = :due AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
  ExpressionAttributeValues: {
    ':until': new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
    ':one': 1,
    ':due': t.dueAt,
    ':now': now.toISOString(),
  },
});

/** Take a lease on a due timer; false when someone else holds it or it was moved or removed. */
export async function claimTimer(t: Timer, now: Date, leaseSeconds: number): Promise<boolean> {
  try {
    await guard('claim timer', () => documentClient().send(new UpdateCommand(claimUpdate(t, now, leaseSeconds))));
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** Timers claimed together in one request (a transaction holds at most 100 items). */
export const CLAIM_BATCH_MAX = 100;

/**
 * Take leases on many due timers in one request: a transaction of their conditional claims
 * (each exactly `claimTimer`'s), all or none. When any condition fails (someone else holds that
 * timer, or it moved) or another transaction touched one of them, the ones whose own condition
 * did not fail are claimed one by one instead, so a single taken timer costs the others nothing
 * but a request each. Returns the timers this call claimed, in order.
 */
export async function claimTimers(timers: Timer[], now: Date, leaseSeconds: number): Promise<Timer[]> {
  if (timers.length > CLAIM_BATCH_MAX) throw new Error(`claim at most ${CLAIM_BATCH_MAX} timers at once`);
  if (timers.length <= 1)
    return (await Promise.all(timers.map((t) => claimTimer(t, now, leaseSeconds)))).every(Boolean) ? timers : [];
  try {
    await guard('claim timers', () =>
      documentClient().send(
        new TransactWriteCommand({ TransactItems: timers.map((t) => ({ Update: claimUpdate(t, now, leaseSeconds) })) }),
      ),
    );
    return timers;
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    const codes = cancellationCodes(err);
    const retry = timers.filter((_, i) => codes[i] !== 'ConditionalCheckFailed');
    const claimed = await Promise.all(retry.map((t) => claimTimer(t, now, leaseSeconds)));
    return retry.filter((_, i) => claimed[i]);
  }
}

/** Remove a timer that ran, unless its handler (or someone) rescheduled it meanwhile. */
export async function completeTimer(t: Timer): Promise<void> {
  try {
    await guard('complete timer', () =>
      documentClient().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: timerKey(t.id),
          ConditionExpression: 'dueAt = :due',
          ExpressionAttributeValues: { ':due': t.dueAt },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
}

/** A handler failed: release the lease early with a back-off, or park the timer after too many tries. */
export async function failTimer(t: Timer, now: Date, error: string, maxAttempts: number): Promise<'retry' | 'parked'> {
  const attempts = t.attempts + 1;
  const parked = attempts >= maxAttempts;
  const backoffSeconds = Math.min(300, 5 * 2 ** Math.min(attempts, 6));
  await guard('fail timer', () =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: timerKey(t.id),
        UpdateExpression: parked
          ? 'SET lastError = :err, parkedAt = :now REMOVE gsi1pk, gsi1sk'
          : 'SET lastError = :err, claimedUntil = :until',
        ConditionExpression: 'dueAt = :due',
        ExpressionAttributeValues: {
          ':err': error.slice(0, 1000),
          ':due': t.dueAt,
          ...(parked
            ? { ':now': now.toISOString() }
            : { ':until': new Date(now.getTime() + backoffSeconds * 1000).toISOString() }),
        },
      }),
    ),
  ).catch((err) => {
    if (!isConditionalCheckFailed(err)) throw err;
  });
  return parked ? 'parked' : 'retry';
}

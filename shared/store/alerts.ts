// Alert items. While an alert fires it lives under its dedup key (one item per integration
// and key), so a repeat is one conditional update with no read. When it resolves it moves,
// in one transaction, to an archive item under its own id. Both carry gsi3 (by id) and gsi4
// (by the day it was first received) so the ops API reads them the same way. Both indexes are
// keys only (decision 0090): a repeat changes the item and writes no index copy.
import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CanonicalAlert } from '../domain/alert';
import { documentClient, guard, isConditionalCheckFailed, isTransactionConflict, tableName } from './client';
import { StoreUnavailableError } from './errors';
import { dayOf, ENTITY, HOT_ITEM_STORAGE_ATTRIBUTES, keys } from './keys';
import { listByDay } from './day-index';
import { getItems } from './query';
import type { Page } from './pagination';

export const RESOLVED_ALERT_TTL_DAYS = 90;

export interface StoredAlert extends Omit<CanonicalAlert, 'action'> {
  id: string;
  integrationId: string;
  count: number;
  firstReceivedAt: string;
  lastReceivedAt: string;
  firstPayloadId: string;
  lastPayloadId: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  /** Bumped by every change; events carry it so consumers can order and de-duplicate. */
  revision: number;
}

export type AlertOutcome =
  | { outcome: 'created' | 'repeated' | 'acknowledged' | 'resolved'; alert: StoredAlert }
  | { outcome: 'duplicate'; alertId: string }
  | { outcome: 'dropped'; reason: 'no-open-alert' | 'stale-resolve' };

const ITEM_KEYS = [...HOT_ITEM_STORAGE_ATTRIBUTES, 'expiresAt'];

export function toAlert(item: Record<string, unknown>): StoredAlert {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!ITEM_KEYS.includes(k)) out[k] = v;
  return out as unknown as StoredAlert;
}

function indexKeys(a: Pick<StoredAlert, 'id' | 'firstReceivedAt'>) {
  return {
    ...keys.alertById(a.id),
    gsi4pk: keys.alertsByDay(dayOf(a.firstReceivedAt)),
    gsi4sk: `${a.firstReceivedAt}#${a.id}`,
  };
}

function oldItem(err: unknown): Record<string, unknown> | undefined {
  const item = (err as { Item?: Record<string, NativeAttributeValue> }).Item;
  return item ? unmarshall(item as never) : undefined;
}

/**
 * Concurrent deliveries on one dedup key (a resolve racing triggers) make conditional writes fail;
 * each such loser reads again and retries, after a short jittered pause so racers spread out.
 * Exhausted retries are a transient store condition (503 + Retry-After; the sender retries), never a 500.
 */
const CONTENDED_ATTEMPTS = 8;

function pauseBeforeRetry(attempt: number): Promise<void> {
  if (attempt === 0) return Promise.resolve();
  const ms = Math.random() * Math.min(200, 10 * 2 ** attempt);
  return new Promise((done) => setTimeout(done, ms));
}

function contended(dedupKey: string): StoreUnavailableError {
  return new StoreUnavailableError(
    `Alert ${dedupKey} kept changing under concurrent writes (${CONTENDED_ATTEMPTS} attempts)`,
  );
}

export interface RecordInput {
  integrationId: string;
  alert: CanonicalAlert;
  payloadId: string;
  receivedAt: string;
  newId: () => string;
}

/** Apply one normalized alert to the store. Idempotent per payload: a retry changes nothing. */
export async function recordAlert(input: RecordInput): Promise<AlertOutcome> {
  switch (input.alert.action) {
    case 'trigger':
      return trigger(input);
    case 'acknowledge':
      return acknowledge(input);
    case 'resolve':
      return resolve(input);
  }
}

/**
 * A trigger is one conditional upsert: it repeats the firing alert under its dedup key, or creates
 * it (the creation-only attributes are set with if_not_exists, so a repeat keeps them). One request
 * and one write either way; a retried payload (`lastPayloadId` already this one) fails the condition.
 */
async function trigger({ integrationId, alert, payloadId, receivedAt, newId }: RecordInput): Promise<AlertOutcome> {
  const id = newId();
  const created = {
    ...keys.liveAlert(integrationId, alert.dedupKey),
    ...indexKeys({ id, firstReceivedAt: receivedAt }),
    type: ENTITY.alert,
    id,
    integrationId,
    source: alert.source,
    dedupKey: alert.dedupKey,
    status: 'firing',
    startsAt: alert.startsAt,
    firstReceivedAt: receivedAt,
    firstPayloadId: payloadId,
  };
  const createOnly = Object.keys(created).filter((k) => k !== 'pk' && k !== 'sk');
  const names: Record<string, string> = { '#count': 'count', '#revision': 'revision' };
  const values: Record<string, unknown> = {
    ':zero': 0,
    ':one': 1,
    ':now': receivedAt,
    ':pid': payloadId,
    ':severity': alert.severity,
    ':summary': alert.summary,
    ':details': alert.details,
    ':labels': alert.labels,
    ':links': alert.links,
  };
  const sets = [
    '#count = if_not_exists(#count, :zero) + :one',
    '#revision = if_not_exists(#revision, :zero) + :one',
    'lastReceivedAt = :now',
    'lastPayloadId = :pid',
    'severity = :severity',
    'summary = :summary',
    'details = :details',
    'labels = :labels',
    'links = :links',
  ];
  const always: Record<string, unknown> = { service: alert.service, resource: alert.resource };
  for (const [k, v] of Object.entries(always)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = :${k}`);
  }
  for (const k of createOnly) {
    const v = (created as Record<string, unknown>)[k];
    if (v === undefined) continue;
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    sets.push(`#${k} = if_not_exists(#${k}, :${k})`);
  }
  try {
    const r = await guard('record alert', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.liveAlert(integrationId, alert.dedupKey),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_not_exists(pk) OR lastPayloadId <> :pid',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    const stored = toAlert(r.Attributes!);
    return { outcome: stored.id === id ? 'created' : 'repeated', alert: stored };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const old = oldItem(err);
    if (old) return { outcome: 'duplicate', alertId: old.id as string };
    throw contended(alert.dedupKey);
  }
}

async function acknowledge({ integrationId, alert, payloadId, receivedAt }: RecordInput): Promise<AlertOutcome> {
  try {
    const r = await guard('acknowledge alert', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: keys.liveAlert(integrationId, alert.dedupKey),
          UpdateExpression:
            'SET acknowledgedAt = if_not_exists(acknowledgedAt, :now), lastReceivedAt = :now, lastPayloadId = :pid, revision = revision + :one',
          ConditionExpression: 'attribute_exists(pk) AND lastPayloadId <> :pid',
          ExpressionAttributeValues: { ':now': receivedAt, ':pid': payloadId, ':one': 1 },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return { outcome: 'acknowledged', alert: toAlert(r.Attributes!) };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const old = oldItem(err);
    return old ? { outcome: 'duplicate', alertId: old.id as string } : { outcome: 'dropped', reason: 'no-open-alert' };
  }
}

async function resolve({ integrationId, alert, payloadId, receivedAt }: RecordInput): Promise<AlertOutcome> {
  const key = keys.liveAlert(integrationId, alert.dedupKey);
  for (let attempt = 0; attempt < CONTENDED_ATTEMPTS; attempt++) {
    await pauseBeforeRetry(attempt);
    const r = await guard('read alert', () =>
      documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: true })),
    );
    if (!r.Item) return { outcome: 'dropped', reason: 'no-open-alert' };
    const live = toAlert(r.Item);
    // A resolve that ended before this alert started belongs to an earlier, already closed one.
    if (alert.endsAt && Date.parse(alert.endsAt) < Date.parse(live.startsAt))
      return { outcome: 'dropped', reason: 'stale-resolve' };
    const resolved: StoredAlert = {
      ...live,
      status: 'resolved',
      endsAt: alert.endsAt ?? receivedAt,
      resolvedAt: receivedAt,
      lastReceivedAt: receivedAt,
      lastPayloadId: payloadId,
      revision: live.revision + 1,
    };
    try {
      await guard('resolve alert', () =>
        documentClient().send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Delete: {
                  TableName: tableName(),
                  Key: key,
                  ConditionExpression: 'revision = :rev',
                  ExpressionAttributeValues: { ':rev': live.revision },
                },
              },
              {
                Put: {
                  TableName: tableName(),
                  Item: {
                    ...keys.resolvedAlert(live.id),
                    ...indexKeys(resolved),
                    type: ENTITY.alert,
                    ...resolved,
                    expiresAt: Math.floor(Date.parse(receivedAt) / 1000) + RESOLVED_ALERT_TTL_DAYS * 86400,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
            ],
          }),
        ),
      );
      return { outcome: 'resolved', alert: resolved };
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      // Changed (repeat, ack) or resolved by a concurrent delivery: read again.
    }
  }
  throw contended(alert.dedupKey);
}

export async function getAlert(id: string): Promise<StoredAlert | undefined> {
  const byId = (index: 'gsi3' | 'gsi1', pk: string) =>
    guard('get alert', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: index,
          KeyConditionExpression: `${index}pk = :pk`,
          ExpressionAttributeValues: { ':pk': pk },
        }),
      ),
    );
  let entries = (await byId('gsi3', keys.alertById(id).gsi3pk)).Items ?? [];
  // An alert stored before decision 0090 and not yet moved by its backfill is on gsi1 (all attributes).
  if (!entries.length) entries = (await byId('gsi1', `ALERT#${id}`)).Items ?? [];
  const items = (entries.length && 'id' in entries[0]! ? entries : await getItems('get alert', entries)).map(toAlert);
  // While a resolve is replicating to the index both copies may show: the resolved one wins.
  return items.find((a) => a.status === 'resolved') ?? items[0];
}

export async function getLiveAlert(integrationId: string, dedupKey: string): Promise<StoredAlert | undefined> {
  const r = await guard('get alert', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: keys.liveAlert(integrationId, dedupKey), ConsistentRead: true }),
    ),
  );
  return r.Item ? toAlert(r.Item) : undefined;
}

/**
 * The live alerts of several dedup keys of one integration, in consistent BatchGetItems of up to 100
 * (one request where GetItem per key would be one each); keys without a live alert are absent.
 */
export async function getLiveAlerts(integrationId: string, dedupKeys: string[]): Promise<Map<string, StoredAlert>> {
  const items = await getItems(
    'get alerts',
    dedupKeys.map((k) => keys.liveAlert(integrationId, k)),
  );
  return new Map(items.map((i) => [String(i.dedupKey), toAlert(i)]));
}

export interface AlertQuery {
  status?: 'firing' | 'resolved';
  integrationId?: string;
  since: Date;
  until: Date;
  limit: number;
  cursor?: string;
}

/** Alerts first received in [since, until], newest first, optionally filtered. */
export function listAlerts(q: AlertQuery): Promise<Page<StoredAlert>> {
  return listByDay({
    what: 'list alerts',
    partition: keys.alertsByDay,
    from: q.since,
    to: q.until,
    limit: q.limit,
    cursor: q.cursor,
    filters: { status: q.status, integrationId: q.integrationId },
    map: toAlert,
    index: 'gsi4',
  });
}

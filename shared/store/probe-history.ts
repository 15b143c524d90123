// What service probes and monitored jobs share in the table: the flip history (one item per
// status / certificate / error-level change, kept 400 days for availability reports, and the
// outbox source of the `nocturne.probes` events) and a builder for attribute-wise updates.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Flip } from '../domain/probes/probe-state';
import { documentClient, guard, tableName } from './client';
import { probeKeys, PROBE_ENTITY } from './keys';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

export const FLIP_TTL_DAYS = 400;
export const RESULT_TTL_DAYS = 35;
export const PING_TTL_DAYS = 30;

export const epochPlusDays = (iso: string, days: number) => Math.floor(Date.parse(iso) / 1000) + days * 86400;

export interface SubjectLabels {
  subjectName: string;
  probeKind?: string;
  jobType?: string;
  category?: string;
  service?: string;
  team?: string;
}

export interface StoredFlip extends Flip {
  subjectKind: 'probe' | 'job';
  subjectId: string;
  revision: number;
}

export function flipItem(kind: 'probe' | 'job', id: string, revision: number, flip: Flip | (Omit<Flip, 'condition'> & { condition: 'deleted' }), labels: SubjectLabels) {
  return {
    ...probeKeys.flip(kind, id, flip.at, revision, flip.condition),
    type: PROBE_ENTITY.flip,
    subjectKind: kind,
    subjectId: id,
    ...labels,
    condition: flip.condition,
    from: flip.from,
    to: flip.to,
    reason: flip.reason,
    effectiveAt: flip.effectiveAt,
    at: flip.at,
    revision,
    expiresAt: epochPlusDays(flip.at, FLIP_TTL_DAYS),
  };
}

function toFlip(item: Record<string, unknown>): StoredFlip {
  return {
    subjectKind: item.subjectKind as 'probe' | 'job',
    subjectId: item.subjectId as string,
    condition: item.condition as Flip['condition'],
    from: item.from as string,
    to: item.to as string,
    reason: item.reason as string | undefined,
    effectiveAt: item.effectiveAt as string,
    at: item.at as string,
    revision: item.revision as number,
  };
}

/** Newest first. */
export async function listFlips(kind: 'probe' | 'job', id: string, limit: number, cursor?: string): Promise<Page<StoredFlip>> {
  const start = decodeCursor(cursor);
  if (start && (typeof start.pk !== 'string' || typeof start.sk !== 'string')) throw invalidCursor();
  const pk = probeKeys.flip(kind, id, '', 0, '').pk;
  const r = await guard('list flips', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': pk, ':p': probeKeys.flipPrefix() },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    ),
  );
  return { items: (r.Items ?? []).map(toFlip), nextCursor: encodeCursor(r.LastEvaluatedKey) };
}

/** Status flips decided in [from, to), oldest first, and the status before `from`. */
export async function statusFlipsBetween(kind: 'probe' | 'job', id: string, from: Date, to: Date): Promise<{ statusBefore?: string; flips: StoredFlip[] }> {
  const pk = probeKeys.flip(kind, id, '', 0, '').pk;
  const lo = `${probeKeys.flipPrefix()}${from.toISOString()}`;
  const hi = `${probeKeys.flipPrefix()}${to.toISOString()}`;
  const [before, within] = await Promise.all([
    queryAll('flips before', {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      FilterExpression: '#c = :status',
      ExpressionAttributeNames: { '#c': 'condition' },
      ExpressionAttributeValues: { ':pk': pk, ':a': probeKeys.flipPrefix(), ':b': lo, ':status': 'status' },
      ScanIndexForward: false,
      Limit: 25,
    }, 1),
    queryAll('flips within', {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      FilterExpression: '#c = :status',
      ExpressionAttributeNames: { '#c': 'condition' },
      ExpressionAttributeValues: { ':pk': pk, ':a': lo, ':b': hi, ':status': 'status' },
    }),
  ]);
  return { statusBefore: before[0] ? (before[0].to as string) : undefined, flips: within.map(toFlip) };
}

async function queryAll(what: string, input: Omit<ConstructorParameters<typeof QueryCommand>[0], 'TableName'>, want = Infinity): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await guard(what, () => documentClient().send(new QueryCommand({ ...input, TableName: tableName(), ExclusiveStartKey: start })));
    out.push(...((r.Items ?? []) as Array<Record<string, unknown>>));
    start = r.LastEvaluatedKey;
  } while (start && out.length < want);
  return out;
}

/** `SET a = :a, … REMOVE b, …` for the given attributes (undefined values are removed). */
export function updateOf(attrs: Record<string, unknown>, extraValues: Record<string, unknown> = {}) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...extraValues };
  const sets: string[] = [];
  const removes: string[] = [];
  Object.entries(attrs).forEach(([k, v], i) => {
    names[`#a${i}`] = k;
    if (v === undefined) removes.push(`#a${i}`);
    else {
      sets.push(`#a${i} = :a${i}`);
      values[`:a${i}`] = v;
    }
  });
  return {
    UpdateExpression: [sets.length ? `SET ${sets.join(', ')}` : '', removes.length ? `REMOVE ${removes.join(', ')}` : ''].filter(Boolean).join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

const ITEM_KEYS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'expiresAt']);

export function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!ITEM_KEYS.has(k)) out[k] = v;
  return out;
}

/** Apply a PATCH body to a stored definition: null removes a field, version is not a field. */
export function mergePatch(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'version') continue;
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/**
 * Definitions (probes or jobs) listed through gsi1 `<listPk>` / `<service>#<id>`: optionally
 * one service's, with attribute = value filters and an opaque cursor.
 */
export async function listDefinitionsPage<T>(q: {
  what: string;
  listPk: string;
  service?: string;
  filters: Record<string, string | undefined>;
  limit: number;
  cursor?: string;
  map: (item: Record<string, unknown>) => T;
}): Promise<Page<T>> {
  const start = decodeCursor(q.cursor);
  if (start && (typeof start.pk !== 'string' || typeof start.gsi1pk !== 'string')) throw invalidCursor();
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':pk': q.listPk };
  for (const [attr, v] of Object.entries(q.filters)) {
    if (v === undefined) continue;
    filters.push(`#${attr} = :${attr}`);
    names[`#${attr}`] = attr;
    values[`:${attr}`] = v;
  }
  if (q.service) values[':svc'] = `${q.service}#`;
  const r = await guard(q.what, () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: q.service ? 'gsi1pk = :pk AND begins_with(gsi1sk, :svc)' : 'gsi1pk = :pk',
        FilterExpression: filters.length ? filters.join(' AND ') : undefined,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        Limit: q.limit,
        ExclusiveStartKey: start,
      }),
    ),
  );
  return { items: (r.Items ?? []).map(q.map), nextCursor: encodeCursor(r.LastEvaluatedKey) };
}

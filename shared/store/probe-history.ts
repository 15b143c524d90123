// What service probes and monitored jobs share in the table: the flip history (one item per
// status / certificate / error-level change, kept 400 days for availability reports, and the
// outbox source of the `nocturne.probes` events) and a builder for attribute-wise updates.
import type { Flip } from '../domain/probes/probe-state';
import { probeKeys, PROBE_ENTITY } from './keys';
import type { Page } from './pagination';
import { queryAll, queryPage } from './query';

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

export function flipItem(
  kind: 'probe' | 'job',
  id: string,
  revision: number,
  flip: Flip | (Omit<Flip, 'condition'> & { condition: 'deleted' }),
  labels: SubjectLabels,
) {
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
export async function listFlips(
  kind: 'probe' | 'job',
  id: string,
  limit: number,
  cursor?: string,
): Promise<Page<StoredFlip>> {
  const pk = probeKeys.flip(kind, id, '', 0, '').pk;
  const page = await queryPage({
    what: 'list flips',
    pk,
    skPrefix: probeKeys.flipPrefix(),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: page.items.map(toFlip), nextCursor: page.nextCursor };
}

/** Status flips decided in [from, to), oldest first, and the status before `from`. */
export async function statusFlipsBetween(
  kind: 'probe' | 'job',
  id: string,
  from: Date,
  to: Date,
): Promise<{ statusBefore?: string; flips: StoredFlip[] }> {
  const pk = probeKeys.flip(kind, id, '', 0, '').pk;
  const lo = `${probeKeys.flipPrefix()}${from.toISOString()}`;
  const hi = `${probeKeys.flipPrefix()}${to.toISOString()}`;
  const statusOnly = { expression: '#c = :status', names: { '#c': 'condition' }, values: { ':status': 'status' } };
  const [before, within] = await Promise.all([
    queryAll({
      what: 'flips before',
      pk,
      skBetween: [probeKeys.flipPrefix(), lo],
      filter: statusOnly,
      newestFirst: true,
      pageSize: 25,
      max: 1,
    }),
    queryAll({ what: 'flips within', pk, skBetween: [lo, hi], filter: statusOnly }),
  ]);
  return { statusBefore: before[0] ? (before[0].to as string) : undefined, flips: within.map(toFlip) };
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
    UpdateExpression: [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

const ITEM_KEYS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'expiresAt']);

/** A stored item as the value it holds: keys and bookkeeping off (the one place the item is typed). */
export function withoutKeys<T = Record<string, unknown>>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!ITEM_KEYS.has(k)) out[k] = v;
  return out as T;
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
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [attr, v] of Object.entries(q.filters)) {
    if (v === undefined) continue;
    filters.push(`#${attr} = :${attr}`);
    names[`#${attr}`] = attr;
    values[`:${attr}`] = v;
  }
  const page = await queryPage({
    what: q.what,
    index: 'gsi1',
    pk: q.listPk,
    skPrefix: q.service ? `${q.service}#` : undefined,
    filter: filters.length ? { expression: filters.join(' AND '), names, values } : undefined,
    limit: q.limit,
    cursor: q.cursor,
  });
  return { items: page.items.map(q.map), nextCursor: page.nextCursor };
}

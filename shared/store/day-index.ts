// Time-ordered lists partitioned by UTC day on gsi2 (`<PREFIX>#<yyyy-mm-dd>` / `<iso>#<id>`), or on
// the keys-only gsi4 (alerts, incidents: read by key after the index names them, filtered then):
// writes spread over days, and a list walks back day by day from `to` to `from`, newest first,
// with equality filters and an opaque cursor.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, tableName } from './client';
import { dayOf } from './keys';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';
import { getItems } from './query';

const MAX_QUERIES_PER_PAGE = 40;

interface DayCursor {
  day: string;
  key?: Record<string, unknown>;
}

export interface DayQuery<T> {
  what: string;
  partition: (day: string) => string;
  from: Date;
  to: Date;
  limit: number;
  cursor?: string;
  /** Attribute = value filters; undefined values are ignored. */
  filters: Record<string, string | undefined>;
  map: (item: Record<string, unknown>) => T;
  /** gsi2 (default, projects all attributes) or gsi4 (keys only: the items are read by key). */
  index?: 'gsi2' | 'gsi4';
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
}

export async function listByDay<T>(q: DayQuery<T>): Promise<Page<T>> {
  const index = q.index ?? 'gsi2';
  const keysOnly = index === 'gsi4';
  const start = decodeCursor<DayCursor>(q.cursor);
  if (
    start &&
    (typeof start.day !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(start.day) ||
      (start.key !== undefined && typeof start.key[`${index}pk`] !== 'string'))
  )
    throw invalidCursor();
  const fromIso = q.from.toISOString();
  const toIso = q.to.toISOString();
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(q.filters)) {
    if (v === undefined) continue;
    filters.push(`#${field} = :${field}`);
    names[`#${field}`] = field;
    values[`:${field}`] = v;
  }
  let day = start?.day ?? dayOf(toIso);
  let exclusiveStart = start?.key;
  const items: T[] = [];
  for (let queries = 0; queries < MAX_QUERIES_PER_PAGE; queries++) {
    if (day < dayOf(fromIso)) return { items };
    // A keys-only index holds no attribute to filter on: the items are read, then filtered here.
    const filtered = filters.length > 0 && !keysOnly;
    const r = await guard(q.what, () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: index,
          KeyConditionExpression: `${index}pk = :day AND ${index}sk BETWEEN :from AND :to`,
          FilterExpression: filtered ? filters.join(' AND ') : undefined,
          ExpressionAttributeNames: filtered ? names : undefined,
          ExpressionAttributeValues: {
            ':day': q.partition(day),
            ':from': fromIso,
            ':to': `${toIso}~`,
            ...(filtered ? values : {}),
          },
          ScanIndexForward: false,
          Limit: Math.max(q.limit, 25),
          ExclusiveStartKey: exclusiveStart,
        }),
      ),
    );
    const entries = r.Items ?? [];
    const full = keysOnly ? await getItems(q.what, entries) : entries;
    const byKey = new Map(full.map((i) => [`${String(i.pk)}\u0000${String(i.sk)}`, i]));
    for (const entry of entries) {
      const raw = keysOnly ? byKey.get(`${String(entry.pk)}\u0000${String(entry.sk)}`) : entry;
      if (!raw || (keysOnly && !matches(raw, q.filters))) continue;
      items.push(q.map(raw));
      if (items.length === q.limit) {
        const key = {
          pk: entry.pk,
          sk: entry.sk,
          [`${index}pk`]: entry[`${index}pk`],
          [`${index}sk`]: entry[`${index}sk`],
        };
        return { items, nextCursor: encodeCursor({ day, key } satisfies DayCursor) };
      }
    }
    if (r.LastEvaluatedKey) exclusiveStart = r.LastEvaluatedKey;
    else {
      day = previousDay(day);
      exclusiveStart = undefined;
    }
  }
  return { items, nextCursor: encodeCursor({ day, key: exclusiveStart } satisfies DayCursor) };
}

function matches(item: Record<string, unknown>, filters: Record<string, string | undefined>): boolean {
  return Object.entries(filters).every(([field, v]) => v === undefined || item[field] === v);
}

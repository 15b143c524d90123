// Time-ordered lists partitioned by UTC day on gsi2 (`<PREFIX>#<yyyy-mm-dd>` / `<iso>#<id>`):
// writes spread over days, and a list walks back day by day from `to` to `from`, newest first,
// with equality filters and an opaque cursor.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, tableName } from './client';
import { dayOf } from './keys';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

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
}

function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
}

export async function listByDay<T>(q: DayQuery<T>): Promise<Page<T>> {
  const start = decodeCursor<DayCursor>(q.cursor);
  if (
    start &&
    (typeof start.day !== 'string' ||
      !/^\d{4}-\d{2}-\d{2}$/.test(start.day) ||
      (start.key !== undefined && typeof start.key.gsi2pk !== 'string'))
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
    const r = await guard(q.what, () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :day AND gsi2sk BETWEEN :from AND :to',
          FilterExpression: filters.length ? filters.join(' AND ') : undefined,
          ExpressionAttributeNames: filters.length ? names : undefined,
          ExpressionAttributeValues: { ':day': q.partition(day), ':from': fromIso, ':to': `${toIso}~`, ...values },
          ScanIndexForward: false,
          Limit: Math.max(q.limit, 25),
          ExclusiveStartKey: exclusiveStart,
        }),
      ),
    );
    for (const raw of r.Items ?? []) {
      items.push(q.map(raw));
      if (items.length === q.limit) {
        const key = { pk: raw.pk, sk: raw.sk, gsi2pk: raw.gsi2pk, gsi2sk: raw.gsi2sk };
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

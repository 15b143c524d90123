// Reading one partition, written once: a partition key, optionally a sort-key prefix (sort-key
// prefixes are in ./keys.ts), on the table or one of its indexes, oldest or newest first, either
// a page (limit + opaque cursor) or everything (up to a bound).
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, tableName } from './client';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

export type Item = Record<string, unknown>;

export interface PartitionQuery {
  /** What the read is for, in the store's error and log messages. */
  what: string;
  /** The partition: pk on the table, gsiNpk on an index. */
  pk: string;
  /** Only items whose sort key begins with this. */
  skPrefix?: string;
  /** Only items whose sort key lies between these two (inclusive); not with skPrefix. */
  skBetween?: [string, string];
  index?: 'gsi1' | 'gsi2';
  newestFirst?: boolean;
  consistentRead?: boolean;
  /** A filter applied after the key condition (a page may then hold fewer than `limit` items). */
  filter?: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> };
  projection?: string;
  /** Attribute names the projection uses (e.g. `#status` for a reserved word). */
  projectionNames?: Record<string, string>;
}

function inputOf(q: PartitionQuery): QueryCommandInput {
  const pkName = q.index ? `${q.index}pk` : 'pk';
  const skName = q.index ? `${q.index}sk` : 'sk';
  const values: Record<string, unknown> = { ':pk': q.pk, ...(q.filter?.values ?? {}) };
  const names = { ...(q.filter?.names ?? {}), ...(q.projectionNames ?? {}) };
  let condition = `${pkName} = :pk`;
  if (q.skPrefix !== undefined) {
    condition += ` AND begins_with(${skName}, :skPrefix)`;
    values[':skPrefix'] = q.skPrefix;
  } else if (q.skBetween) {
    condition += ` AND ${skName} BETWEEN :skFrom AND :skTo`;
    values[':skFrom'] = q.skBetween[0];
    values[':skTo'] = q.skBetween[1];
  }
  return {
    TableName: tableName(),
    IndexName: q.index,
    KeyConditionExpression: condition,
    FilterExpression: q.filter?.expression,
    ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
    ExpressionAttributeValues: values,
    ProjectionExpression: q.projection,
    ScanIndexForward: q.newestFirst ? false : undefined,
    ConsistentRead: q.consistentRead,
  };
}

/** A cursor is a LastEvaluatedKey: the table's key, plus the index's partition key on an index. */
function startKeyOf(q: PartitionQuery, cursor: string | undefined): Item | undefined {
  const start = decodeCursor(cursor);
  if (!start) return undefined;
  const required = q.index ? ['pk', 'sk', `${q.index}pk`] : ['pk', 'sk'];
  if (required.some((k) => typeof start[k] !== 'string')) throw invalidCursor();
  return start;
}

/** One page: at most `limit` items and the cursor of the next page, if there is one. */
export async function queryPage(q: PartitionQuery & { limit: number; cursor?: string }): Promise<Page<Item>> {
  const ExclusiveStartKey = startKeyOf(q, q.cursor);
  const r = await guard(q.what, () =>
    documentClient().send(new QueryCommand({ ...inputOf(q), Limit: q.limit, ExclusiveStartKey })),
  );
  return { items: r.Items ?? [], nextCursor: encodeCursor(r.LastEvaluatedKey) };
}

/**
 * Every item of the partition (following DynamoDB's pages), stopping once `max` are read;
 * `pageSize` bounds each read (useful with a filter when only the first match is wanted).
 */
export async function queryAll(q: PartitionQuery & { max?: number; pageSize?: number }): Promise<Item[]> {
  const out: Item[] = [];
  const max = q.max ?? Infinity;
  let ExclusiveStartKey: Item | undefined;
  do {
    const r = await guard(q.what, () =>
      documentClient().send(new QueryCommand({ ...inputOf(q), Limit: q.pageSize, ExclusiveStartKey })),
    );
    out.push(...(r.Items ?? []));
    ExclusiveStartKey = r.LastEvaluatedKey;
  } while (ExclusiveStartKey && out.length < max);
  return out;
}

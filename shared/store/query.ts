// Reading one partition, written once: a partition key, optionally a sort-key prefix (sort-key
// prefixes are in ./keys.ts), on the table or one of its indexes, oldest or newest first, either
// a page (limit + opaque cursor) or everything (up to a bound).
import { BatchGetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, tableName } from './client';
import { StoreUnavailableError } from './errors';
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
  /** gsi3 and gsi4 are keys only: follow the query with getItems. */
  index?: 'gsi1' | 'gsi2' | 'gsi3' | 'gsi4';
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

/**
 * The items under these table keys (`pk`, `sk`), read consistently in batches of 100, in the order
 * asked; keys with no item (deleted since an index listed them) are left out. What a query on a
 * keys-only index (gsi3, gsi4) is followed by.
 */
export async function getItems(what: string, keys: Item[]): Promise<Item[]> {
  const id = (k: Item) => `${String(k.pk)}\u0000${String(k.sk)}`;
  const found = new Map<string, Item>();
  const unique = [...new Map(keys.map((k) => [id(k), { pk: k.pk, sk: k.sk }])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Item[] | undefined = unique.slice(i, i + 100);
    for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
      const request: Item[] = pending;
      const r = await guard(what, () =>
        documentClient().send(
          new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request, ConsistentRead: true } } }),
        ),
      );
      for (const item of r.Responses?.[tableName()] ?? []) found.set(id(item), item);
      pending = r.UnprocessedKeys?.[tableName()]?.Keys as Item[] | undefined;
    }
    if (pending?.length) throw new StoreUnavailableError(`${what}: ${pending.length} items left unread by DynamoDB`);
  }
  return keys.map((k) => found.get(id(k))).filter((x): x is Item => x !== undefined);
}

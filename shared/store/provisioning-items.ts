// Small DynamoDB helpers the provisioning stores share (catalog, customers): items carry their
// keys and type next to the value; `strip` takes the keys off again.
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'expiresAt']);

export function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.has(k)) out[k] = v;
  return out as T;
}

type Keys = { pk: string; sk: string } & Record<string, string>;

/** Put a new item; an existing one with the same key is a ConflictError. */
export async function putNew<T extends object>(what: string, keys: Keys, type: string, value: T): Promise<T> {
  try {
    await guard(`create ${what}`, () =>
      documentClient().send(
        new PutCommand({ TableName: tableName(), Item: { ...keys, type, ...value }, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new ConflictError(`A ${what} with this id already exists.`);
    throw err;
  }
  return value;
}

export async function getItem<T>(what: string, key: { pk: string; sk: string }, consistent = false): Promise<T | undefined> {
  const r = await guard(`get ${what}`, () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: key, ConsistentRead: consistent })),
  );
  return r.Item ? strip<T>(r.Item) : undefined;
}

export async function requireItem<T>(what: string, id: string, key: { pk: string; sk: string }): Promise<T> {
  const v = await getItem<T>(what, key);
  if (!v) throw new NotFoundError(`No ${what} with id ${id}.`);
  return v;
}

/** One page of a gsi1 partition, optionally narrowed by a sort-key prefix and a filter on one attribute. */
export async function listGsi1<T>(
  what: string,
  gsi1pk: string,
  opts: { limit: number; cursor?: string; prefix?: string; filter?: { attribute: string; value: string } },
): Promise<Page<T>> {
  const start = decodeCursor(opts.cursor);
  if (start && start.gsi1pk !== gsi1pk) throw invalidCursor();
  const values: Record<string, unknown> = { ':pk': gsi1pk };
  let condition = 'gsi1pk = :pk';
  if (opts.prefix) {
    condition += ' AND begins_with(gsi1sk, :prefix)';
    values[':prefix'] = opts.prefix;
  }
  if (opts.filter) values[':f'] = opts.filter.value;
  const r = await guard(`list ${what}s`, () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: condition,
        FilterExpression: opts.filter ? '#f = :f' : undefined,
        ExpressionAttributeNames: opts.filter ? { '#f': opts.filter.attribute } : undefined,
        ExpressionAttributeValues: values,
        Limit: opts.limit,
        ExclusiveStartKey: start,
      }),
    ),
  );
  return { items: (r.Items ?? []).map((i) => strip<T>(i)), nextCursor: encodeCursor(r.LastEvaluatedKey) };
}

/** Apply a patch at an expected version (optimistic lock); null removes an attribute. */
export async function updateVersioned<T>(
  what: string,
  id: string,
  key: { pk: string; sk: string },
  patch: Record<string, unknown>,
  now: string,
  expectedVersion: number,
): Promise<T> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': now, ':one': 1, ':expected': expectedVersion };
  const sets = ['updatedAt = :now', 'version = version + :one'];
  const removes: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    if (v === null) removes.push(`#${k}`);
    else {
      sets.push(`#${k} = :${k}`);
      values[`:${k}`] = v;
    }
  }
  try {
    const r = await guard(`update ${what}`, () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND version = :expected',
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return strip<T>(r.Attributes!);
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    if (!(err as { Item?: unknown }).Item) throw new NotFoundError(`No ${what} with id ${id}.`);
    throw new ConflictError(`The ${what} ${id} changed since version ${expectedVersion}; reload it and apply your change again.`);
  }
}

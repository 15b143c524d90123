// Small DynamoDB helpers the provisioning stores share (catalog, customers): items carry their
// keys and type next to the value; `strip` takes the keys off again.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { decodeCursor, invalidCursor, type Page } from './pagination';
import { queryPage } from './query';
import { updateVersioned as updateVersionedItem } from './versioned';

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
        new PutCommand({
          TableName: tableName(),
          Item: { ...keys, type, ...value },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new ConflictError(`A ${what} with this id already exists.`);
    throw err;
  }
  return value;
}

export async function getItem<T>(
  what: string,
  key: { pk: string; sk: string },
  consistent = false,
): Promise<T | undefined> {
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
  const page = await queryPage({
    what: `list ${what}s`,
    index: 'gsi1',
    pk: gsi1pk,
    skPrefix: opts.prefix || undefined,
    filter: opts.filter
      ? { expression: '#f = :f', names: { '#f': opts.filter.attribute }, values: { ':f': opts.filter.value } }
      : undefined,
    limit: opts.limit,
    cursor: opts.cursor,
  });
  return { items: page.items.map((i) => strip<T>(i)), nextCursor: page.nextCursor };
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
  const item = await updateVersionedItem({
    what: `update ${what}`,
    key,
    patch,
    now,
    expectedVersion,
    missing: () => new NotFoundError(`No ${what} with id ${id}.`),
    stale: () =>
      new ConflictError(
        `The ${what} ${id} changed since version ${expectedVersion}; reload it and apply your change again.`,
      ),
  });
  return strip<T>(item);
}

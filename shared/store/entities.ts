// Generic storage for small configuration entities (teams, services, silences, users, ...):
// one item each under `<TYPE>#<id>`, listed through gsi1 `<TYPE>S`, versioned with optimistic
// locking. Entities with richer access patterns get their own store module.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { entityKeys } from './keys';
import type { Page } from './pagination';
import { queryPage } from './query';
import { updateVersioned } from './versioned';

export interface Versioned {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const META = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type'];

export interface EntityStore<T extends Versioned> {
  create(value: Omit<T, 'version' | 'createdAt' | 'updatedAt'>, now: string): Promise<T>;
  get(id: string): Promise<T | undefined>;
  require(id: string): Promise<T>;
  list(limit: number, cursor?: string): Promise<Page<T>>;
  all(): Promise<T[]>;
  /** Apply a patch; `expectedVersion` (when given) must match or a ConflictError is thrown. */
  update(
    id: string,
    /** null removes an attribute. */
    patch: { [K in keyof Omit<T, 'id' | 'version' | 'createdAt' | 'updatedAt'>]?: T[K] | null },
    now: string,
    expectedVersion?: number,
  ): Promise<T>;
  remove(id: string, expectedVersion?: number): Promise<void>;
}

export function entityStore<T extends Versioned>(type: string, label: string): EntityStore<T> {
  const key = (id: string) => entityKeys.entity(type, id);
  const strip = (item: Record<string, unknown>) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) if (!META.includes(k)) out[k] = v;
    return out as unknown as T;
  };
  const notFound = (id: string) => new NotFoundError(`No ${label} with id ${id}.`);

  const store: EntityStore<T> = {
    async create(value, now) {
      const entity = { ...value, version: 1, createdAt: now, updatedAt: now } as T;
      try {
        await guard(`create ${label}`, () =>
          documentClient().send(
            new PutCommand({
              TableName: tableName(),
              Item: { ...key(entity.id), gsi1pk: entityKeys.list(type), gsi1sk: entity.id, type, ...entity },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        );
      } catch (err) {
        if (isConditionalCheckFailed(err)) throw new ConflictError(`A ${label} with id ${entity.id} already exists.`);
        throw err;
      }
      return entity;
    },
    async get(id) {
      const r = await guard(`get ${label}`, () =>
        documentClient().send(new GetCommand({ TableName: tableName(), Key: key(id) })),
      );
      return r.Item ? strip(r.Item) : undefined;
    },
    async require(id) {
      const e = await store.get(id);
      if (!e) throw notFound(id);
      return e;
    },
    async list(limit, cursor) {
      const page = await queryPage({ what: `list ${label}s`, index: 'gsi1', pk: entityKeys.list(type), limit, cursor });
      return { items: page.items.map(strip), nextCursor: page.nextCursor };
    },
    async all() {
      const out: T[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list(500, cursor);
        out.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
    async update(id, patch, now, expectedVersion) {
      const item = await updateVersioned({
        what: `update ${label}`,
        key: key(id),
        patch,
        now,
        expectedVersion,
        missing: () => notFound(id),
        stale: () =>
          new ConflictError(
            `The ${label} ${id} changed since version ${expectedVersion}; reload it and apply your change again.`,
          ),
      });
      return strip(item);
    },
    async remove(id, expectedVersion) {
      try {
        await guard(`delete ${label}`, () =>
          documentClient().send(
            new DeleteCommand({
              TableName: tableName(),
              Key: key(id),
              ConditionExpression:
                expectedVersion === undefined ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND version = :v',
              ExpressionAttributeValues: expectedVersion === undefined ? undefined : { ':v': expectedVersion },
            }),
          ),
        );
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        if (!(await store.get(id))) throw notFound(id);
        throw new ConflictError(
          `The ${label} ${id} changed since version ${expectedVersion}; reload it and try again.`,
        );
      }
    },
  };
  return store;
}

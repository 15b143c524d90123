// Integration items and their token pointers (token hash → integration, for /v2/enqueue).
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import {
  hashToken,
  tokenHint,
  type CreateIntegration,
  type Integration,
  type UpdateIntegration,
} from '../domain/integration';
import { cachedByKey } from './cached';
import { documentClient, guard, isTransactionConflict, cancellationCodes, tableName } from './client';
import { ENTITY, keys } from './keys';
import type { Page } from './pagination';
import { queryPage } from './query';
import { updateVersioned } from './versioned';

const tokenKey = (hash: string) => ({ pk: `TOKEN#${hash}`, sk: 'TOKEN' });

function toIntegration(item: Record<string, unknown>): Integration {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g2,
    type: _t,
    sourceType,
    ...rest
  } = item as Record<string, unknown> & {
    sourceType: Integration['type'];
  };
  return { ...(rest as Omit<Integration, 'type'>), type: sourceType };
}

function toItem(i: Integration): Record<string, unknown> {
  const { type, ...rest } = i;
  return {
    ...keys.integration(i.id),
    ...keys.integrationList(),
    gsi1sk: i.id,
    type: ENTITY.integration,
    sourceType: type,
    ...rest,
  };
}

export async function createIntegration(
  input: CreateIntegration & { id: string },
  token: string,
  now: string,
): Promise<Integration> {
  const integration: Integration = {
    id: input.id,
    type: input.type,
    name: input.name,
    service: input.service,
    enabled: input.enabled,
    allowedTopicArns: input.allowedTopicArns,
    tokenHash: hashToken(token),
    tokenHint: tokenHint(token),
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    await guard('create integration', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: toItem(integration),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...tokenKey(integration.tokenHash), type: 'IntegrationToken', integrationId: integration.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err)[0] === 'ConditionalCheckFailed')
      throw new ConflictError(`An integration with id ${input.id} already exists.`);
    throw err;
  }
  return integration;
}

export async function getIntegration(id: string): Promise<Integration | undefined> {
  const r = await guard('get integration', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.integration(id) })),
  );
  return r.Item ? toIntegration(r.Item) : undefined;
}

/**
 * How long a warm container trusts what it read of an integration for a webhook it ACCEPTS (its
 * token hash, `enabled`, type, service): a rotated, disabled or deleted integration's old token
 * keeps working in a container that read it until then (decision 0001, addendum on the integration
 * read). A refusal is always decided on a fresh read.
 */
export const INTEGRATION_CACHE_TTL_MS = 5000;

// Keyed by table and id (or token hash): tests give a file a table of its own.
const afterTable = (key: string) => key.slice(key.indexOf('|') + 1);
const byId = cachedByKey(INTEGRATION_CACHE_TTL_MS, (key) => getIntegration(afterTable(key)));
const byTokenHash = cachedByKey(INTEGRATION_CACHE_TTL_MS, (key) => integrationByTokenHash(afterTable(key)));

/**
 * getIntegration for the webhook path, through the per-container cache (INTEGRATION_CACHE_TTL_MS,
 * measured on `nowMs`, the request's clock). `accepts`: whether the request would be served with
 * this integration; a cached one it refuses (disabled, another token) is read again and the store's
 * answer is returned, so a token rotated or an integration enabled a moment ago elsewhere works at
 * once. An id the store does not have is read again every time. The result is shared by every
 * caller: read it, never change it.
 */
export function cachedIntegration(
  id: string,
  nowMs: number,
  accepts: (i: Integration) => boolean,
): Promise<Integration | undefined> {
  return byId.get(`${tableName()}|${id}`, nowMs, accepts);
}

/** integrationByToken through the same per-container cache, keyed by the token's hash (`accepts` as above). */
export function cachedIntegrationByToken(
  token: string,
  nowMs: number,
  accepts: (i: Integration) => boolean,
): Promise<Integration | undefined> {
  return byTokenHash.get(`${tableName()}|${hashToken(token)}`, nowMs, accepts);
}

/** Forget every cached integration: the next webhook reads the store, as in a cold container (tests). */
export function clearIntegrationCache(): void {
  byId.clear();
  byTokenHash.clear();
}

/** A write through this module: this process forgets what it cached of integrations, before and after it. */
async function changing<T>(write: () => Promise<T>): Promise<T> {
  clearIntegrationCache();
  try {
    return await write();
  } finally {
    clearIntegrationCache();
  }
}

export async function requireIntegration(id: string): Promise<Integration> {
  const i = await getIntegration(id);
  if (!i) throw new NotFoundError(`No integration with id ${id}.`);
  return i;
}

export function integrationByToken(token: string): Promise<Integration | undefined> {
  return integrationByTokenHash(hashToken(token));
}

async function integrationByTokenHash(hash: string): Promise<Integration | undefined> {
  const r = await guard('find integration by token', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: tokenKey(hash) })),
  );
  const id = r.Item?.integrationId as string | undefined;
  return id ? getIntegration(id) : undefined;
}

export async function listIntegrations(limit: number, cursor?: string): Promise<Page<Integration>> {
  const page = await queryPage({
    what: 'list integrations',
    index: 'gsi1',
    pk: keys.integrationList().gsi1pk,
    limit,
    cursor,
  });
  return { items: page.items.map(toIntegration), nextCursor: page.nextCursor };
}

export function updateIntegration(id: string, patch: UpdateIntegration, now: string): Promise<Integration> {
  return changing(() => writeUpdateIntegration(id, patch, now));
}

async function writeUpdateIntegration(id: string, patch: UpdateIntegration, now: string): Promise<Integration> {
  const item = await updateVersioned({
    what: 'update integration',
    key: keys.integration(id),
    patch: {
      name: patch.name,
      service: patch.service,
      enabled: patch.enabled,
      allowedTopicArns: patch.allowedTopicArns,
    },
    now,
    expectedVersion: patch.version,
    missing: () => new NotFoundError(`No integration with id ${id}.`),
    stale: (old) =>
      new ConflictError(
        `Integration ${id} is at version ${String(old.version)}, not ${String(patch.version)}; reload it and apply your change again.`,
      ),
  });
  return toIntegration(item);
}

export function rotateIntegrationToken(id: string, token: string, now: string): Promise<Integration> {
  return changing(() => writeRotateIntegrationToken(id, token, now));
}

async function writeRotateIntegrationToken(id: string, token: string, now: string): Promise<Integration> {
  const current = await requireIntegration(id);
  const hash = hashToken(token);
  try {
    await guard('rotate integration token', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: keys.integration(id),
                UpdateExpression: 'SET tokenHash = :h, tokenHint = :hint, updatedAt = :now, version = version + :one',
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: {
                  ':h': hash,
                  ':hint': tokenHint(token),
                  ':now': now,
                  ':one': 1,
                  ':v': current.version,
                },
              },
            },
            { Delete: { TableName: tableName(), Key: tokenKey(current.tokenHash) } },
            {
              Put: {
                TableName: tableName(),
                Item: { ...tokenKey(hash), type: 'IntegrationToken', integrationId: id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err))
      throw new ConflictError(`Integration ${id} changed while its token was rotated; try again.`);
    throw err;
  }
  return { ...current, tokenHash: hash, tokenHint: tokenHint(token), updatedAt: now, version: current.version + 1 };
}

export function deleteIntegration(id: string): Promise<void> {
  return changing(() => writeDeleteIntegration(id));
}

async function writeDeleteIntegration(id: string): Promise<void> {
  const current = await requireIntegration(id);
  try {
    await guard('delete integration', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: tableName(),
                Key: keys.integration(id),
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': current.version },
              },
            },
            { Delete: { TableName: tableName(), Key: tokenKey(current.tokenHash) } },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err))
      throw new ConflictError(`Integration ${id} changed while it was being deleted; try again.`);
    throw err;
  }
}

/** Seeding helper for demo data: create or leave as is (never rotates an existing token). */
export async function ensureIntegration(
  input: CreateIntegration & { id: string },
  token: string,
  now: string,
): Promise<Integration> {
  const existing = await getIntegration(input.id);
  if (existing) return existing;
  try {
    return await createIntegration(input, token, now);
  } catch (err) {
    if (err instanceof ConflictError) return requireIntegration(input.id);
    throw err;
  }
}

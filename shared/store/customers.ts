// Realms, organizations, sites, customer users, and customer accounts with their subscriptions
// and services. An account, its subscriptions and its services share one partition
// (CUSTOMER#<id>), so the customer view is one Query. The writes a saga makes are idempotent by
// operation key: each commits, in the same transaction, a PROVOP#<key> item holding its result,
// and a replay with the same key answers that result without writing again.
import {
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type {
  Customer,
  CustomerService,
  CustomerUser,
  Organization,
  Realm,
  Site,
  Subscription,
} from '../domain/provisioning/customers';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
} from './client';
import { customerTicketKey, PROVISIONING_ENTITY as E, provisioningKeys as k } from './keys';
import type { Page } from './pagination';
import { getItem, listGsi1, putNew, requireItem, strip } from './provisioning-items';

/** How long a used operation key is remembered (a saga retries within minutes; redrive within days). */
export const OPERATION_KEY_TTL_DAYS = 35;

export interface OperationContext {
  /** The caller's idempotency key for this one change (e.g. `<executionId>:<state>`). */
  operationKey: string;
  now: string;
}

// ---- realms → organizations → sites → users -------------------------------------------------

export function createRealm(r: Omit<Realm, 'version' | 'createdAt' | 'updatedAt'>, now: string): Promise<Realm> {
  const v: Realm = { ...r, version: 1, createdAt: now, updatedAt: now };
  return putNew('realm', { ...k.realm(r.id), ...k.realmList(r.id) }, E.realm, v);
}
export const getRealm = (id: string) => getItem<Realm>('realm', k.realm(id));
export const requireRealm = (id: string) => requireItem<Realm>('realm', id, k.realm(id));
export const listRealms = (limit: number, cursor?: string) => listGsi1<Realm>('realm', 'REALMS', { limit, cursor });

export function createOrganization(
  o: Omit<Organization, 'version' | 'createdAt' | 'updatedAt'>,
  now: string,
): Promise<Organization> {
  const v: Organization = { ...o, version: 1, createdAt: now, updatedAt: now };
  return putNew('organization', { ...k.organization(o.id), ...k.organizationList(o.realmId, o.id) }, E.organization, v);
}
export const getOrganization = (id: string) => getItem<Organization>('organization', k.organization(id));
export const requireOrganization = (id: string) => requireItem<Organization>('organization', id, k.organization(id));
export const listOrganizations = (realmId: string, limit: number, cursor?: string) =>
  listGsi1<Organization>('organization', `REALMORGS#${realmId}`, { limit, cursor });

export function createSite(s: Omit<Site, 'version' | 'createdAt' | 'updatedAt'>, now: string): Promise<Site> {
  const v: Site = { ...s, version: 1, createdAt: now, updatedAt: now };
  return putNew('site', { ...k.site(s.id), ...k.siteList(s.organizationId, s.id) }, E.site, v);
}
export const getSite = (id: string) => getItem<Site>('site', k.site(id));
export const listSites = (organizationId: string, limit: number, cursor?: string) =>
  listGsi1<Site>('site', `ORGSITES#${organizationId}`, { limit, cursor });

export function createCustomerUser(
  u: Omit<CustomerUser, 'version' | 'createdAt' | 'updatedAt'>,
  now: string,
): Promise<CustomerUser> {
  const v: CustomerUser = { ...u, version: 1, createdAt: now, updatedAt: now };
  return putNew(
    'customer user',
    { ...k.customerUser(u.id), ...k.customerUserList(u.organizationId, u.id) },
    E.customerUser,
    v,
  );
}
export const getCustomerUser = (id: string) => getItem<CustomerUser>('customer user', k.customerUser(id));
export const listCustomerUsers = (organizationId: string, limit: number, cursor?: string) =>
  listGsi1<CustomerUser>('customer user', `ORGUSERS#${organizationId}`, { limit, cursor });

// ---- operation keys ---------------------------------------------------------------------------

interface OperationRecord {
  operation: string;
  result: unknown;
  at: string;
}

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** The operation key was used before for a different operation: a caller bug, never retried. */
export class OperationKeyReusedError extends ConflictError {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'OperationKeyReusedError' });
  }
}

function operationItem(ctx: OperationContext, operation: string, result: unknown): TransactItem {
  const expiresAt = Math.floor(Date.parse(ctx.now) / 1000) + OPERATION_KEY_TTL_DAYS * 86400;
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...k.operation(ctx.operationKey),
        type: E.operation,
        operation,
        result,
        at: ctx.now,
        expiresAt,
      } as Record<string, NativeAttributeValue>,
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

async function previousResult<T>(ctx: OperationContext, operation: string): Promise<{ result: T } | undefined> {
  const rec = await getItem<OperationRecord>('operation', k.operation(ctx.operationKey), true);
  if (!rec) return undefined;
  if (rec.operation !== operation)
    throw new OperationKeyReusedError(
      `Operation key ${ctx.operationKey} was already used for ${rec.operation}, not ${operation}.`,
    );
  return { result: rec.result as T };
}

/**
 * Commit `writes` and the operation record together. A replay answers the first result; a failed
 * condition on one of `writes` goes to `onConflict` (index of the write) to become a domain error.
 * No read first: the operation record's own condition (attribute_not_exists) makes a replay fail the
 * transaction, and only then is the first result read (one request per operation, not two).
 */
async function commitOnce<T>(
  ctx: OperationContext,
  operation: string,
  writes: TransactItem[],
  result: T,
  onConflict: (index: number) => Error,
): Promise<T> {
  try {
    await guard(operation, () =>
      documentClient().send(
        new TransactWriteCommand({ TransactItems: [...writes, operationItem(ctx, operation, result)] }),
      ),
    );
    return result;
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    const codes = cancellationCodes(err);
    // A replay: the operation record exists (DynamoDB need not name every failed condition, so any
    // failed condition looks for it before it becomes a domain error).
    if (codes.includes('ConditionalCheckFailed')) {
      const again = await previousResult<T>(ctx, operation);
      if (again) return again.result;
    }
    const failed = codes.findIndex((c, i) => i < writes.length && c === 'ConditionalCheckFailed');
    if (failed >= 0) throw onConflict(failed);
    throw err;
  }
}

const put = (
  keys: Record<string, string>,
  type: string,
  value: object,
  condition = 'attribute_not_exists(pk)',
): TransactItem => ({
  Put: { TableName: tableName(), Item: { ...keys, type, ...value }, ConditionExpression: condition },
});

// ---- customer accounts --------------------------------------------------------------------------

export type NewCustomer = Omit<Customer, 'version' | 'createdAt' | 'updatedAt' | 'status' | 'finalBill'>;

const newCustomerRecord = (c: NewCustomer, ctx: OperationContext): Customer => ({
  ...c,
  status: 'active',
  version: 1,
  createdAt: ctx.now,
  updatedAt: ctx.now,
});

export async function createCustomer(c: NewCustomer, ctx: OperationContext): Promise<Customer> {
  const customer = newCustomerRecord(c, ctx);
  return commitOnce(
    ctx,
    'createCustomer',
    [put({ ...k.customer(c.id), ...k.customerList(c.realmId, c.organizationId, c.id) }, E.customer, customer)],
    customer,
    () => new ConflictError(`A customer with id ${c.id} already exists.`),
  );
}

export const getCustomer = (id: string) => getItem<Customer>('customer', k.customer(id));
export const requireCustomer = (id: string) => requireItem<Customer>('customer', id, k.customer(id));

export function listCustomers(
  realmId: string,
  q: { organizationId?: string; limit: number; cursor?: string },
): Promise<Page<Customer>> {
  return listGsi1<Customer>('customer', `REALMCUSTOMERS#${realmId}`, {
    limit: q.limit,
    cursor: q.cursor,
    prefix: q.organizationId ? `${q.organizationId}#` : undefined,
  });
}

/** Everything in the customer's partition: the account, its subscriptions and its services. */
export interface CustomerPartition {
  customer?: Customer;
  subscriptions: Subscription[];
  services: CustomerService[];
  /** Tickets linked to the account (newest last by id). */
  ticketIds: string[];
}

export async function customerPartition(id: string, consistent = false): Promise<CustomerPartition> {
  const out: CustomerPartition = { subscriptions: [], services: [], ticketIds: [] };
  let start: Record<string, unknown> | undefined;
  do {
    const r = await guard('read customer', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': k.customerPartition(id) },
          ExclusiveStartKey: start,
          ConsistentRead: consistent || undefined,
        }),
      ),
    );
    for (const item of r.Items ?? []) {
      if (item.type === E.customer) out.customer = strip<Customer>(item);
      else if (item.type === E.subscription) out.subscriptions.push(strip<Subscription>(item));
      else if (item.type === E.service) out.services.push(strip<CustomerService>(item));
      else if (item.type === E.ticketLink) out.ticketIds.push(String(item.ticketId));
    }
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Close the account (after every service is terminated); `finalBill` tells billing to send one. */
export async function closeCustomer(id: string, finalBill: boolean, ctx: OperationContext): Promise<Customer> {
  const before = await previousResult<Customer>(ctx, 'closeCustomer');
  if (before) return before.result;
  const current = await requireCustomer(id);
  const closed: Customer = {
    ...current,
    status: 'closed',
    finalBill,
    version: current.version + 1,
    updatedAt: ctx.now,
  };
  return commitOnce(
    ctx,
    'closeCustomer',
    [
      put(
        { ...k.customer(id), ...k.customerList(current.realmId, current.organizationId, id) },
        E.customer,
        closed,
        'version = :v',
      ),
    ].map((w) => ({
      Put: { ...w.Put!, ExpressionAttributeValues: { ':v': current.version } },
    })),
    closed,
    () => new ConflictError(`Customer ${id} changed while it was being closed; retry.`),
  );
}

/** Delete the account with everything under it (compensation of createCustomer). Missing is fine. */
export async function removeCustomer(id: string, ctx: OperationContext): Promise<{ removed: number }> {
  const before = await previousResult<{ removed: number }>(ctx, 'removeCustomer');
  if (before) return before.result;
  const { customer, subscriptions, services, ticketIds } = await customerPartition(id);
  const keys = [
    ...services.map((s) => k.service(id, s.id)),
    ...subscriptions.map((s) => k.subscription(id, s.id)),
    ...ticketIds.map((t) => customerTicketKey(id, t)),
    ...(customer ? [k.customer(id)] : []),
  ];
  for (let i = 0; i < keys.length; i += 25) {
    let pending = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length && attempt < 5; attempt++) {
      const r = await guard('remove customer', () =>
        documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } })),
      );
      pending = (r.UnprocessedItems?.[tableName()] ?? []) as typeof pending;
    }
    if (pending.length) throw new ConflictError(`Customer ${id} could not be removed completely; retry.`);
  }
  return commitOnce(ctx, 'removeCustomer', [], { removed: keys.length }, () => new Error('unreachable'));
}

// ---- subscriptions and services -------------------------------------------------------------

function serviceKeys(s: CustomerService): Record<string, string> {
  return {
    ...k.service(s.customerId, s.id),
    ...k.serviceById(s.id),
    ...(s.platformServiceId ? k.servicesOnPlatform(s.platformServiceId, s.customerId, s.id) : {}),
  };
}

const activeCustomerCheck = (customerId: string): TransactItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: k.customer(customerId),
    ConditionExpression: 'attribute_exists(pk) AND #s = :active',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':active': 'active' },
  },
});

export interface SubscriptionWithServices {
  subscription: Subscription;
  services: CustomerService[];
}

/** Add a subscription and its (inactive) services to an active account, in one transaction. */
export async function addSubscription(
  value: SubscriptionWithServices,
  ctx: OperationContext,
): Promise<SubscriptionWithServices> {
  const { subscription: s, services } = value;
  if (services.length > 50) throw new ConflictError('A subscription has at most 50 services.');
  return commitOnce(
    ctx,
    'addSubscription',
    [
      activeCustomerCheck(s.customerId),
      put(k.subscription(s.customerId, s.id), E.subscription, s),
      ...services.map((svc) => put(serviceKeys(svc), E.service, svc)),
    ],
    value,
    (i) =>
      i === 0
        ? new NotFoundError(`No active customer with id ${s.customerId}.`)
        : new ConflictError(
            i === 1 ? `Subscription ${s.id} already exists.` : `Service ${services[i - 2]!.id} already exists.`,
          ),
  );
}

/**
 * A new customer account and its first subscriptions (with their services) in one transaction, with
 * the record of each operation, as createCustomer and addSubscription one after the other would
 * leave them (each operation key then answers its replay the same). Nothing is written and false is
 * answered when the transaction is refused (any of it exists already: a retry, a replay; or a
 * concurrent writer): the caller then runs them one by one.
 */
export async function createCustomerWithSubscriptions(
  c: NewCustomer,
  ctx: OperationContext,
  subscriptions: Array<{ value: SubscriptionWithServices; ctx: OperationContext }>,
): Promise<boolean> {
  const customer = newCustomerRecord(c, ctx);
  const items: TransactItem[] = [
    put({ ...k.customer(c.id), ...k.customerList(c.realmId, c.organizationId, c.id) }, E.customer, customer),
    operationItem(ctx, 'createCustomer', customer),
  ];
  for (const { value, ctx: subCtx } of subscriptions) {
    if (value.subscription.customerId !== c.id) throw new Error('createCustomerWithSubscriptions: another customer');
    items.push(
      put(k.subscription(c.id, value.subscription.id), E.subscription, value.subscription),
      ...value.services.map((svc) => put(serviceKeys(svc), E.service, svc)),
      operationItem(subCtx, 'addSubscription', value),
    );
  }
  if (items.length > 100) return false;
  try {
    await guard('createCustomerWithSubscriptions', () =>
      documentClient().send(new TransactWriteCommand({ TransactItems: items })),
    );
    return true;
  } catch (err) {
    // Something exists already, or a concurrent writer: one by one, each operation decides.
    if (isTransactionConflict(err)) return false;
    throw err;
  }
}

/** Add one service to an existing subscription (e.g. a feature enabled later). */
export async function addService(svc: CustomerService, ctx: OperationContext): Promise<CustomerService> {
  return commitOnce(
    ctx,
    'addService',
    [
      activeCustomerCheck(svc.customerId),
      {
        ConditionCheck: {
          TableName: tableName(),
          Key: k.subscription(svc.customerId, svc.subscriptionId),
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      put(serviceKeys(svc), E.service, svc),
    ],
    svc,
    (i) =>
      i === 0
        ? new NotFoundError(`No active customer with id ${svc.customerId}.`)
        : i === 1
          ? new NotFoundError(`Customer ${svc.customerId} has no subscription ${svc.subscriptionId}.`)
          : new ConflictError(`Service ${svc.id} already exists.`),
  );
}

export async function getService(
  customerId: string,
  serviceId: string,
  consistent = false,
): Promise<CustomerService | undefined> {
  return getItem<CustomerService>('service', k.service(customerId, serviceId), consistent);
}

/** A service by its id alone (gsi1). */
export async function findService(serviceId: string): Promise<CustomerService | undefined> {
  const r = await guard('find service', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': k.serviceById(serviceId).gsi1pk },
        Limit: 1,
      }),
    ),
  );
  const item = r.Items?.[0];
  return item ? strip<CustomerService>(item) : undefined;
}

/** Customer services that run on a platform service (gsi2), for "which customers does this incident touch". */
export async function servicesOnPlatform(platformServiceId: string, limit = 200): Promise<CustomerService[]> {
  const r = await guard('services on platform', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `PLATFORMSVC#${platformServiceId}` },
        Limit: limit,
      }),
    ),
  );
  return (r.Items ?? []).map((i) => strip<CustomerService>(i));
}

/**
 * Write a service's new state at the version it was read (the app layer decides the move with
 * shared/domain/provisioning/service-state.ts). A stale version is a ConflictError; the app re-reads.
 */
export async function commitServiceChange(
  current: CustomerService,
  next: CustomerService,
  ctx: OperationContext,
  operation = 'setServiceState',
): Promise<CustomerService> {
  return commitOnce(
    ctx,
    operation,
    [
      {
        Put: {
          TableName: tableName(),
          Item: { ...serviceKeys(next), type: E.service, ...next },
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': current.version },
        },
      },
    ],
    next,
    () => new StaleServiceError(`Service ${current.id} changed since version ${current.version}.`),
  );
}

export class StaleServiceError extends ConflictError {
  constructor(message: string) {
    super(message);
    Object.defineProperty(this, 'name', { value: 'StaleServiceError' });
  }
}

/** Remember an operation that needed no write (a no-op state change), so its replay answers the same. */
export async function recordOperation<T>(result: T, operation: string, ctx: OperationContext): Promise<T> {
  return commitOnce(ctx, operation, [], result, () => new Error('unreachable'));
}

export async function previousOperation<T>(
  operation: string,
  ctx: OperationContext,
): Promise<{ result: T } | undefined> {
  return previousResult<T>(ctx, operation);
}

/** Delete a service (compensation of addService). Missing is fine. */
export async function removeService(
  customerId: string,
  serviceId: string,
  ctx: OperationContext,
): Promise<{ removed: boolean }> {
  const existing = await getService(customerId, serviceId, true);
  return commitOnce(
    ctx,
    'removeService',
    existing ? [{ Delete: { TableName: tableName(), Key: k.service(customerId, serviceId) } }] : [],
    { removed: !!existing },
    () => new Error('unreachable'),
  );
}

/** Delete a subscription and its services (compensation of addSubscription). Missing is fine. */
export async function removeSubscription(
  customerId: string,
  subscriptionId: string,
  ctx: OperationContext,
): Promise<{ removed: number }> {
  const before = await previousResult<{ removed: number }>(ctx, 'removeSubscription');
  if (before) return before.result;
  const { subscriptions, services } = await customerPartition(customerId);
  const deletes: TransactItem[] = [
    ...services
      .filter((s) => s.subscriptionId === subscriptionId)
      .map((s) => ({ Delete: { TableName: tableName(), Key: k.service(customerId, s.id) } })),
    ...subscriptions
      .filter((s) => s.id === subscriptionId)
      .map(() => ({ Delete: { TableName: tableName(), Key: k.subscription(customerId, subscriptionId) } })),
  ];
  return commitOnce(ctx, 'removeSubscription', deletes, { removed: deletes.length }, () => new Error('unreachable'));
}

/** Record the order that last changed a subscription (the customer view links to it). */
export async function touchSubscription(
  customerId: string,
  subscriptionId: string,
  orderId: string,
  now: string,
): Promise<void> {
  try {
    await guard('touch subscription', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: k.subscription(customerId, subscriptionId),
          UpdateExpression: 'SET orderId = :o, updatedAt = :now, version = version + :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':o': orderId, ':now': now, ':one': 1 },
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err))
      throw new NotFoundError(`Customer ${customerId} has no subscription ${subscriptionId}.`);
    throw err;
  }
}

/** Link a ticket to a customer account (idempotent: the same link twice is one item). */
export async function linkTicketToCustomer(customerId: string, ticketId: string, now: string): Promise<void> {
  await guard('link ticket', () =>
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...customerTicketKey(customerId, ticketId), type: E.ticketLink, customerId, ticketId, at: now },
      }),
    ),
  );
}

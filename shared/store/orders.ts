// Product orders in the main table. Every change is committed with an optimistic lock on the
// order's revision; a state change writes its history item in the same transaction, and that
// item's stream record is the outbox of the order's ProductOrderStateChangeEvent. The externalId
// marker is written with the order, so two orders never share one.
import { createHash } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import { orderSnapshot, type OrderHistoryEntry, type ProductOrder } from '../domain/orders/order';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
} from './client';
import { ORDER_ENTITY, orderKeys } from './keys';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** The request key (Idempotency-Key) placed this order already: a retry of that request. */
export class OrderAlreadyPlacedError extends Error {
  override readonly name = 'OrderAlreadyPlacedError';
  constructor(
    readonly orderId: string,
    /** The retry carries another body than the request that placed the order. */
    readonly otherBody: boolean,
  ) {
    super(`The request placed the order ${orderId} already.`);
  }
}

/** The request placing an order, by its caller, route and Idempotency-Key, with its body. */
export interface OrderRequestKey {
  key: string;
  body: unknown;
}

/** How long a request key finds its order (as long as the Idempotency-Key record: decision 0031). */
export const ORDER_REQUEST_KEY_TTL_SECONDS = 24 * 3600;

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
const bodyHash = (r: OrderRequestKey) => sha256(JSON.stringify(r.body ?? null));

/** An order with this externalId exists already. */
export class DuplicateOrderError extends Error {
  override readonly name = 'DuplicateOrderError';
  constructor(
    readonly externalId: string,
    readonly orderId: string | undefined,
  ) {
    super(`An order with externalId ${externalId} exists already${orderId ? ` (${orderId})` : ''}.`);
  }
}

function orderItem(o: ProductOrder): Item {
  return {
    ...orderKeys.order(o.id),
    gsi1pk: orderKeys.list(),
    gsi1sk: `${o.orderDate}#${o.id}`,
    ...(o.customerId ? { gsi2pk: orderKeys.byCustomer(o.customerId), gsi2sk: `${o.orderDate}#${o.id}` } : {}),
    type: ORDER_ENTITY.order,
    ...o,
  };
}

function historyItem(o: ProductOrder): Item {
  const entry: OrderHistoryEntry = {
    revision: o.revision,
    at: o.lastChange.at,
    from: o.lastChange.from,
    to: o.lastChange.to,
    actor: o.lastChange.actor,
    reason: o.lastChange.reason,
  };
  return {
    ...orderKeys.history(o.id, o.revision),
    type: ORDER_ENTITY.history,
    orderId: o.id,
    ...entry,
    snapshot: orderSnapshot(o),
  };
}

export function toOrder(item: Item): ProductOrder {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, type: _t, ...rest } = item;
  return rest as unknown as ProductOrder;
}

/**
 * Store a new order. `requestKey` (the caller, route and Idempotency-Key of the request placing it)
 * is written in the same transaction, once: a retry of a request whose insert was applied but whose
 * answer was lost fails on it with OrderAlreadyPlacedError naming the first order.
 */
export async function insertOrder(o: ProductOrder, requestKey?: OrderRequestKey): Promise<ProductOrder> {
  const items: TransactItem[] = [
    { Put: { TableName: tableName(), Item: orderItem(o), ConditionExpression: 'attribute_not_exists(pk)' } },
    { Put: { TableName: tableName(), Item: historyItem(o) } },
  ];
  const keyIndex = requestKey === undefined ? -1 : items.length;
  if (requestKey !== undefined)
    items.push({
      Put: {
        TableName: tableName(),
        Item: {
          ...orderKeys.requestKey(sha256(requestKey.key)),
          type: ORDER_ENTITY.requestKey,
          orderId: o.id,
          bodyHash: bodyHash(requestKey),
          createdAt: o.orderDate,
          expiresAt: Math.floor(Date.parse(o.orderDate) / 1000) + ORDER_REQUEST_KEY_TTL_SECONDS,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  const externalIndex = items.length;
  if (o.externalId)
    items.push({
      Put: {
        TableName: tableName(),
        Item: {
          ...orderKeys.externalId(o.externalId),
          type: ORDER_ENTITY.externalId,
          orderId: o.id,
          createdAt: o.orderDate,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
  try {
    await guard('insert order', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    const codes = cancellationCodes(err);
    if (keyIndex >= 0 && codes[keyIndex] === 'ConditionalCheckFailed') {
      const first = await orderByRequestKey(requestKey!);
      if (first) throw new OrderAlreadyPlacedError(first.orderId, first.bodyHash !== bodyHash(requestKey!));
    }
    if (o.externalId && codes[externalIndex] === 'ConditionalCheckFailed')
      throw new DuplicateOrderError(o.externalId, await orderIdByExternalId(o.externalId));
    if (codes[0] === 'ConditionalCheckFailed') throw new ConflictError(`An order with id ${o.id} exists already.`);
    throw new ConflictError('The order could not be stored because of a concurrent change; retry.');
  }
  return o;
}

/** The order a request key placed, if any (consistent), and the hash of that request's body. */
async function orderByRequestKey(r: OrderRequestKey): Promise<{ orderId: string; bodyHash?: string } | undefined> {
  const got = await guard('get order by request key', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: orderKeys.requestKey(sha256(r.key)), ConsistentRead: true }),
    ),
  );
  return got.Item
    ? { orderId: got.Item.orderId as string, bodyHash: got.Item.bodyHash as string | undefined }
    : undefined;
}

/** The order this request placed already (a retry whose first answer was lost), if any. */
export async function orderPlacedBy(r: OrderRequestKey): Promise<OrderAlreadyPlacedError | undefined> {
  const first = await orderByRequestKey(r);
  return first ? new OrderAlreadyPlacedError(first.orderId, first.bodyHash !== bodyHash(r)) : undefined;
}

export async function orderIdByExternalId(externalId: string): Promise<string | undefined> {
  const r = await guard('get order by externalId', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: orderKeys.externalId(externalId), ConsistentRead: true }),
    ),
  );
  return r.Item?.orderId as string | undefined;
}

export async function getOrder(id: string): Promise<ProductOrder | undefined> {
  const r = await guard('get order', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: orderKeys.order(id), ConsistentRead: true })),
  );
  return r.Item ? toOrder(r.Item) : undefined;
}

export async function requireOrder(id: string): Promise<ProductOrder> {
  const o = await getOrder(id);
  if (!o) throw new NotFoundError(`No product order ${id}.`);
  return o;
}

/** Commit `next` over `prev` (same id); a state change (new lastChange) also writes its history item. */
export async function saveOrder(prev: ProductOrder, next: ProductOrder): Promise<ProductOrder> {
  const put: TransactItem = {
    Put: {
      TableName: tableName(),
      Item: orderItem(next),
      ConditionExpression: 'revision = :rev',
      ExpressionAttributeValues: { ':rev': prev.revision },
    },
  };
  const stateChange = next.lastChange !== prev.lastChange;
  try {
    if (stateChange)
      await guard('save order', () =>
        documentClient().send(
          new TransactWriteCommand({
            TransactItems: [put, { Put: { TableName: tableName(), Item: historyItem(next) } }],
          }),
        ),
      );
    else await guard('save order', () => documentClient().send(new PutCommand(put.Put!)));
  } catch (err) {
    if (isConditionalCheckFailed(err) || isTransactionConflict(err)) throw new StaleOrderError(next.id, prev.revision);
    throw err;
  }
  return next;
}

/**
 * A saga passes its point of no return in the usual case with one conditional write and no read:
 * while the order is in progress, not being cancelled and not past that point yet, it is marked
 * (as `passPointOfNoReturn` would: pointOfNoReturnAt, a new revision and updatedAt). Answers the
 * order as written, or undefined when it is in any other case: the caller reads it and decides.
 */
export async function passPointOfNoReturnWhileInProgress(id: string, now: string): Promise<ProductOrder | undefined> {
  try {
    const r = await guard('pass point of no return', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: orderKeys.order(id),
          UpdateExpression: 'SET pointOfNoReturnAt = :now, updatedAt = :now, revision = revision + :one',
          ConditionExpression:
            'attribute_exists(pk) AND #state = :inProgress AND attribute_not_exists(cancellation) AND attribute_not_exists(pointOfNoReturnAt)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':now': now, ':one': 1, ':inProgress': 'inProgress' },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toOrder(r.Attributes!);
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}

export class StaleOrderError extends ConflictError {
  constructor(id: string, revision: number) {
    super(`The order ${id} changed since revision ${revision}; reload it and try again.`);
  }
}

/**
 * Load, decide, commit: `decide` gets the current order and returns the next one (or undefined for
 * no change); a concurrent writer (parallel saga steps) makes it run again on the fresh order.
 * `known`: the order as the caller just read (or wrote) it; the first attempt decides on it without
 * reading again (the commit's revision condition still refuses a stale one, which is then reloaded).
 */
export async function updateOrder(
  id: string,
  decide: (o: ProductOrder) => ProductOrder | undefined,
  attempts = 8,
  known?: ProductOrder,
): Promise<{ order: ProductOrder; changed: boolean }> {
  for (let i = 0; ; i++) {
    const current = i === 0 && known ? known : await requireOrder(id);
    const next = decide(current);
    if (!next) return { order: current, changed: false };
    try {
      return { order: await saveOrder(current, next), changed: true };
    } catch (err) {
      if (!(err instanceof StaleOrderError) || i >= attempts - 1) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 20 * (i + 1))));
    }
  }
}

export async function orderHistory(id: string): Promise<OrderHistoryEntry[]> {
  const out: OrderHistoryEntry[] = [];
  let start: Item | undefined;
  do {
    const r = await guard('order history', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
          ExpressionAttributeValues: { ':pk': orderKeys.order(id).pk, ':h': orderKeys.historyPrefix() },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      ),
    );
    for (const it of r.Items ?? [])
      out.push({
        revision: it.revision,
        at: it.at,
        from: it.from,
        to: it.to,
        actor: it.actor,
        reason: it.reason,
      } as OrderHistoryEntry);
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/** Orders newest first, all or one customer's, optionally of one state. */
export async function listOrders(q: {
  customerId?: string;
  state?: string;
  limit: number;
  cursor?: string;
}): Promise<Page<ProductOrder>> {
  const start = decodeCursor(q.cursor);
  if (start && typeof start.pk !== 'string') throw invalidCursor();
  const index = q.customerId ? 'gsi2' : 'gsi1';
  const items: ProductOrder[] = [];
  let from: Item | undefined = start;
  // A state filter may leave pages short: read on until the page is full or the index ends.
  do {
    const r = await guard('list orders', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: index,
          KeyConditionExpression: `${index}pk = :pk`,
          ExpressionAttributeValues: {
            ':pk': q.customerId ? orderKeys.byCustomer(q.customerId) : orderKeys.list(),
            ...(q.state ? { ':state': q.state } : {}),
          },
          ...(q.state ? { FilterExpression: '#state = :state', ExpressionAttributeNames: { '#state': 'state' } } : {}),
          ScanIndexForward: false,
          Limit: q.limit - items.length,
          ExclusiveStartKey: from,
        }),
      ),
    );
    items.push(...(r.Items ?? []).map(toOrder));
    from = r.LastEvaluatedKey;
  } while (from && items.length < q.limit);
  return { items, nextCursor: encodeCursor(from) };
}

/** States whose execution may still be running (or should be): what the order reconciler checks. */
export const OPEN_ORDER_STATES = ['acknowledged', 'inProgress', 'held', 'pendingCancellation'] as const;

/** Open orders placed at or after `since` (gsi1, order date range, state filter), oldest first. */
export async function* openOrdersPlacedSince(since: string): AsyncGenerator<ProductOrder> {
  let from: Item | undefined;
  do {
    const r = await guard('list open orders', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk >= :since',
          FilterExpression: '#state IN (:s0, :s1, :s2, :s3)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':pk': orderKeys.list(),
            ':since': since,
            ...Object.fromEntries(OPEN_ORDER_STATES.map((state, i) => [`:s${i}`, state])),
          },
          ExclusiveStartKey: from,
        }),
      ),
    );
    for (const item of r.Items ?? []) yield toOrder(item);
    from = r.LastEvaluatedKey;
  } while (from);
}

// ---- TMF622 CancelProductOrder ----

export interface CancelRequest {
  id: string;
  productOrderId: string;
  cancellationReason?: string;
  requestedCancellationDate?: string;
  creationDate: string;
  requestedBy: string;
}

export async function putCancelRequest(c: CancelRequest): Promise<void> {
  await guard('put cancel request', () =>
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...orderKeys.cancel(c.id), type: ORDER_ENTITY.cancel, ...c },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

export async function getCancelRequest(id: string): Promise<CancelRequest | undefined> {
  const r = await guard('get cancel request', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: orderKeys.cancel(id) })),
  );
  if (!r.Item) return undefined;
  const { pk: _pk, sk: _sk, type: _t, ...rest } = r.Item;
  return rest as CancelRequest;
}

// Product order orchestration for the API: accept an order (load what it names → plan → store →
// start its saga), cancel it, redrive it, read it with its history and step timeline, and keep an
// order in step with an execution that stopped on its own (reconcile). Bad input starts nothing:
// every refusal happens before the order is stored or an execution started.
import { ulid } from 'ulid';
import { orderExecutions } from '../../adapters/order-executions';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors';
import {
  createOrder,
  executionFailed,
  finish,
  isFinal,
  redrive,
  requestCancellation,
  touch,
  type ItemOutcome,
  type OrderActor,
  type ProductOrder,
} from '../../domain/orders/order';
import { planOrder, type OfferingInfo, type PlanLookups } from '../../domain/orders/plan';
import type { CancelProductOrderCreate, ProductOrderCreate } from '../../domain/orders/requests';
import { failedStep, stepsFromHistory } from '../../domain/orders/saga';
import { inScope, type Scope } from '../../domain/provisioning/scope';
import { logger } from '../../observability/logger';
import {
  DuplicateOrderError,
  getCancelRequest,
  insertOrder,
  listOrders as listStoredOrders,
  orderHistory,
  orderIdByExternalId,
  OrderAlreadyPlacedError,
  orderPlacedBy,
  putCancelRequest,
  type OrderRequestKey,
  requireOrder,
  updateOrder,
  type CancelRequest,
} from '../../store/orders';
import { orderPorts } from './ports';

export { DuplicateOrderError };

export interface Caller {
  id: string;
  name?: string;
  email?: string;
  /** A realm- or organization-scoped caller sees and orders only for customers inside its scope. */
  scope?: Scope;
}

/** Where an order lives: its customer's realm and organization (decided when it was accepted). */
export function orderOwner(o: ProductOrder): { realmId?: string; organizationId?: string } {
  return { realmId: o.plan.customer.realmId, organizationId: o.plan.customer.organizationId };
}

/** The order, if it exists and lies inside the scope; the same 404 either way, so ids do not leak. */
export async function requireVisibleOrder(id: string, scope: Scope | undefined): Promise<ProductOrder> {
  const o = await requireOrder(id);
  if (!inScope(scope, orderOwner(o))) throw new NotFoundError(`No product order ${id}.`);
  return o;
}

const userActor = (c: Caller): OrderActor => ({ type: 'user', id: c.id, name: c.name });

/** How long a manual step may wait for a person before the order fails cleanly (ticket SLA escalates first). */
export function manualTimeoutSeconds(): number {
  const v = Number(process.env.ORDER_MANUAL_TIMEOUT_SECONDS ?? 3 * 24 * 3600);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : 3 * 24 * 3600;
}

async function lookupsFor(body: ProductOrderCreate, scope: Scope | undefined): Promise<PlanLookups> {
  const { catalog } = orderPorts();
  const ids = new Set(body.productOrderItem.map((i) => i.productOffering?.id).filter((x): x is string => !!x));
  const customerId = body.relatedParty.find((p) => p.role === 'customer')?.id;
  const found = customerId ? await catalog.customer(customerId) : undefined;
  // Outside the caller's scope is the same as not there (the answer does not reveal it exists).
  const customer =
    found && inScope(scope, { realmId: found.realmId, organizationId: found.organizationId }) ? found : undefined;
  // A plan change also needs the current plan's settings (to revert them).
  for (const s of customer?.subscriptions ?? []) if (s.role === 'plan') ids.add(s.offeringId);
  const offerings = new Map<string, OfferingInfo>();
  await Promise.all(
    [...ids].map(async (id) => {
      const o = await catalog.offering(id);
      if (o) offerings.set(id, o);
    }),
  );
  return { offerings, customer };
}

/** POST /productOrder: 201 with the acknowledged order; its saga starts at once. */
/**
 * Place an order: validated and planned, stored, its execution started. `onStored` runs once the
 * order is stored (the HTTP layer answers with it if the deadline comes before the start does).
 */
export async function placeOrder(
  body: ProductOrderCreate,
  caller: Caller,
  now: Date,
  onStored?: (order: ProductOrder) => void,
  requestKey?: OrderRequestKey,
): Promise<ProductOrder> {
  if (body.externalId) {
    const existing = await orderIdByExternalId(body.externalId);
    if (existing) {
      // The retry of the request that placed it (its first answer was lost): that order, not a 409.
      const placed = requestKey ? await orderPlacedBy(requestKey) : undefined;
      if (placed?.orderId === existing) return resumePlaced(placed, onStored);
      // A scoped caller learns that the id is taken, not which order (outside its scope) took it.
      const seen = caller.scope ? await requireVisibleOrder(existing, caller.scope).catch(() => undefined) : true;
      throw new DuplicateOrderError(body.externalId, seen ? existing : undefined);
    }
  }
  const id = ulid(now.getTime());
  const lookups = await lookupsFor(body, caller.scope);
  const planned = planOrder(body, lookups, {
    orderId: id,
    requester: caller,
    manualTimeoutSeconds: manualTimeoutSeconds(),
  });
  if (planned.kind === 'newCustomer') {
    // The new customer's realm is its organization's, which must exist and lie inside the scope.
    const orgId = planned.plan.customer.organizationId!;
    const org = await orderPorts().catalog.organization(orgId);
    if (!org || !inScope(caller.scope, { realmId: org.realmId, organizationId: org.id }))
      throw new ValidationError('The order cannot be accepted.', [
        { field: 'relatedParty', message: `No organization ${orgId}.` },
      ]);
    const realm = planned.plan.customer.realmId;
    if (realm !== undefined && realm !== org.realmId)
      throw new ValidationError('The order cannot be accepted.', [
        { field: 'relatedParty', message: `The organization ${orgId} is not in the realm ${realm}.` },
      ]);
    planned.plan.customer.realmId = org.realmId;
  }
  const at = now.toISOString();
  const order = createOrder(
    {
      id,
      kind: planned.kind,
      plan: planned.plan,
      items: planned.items,
      relatedParty: planned.relatedParty,
      note: body.note ?? [],
      fields: {
        externalId: body.externalId,
        description: body.description,
        category: body.category,
        priority: body.priority,
        requestedStartDate: body.requestedStartDate,
        requestedCompletionDate: body.requestedCompletionDate,
        notificationContact: body.notificationContact,
        channel: body.channel?.map((c) => ({ id: c.id, name: c.name })),
        customerId: planned.customerId,
        billingAccountId: body.billingAccount?.id,
        paymentMethod: planned.plan.payment?.method,
      },
    },
    at,
    userActor(caller),
  );
  try {
    await insertOrder(order, requestKey);
  } catch (err) {
    if (err instanceof OrderAlreadyPlacedError) return resumePlaced(err, onStored);
    throw err;
  }
  onStored?.(order);
  return startExecution(order);
}

/**
 * A retry of the request that placed an order (same caller, route and Idempotency-Key) after its
 * first answer was lost: the first order, its execution started if it was not (by name, so at most
 * once) — never a second order.
 */
async function resumePlaced(
  placed: OrderAlreadyPlacedError,
  onStored?: (order: ProductOrder) => void,
): Promise<ProductOrder> {
  if (placed.otherBody)
    throw new ValidationError('The Idempotency-Key was used for another request.', [
      { field: 'Idempotency-Key', message: `already placed order ${placed.orderId} with another body` },
    ]);
  const first = await requireOrder(placed.orderId);
  onStored?.(first);
  return first.execution.arn ? first : startExecution(first);
}

/** Start the order's execution (idempotent by name) and note its ARN. A failure leaves the order acknowledged for the reconciler. */
export async function startExecution(order: ProductOrder): Promise<ProductOrder> {
  try {
    const arn = await orderExecutions().start(order.machine, order.execution.name, order.plan);
    // Decided on the order as given first (no read): its revision condition catches a step that moved it.
    const { order: saved } = await updateOrder(
      order.id,
      (o) =>
        o.execution.arn
          ? undefined
          : touch(o, new Date().toISOString(), {
              execution: { ...o.execution, arn, startedAt: new Date().toISOString() },
            }),
      undefined,
      order,
    );
    return saved;
  } catch (err) {
    logger.error('order execution did not start; the reconciler retries it', {
      orderId: order.id,
      error: err as Error,
    });
    return order;
  }
}

export interface OrderDetail {
  order: ProductOrder;
  history: Awaited<ReturnType<typeof orderHistory>>;
  steps: ReturnType<typeof stepsFromHistory>;
}

/** GET /productOrder/{id}: the order, its state history and its step timeline (from the execution's history). */
export async function readOrder(id: string, scope?: Scope): Promise<OrderDetail> {
  let order = await requireVisibleOrder(id, scope);
  order = await reconcile(order);
  const history = await orderHistory(id);
  let steps: OrderDetail['steps'] = [];
  const arns = [order.execution.arn, order.execution.rollbackArn].filter((x): x is string => !!x);
  for (const arn of arns)
    try {
      steps = steps.concat(stepsFromHistory(await orderExecutions().history(arn)));
    } catch (err) {
      logger.warn('execution history unavailable', { orderId: id, error: err as Error });
    }
  return { order, history, steps };
}

/**
 * Keep an order in step with its execution, idempotently (on read, and by the scheduled order
 * reconciler for orders nobody reads):
 * - never started (acknowledged, no execution): started, as `placeOrder` would have;
 * - gone (the engine no longer knows it): started again under the same name with the same plan;
 *   every step is keyed by order and step, so what was done is not done twice;
 * - stopped without reaching one of the saga's own end steps (retries ran out, a bug, a timeout of
 *   the whole execution): the order is failed and redrivable;
 * - succeeded while the order is not final (its end step's write was lost): the order ends as the
 *   end step would have ended it, from the execution's output.
 * An execution that cannot be described right now (the service is unreachable) changes nothing.
 */
export async function reconcile(order: ProductOrder): Promise<ProductOrder> {
  if (isFinal(order) || order.state === 'failed') return order;
  if (!order.execution.arn) return order.state === 'acknowledged' ? startExecution(order) : order;
  const rollback = order.state === 'pendingCancellation' && !!order.execution.rollbackArn;
  const arn = rollback ? order.execution.rollbackArn! : order.execution.arn;
  let status: Awaited<ReturnType<ReturnType<typeof orderExecutions>['describe']>>;
  try {
    status = await orderExecutions().describe(arn);
  } catch (err) {
    logger.warn('order execution could not be described; reconciled later', { orderId: order.id, error: err as Error });
    return order;
  }
  if (!status) return restartGoneExecution(order, rollback);
  if (status.status === 'RUNNING' || status.status === 'PENDING_REDRIVE') return order;
  if (status.status === 'SUCCEEDED') return finishSucceeded(order, status.output);
  if (status.status === 'FAILED' && status.error === 'OrderFailed') return order;
  const history = await orderExecutions()
    .history(arn)
    .catch(() => []);
  const step = failedStep(history);
  const { order: next } = await updateOrder(order.id, (o) =>
    executionFailed(
      o,
      { step, error: status.error ?? status.status, cause: status.cause, status: status.status },
      new Date().toISOString(),
    ),
  );
  return next;
}

const reconcilerActor: OrderActor = { type: 'system', id: 'order-reconciler' };

async function restartGoneExecution(order: ProductOrder, rollback: boolean): Promise<ProductOrder> {
  const name = rollback ? order.execution.rollbackName! : order.execution.name;
  const input = rollback ? { ...order.plan, mode: 'rollback' } : order.plan;
  logger.warn('order execution is gone; started again', { orderId: order.id, execution: name });
  const arn = await orderExecutions().start(order.machine, name, input);
  const { order: saved } = await updateOrder(order.id, (o) => {
    const current = rollback ? o.execution.rollbackArn : o.execution.arn;
    if (current === arn) return undefined;
    return touch(o, new Date().toISOString(), {
      execution: rollback ? { ...o.execution, rollbackArn: arn } : { ...o.execution, arn },
    });
  });
  return saved;
}

async function finishSucceeded(order: ProductOrder, output: string | undefined): Promise<ProductOrder> {
  let items: ItemOutcome[] | undefined;
  try {
    const parsed = output ? (JSON.parse(output) as { itemResults?: ItemOutcome[] }) : {};
    items = Array.isArray(parsed.itemResults) ? parsed.itemResults : undefined;
  } catch {
    items = undefined;
  }
  const { order: next } = await updateOrder(order.id, (o) =>
    isFinal(o) ? undefined : finish(o, { items }, new Date().toISOString(), reconcilerActor),
  );
  return next;
}

/** POST /productOrder/{id}/redrive: the failed execution resumes from the failed step. */
export async function redriveOrder(id: string, caller: Caller, now: Date): Promise<ProductOrder> {
  const current = await reconcile(await requireVisibleOrder(id, caller.scope));
  const arn =
    current.cancellation && current.execution.rollbackArn ? current.execution.rollbackArn : current.execution.arn;
  if (!arn) throw new ConflictError(`The order ${id} has no execution to redrive.`);
  // The order moves first: the redriven steps find it in progress. Should the redrive call fail,
  // the next read sees the execution still failed and marks the order failed again.
  const { order } = await updateOrder(id, (o) => redrive(o, now.toISOString(), userActor(caller)));
  await orderExecutions().redrive(arn);
  return order;
}

export interface CancelView extends CancelRequest {
  state: 'acknowledged' | 'inProgress' | 'done' | 'terminatedWithError';
  effectiveCancellationDate?: string;
}

function cancelView(c: CancelRequest, order: ProductOrder | undefined): CancelView {
  const state =
    order?.state === 'cancelled'
      ? 'done'
      : order?.state === 'pendingCancellation'
        ? 'inProgress'
        : order && order.cancellation?.id === c.id
          ? 'terminatedWithError'
          : 'acknowledged';
  return { ...c, state, effectiveCancellationDate: order?.state === 'cancelled' ? order.completionDate : undefined };
}

/** POST /cancelProductOrder: assessed at once; refused (409) after the point of no return. */
export async function cancelOrder(body: CancelProductOrderCreate, caller: Caller, now: Date): Promise<CancelView> {
  const orderId = body.productOrder.id;
  const current = await reconcile(await requireVisibleOrder(orderId, caller.scope));
  const id = ulid(now.getTime());
  const decision = requestCancellation(
    current,
    { id, reason: body.cancellationReason },
    now.toISOString(),
    userActor(caller),
  );
  const request: CancelRequest = {
    id,
    productOrderId: orderId,
    cancellationReason: body.cancellationReason,
    requestedCancellationDate: body.requestedCancellationDate,
    creationDate: now.toISOString(),
    requestedBy: caller.id,
  };
  await putCancelRequest(request);
  let { order } = await updateOrder(orderId, (o) =>
    o.revision === current.revision
      ? decision.order
      : requestCancellation(o, { id, reason: body.cancellationReason }, now.toISOString(), userActor(caller)).order,
  );
  if (decision.then.kind === 'signal') {
    for (const token of Object.values(order.heldTokens))
      await orderExecutions().failTask(
        token,
        'OrderCancelledError',
        `The order ${orderId} was cancelled: ${body.cancellationReason ?? 'on request'}`,
      );
  } else {
    // The execution had stopped at a failed step: a rollback execution undoes what it did.
    const name = `${order.execution.name}-rollback`;
    const arn = await orderExecutions().start(order.machine, name, { ...order.plan, mode: 'rollback' });
    order = (
      await updateOrder(orderId, (o) =>
        touch(o, now.toISOString(), { execution: { ...o.execution, rollbackName: name, rollbackArn: arn } }),
      )
    ).order;
  }
  return cancelView(request, order);
}

export async function readCancel(id: string, scope?: Scope): Promise<CancelView> {
  const c = await getCancelRequest(id);
  if (!c) throw new NotFoundError(`No cancelProductOrder ${id}.`);
  const order = await requireOrder(c.productOrderId).catch(() => undefined);
  if (scope && !(order && inScope(scope, orderOwner(order)))) throw new NotFoundError(`No cancelProductOrder ${id}.`);
  return cancelView(c, order);
}

/** GET /productOrder: a scoped caller gets only the orders inside its scope (pages may come short). */
export async function listOrders(
  q: Parameters<typeof listStoredOrders>[0],
  scope?: Scope,
): ReturnType<typeof listStoredOrders> {
  const page = await listStoredOrders(q);
  return { ...page, items: page.items.filter((o) => inScope(scope, orderOwner(o))) };
}

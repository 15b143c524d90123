// Product order orchestration for the API: accept an order (load what it names → plan → store →
// start its saga), cancel it, redrive it, read it with its history and step timeline, and keep an
// order in step with an execution that stopped on its own (reconcile). Bad input starts nothing:
// every refusal happens before the order is stored or an execution started.
import { ulid } from 'ulid';
import { orderExecutions } from '../../adapters/order-executions';
import { ConflictError, NotFoundError } from '../../domain/errors';
import {
  createOrder,
  executionFailed,
  isFinal,
  redrive,
  requestCancellation,
  touch,
  type OrderActor,
  type ProductOrder,
} from '../../domain/orders/order';
import { planOrder, type OfferingInfo, type PlanLookups } from '../../domain/orders/plan';
import type { CancelProductOrderCreate, ProductOrderCreate } from '../../domain/orders/requests';
import { failedStep, stepsFromHistory } from '../../domain/orders/saga';
import { logger } from '../../observability/logger';
import {
  DuplicateOrderError,
  getCancelRequest,
  insertOrder,
  listOrders,
  orderHistory,
  orderIdByExternalId,
  putCancelRequest,
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
}

const userActor = (c: Caller): OrderActor => ({ type: 'user', id: c.id, name: c.name });

/** How long a manual step may wait for a person before the order fails cleanly (ticket SLA escalates first). */
export function manualTimeoutSeconds(): number {
  const v = Number(process.env.ORDER_MANUAL_TIMEOUT_SECONDS ?? 3 * 24 * 3600);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : 3 * 24 * 3600;
}

async function lookupsFor(body: ProductOrderCreate): Promise<PlanLookups> {
  const { catalog } = orderPorts();
  const ids = new Set(body.productOrderItem.map((i) => i.productOffering?.id).filter((x): x is string => !!x));
  const customerId = body.relatedParty.find((p) => p.role === 'customer')?.id;
  const customer = customerId ? await catalog.customer(customerId) : undefined;
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
export async function placeOrder(body: ProductOrderCreate, caller: Caller, now: Date): Promise<ProductOrder> {
  if (body.externalId) {
    const existing = await orderIdByExternalId(body.externalId);
    if (existing) throw new DuplicateOrderError(body.externalId, existing);
  }
  const id = ulid(now.getTime());
  const lookups = await lookupsFor(body);
  const planned = planOrder(body, lookups, {
    orderId: id,
    requester: caller,
    manualTimeoutSeconds: manualTimeoutSeconds(),
  });
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
  await insertOrder(order);
  return startExecution(order);
}

/** Start the order's execution (idempotent by name) and note its ARN. A failure leaves the order acknowledged for the reconciler. */
export async function startExecution(order: ProductOrder): Promise<ProductOrder> {
  try {
    const arn = await orderExecutions().start(order.machine, order.execution.name, order.plan);
    const { order: saved } = await updateOrder(order.id, (o) =>
      o.execution.arn
        ? undefined
        : touch(o, new Date().toISOString(), {
            execution: { ...o.execution, arn, startedAt: new Date().toISOString() },
          }),
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
export async function readOrder(id: string): Promise<OrderDetail> {
  let order = await requireOrder(id);
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
 * An execution that stopped without reaching one of the saga's own end steps (retries ran out, a
 * bug, a timeout of the whole execution) leaves the order failed and redrivable. Also starts an
 * execution that never started.
 */
export async function reconcile(order: ProductOrder): Promise<ProductOrder> {
  if (isFinal(order) || order.state === 'failed') return order;
  if (!order.execution.arn) return order.state === 'acknowledged' ? startExecution(order) : order;
  const arn =
    order.state === 'pendingCancellation' && order.execution.rollbackArn
      ? order.execution.rollbackArn
      : order.execution.arn;
  const status = await orderExecutions()
    .describe(arn)
    .catch(() => undefined);
  if (!status || status.status === 'RUNNING' || status.status === 'PENDING_REDRIVE' || status.status === 'SUCCEEDED')
    return order;
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

/** POST /productOrder/{id}/redrive: the failed execution resumes from the failed step. */
export async function redriveOrder(id: string, caller: Caller, now: Date): Promise<ProductOrder> {
  const current = await reconcile(await requireOrder(id));
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
  const current = await reconcile(await requireOrder(orderId));
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

export async function readCancel(id: string): Promise<CancelView> {
  const c = await getCancelRequest(id);
  if (!c) throw new NotFoundError(`No cancelProductOrder ${id}.`);
  const order = await requireOrder(c.productOrderId).catch(() => undefined);
  return cancelView(c, order);
}

export { listOrders };

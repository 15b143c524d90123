// The saga steps: what each Task state of state-machines/order-*.asl.json does. One entry,
// `runStep({ step, input })`, called by functions/order-steps with the state's input. A forward
// step first checks the order (a requested cancellation stops it with OrderCancelledError, which
// the machine compensates); every call that changes something is keyed by order and step, so a
// retry, a replay after a restart or a redrive never does it twice; every undo is idempotent.
import { getNotifier } from '../../adapters/notifier';
import { orderExecutions } from '../../adapters/order-executions';
import {
  finish,
  holdOn,
  passPointOfNoReturn,
  release,
  stepGate,
  stepStarted,
  type ItemOutcome,
  type OrderActor,
  type ProductOrder,
} from '../../domain/orders/order';
import type { SagaInput, SagaItem, SagaService, ServiceOp } from '../../domain/orders/plan';
import { OrderCancelledError, PermanentStepError, failureFrom } from '../../domain/orders/saga';
import { logger } from '../../observability/logger';
import { requireOrder, updateOrder } from '../../store/orders';
import { orderPorts } from './ports';

type CatchError = { Error?: string; Cause?: string };

/** The input of a top-level state: the saga input plus what earlier states added. */
export type SagaState = SagaInput & {
  error?: CatchError;
  serviceResults?: Array<{ key: string; ok: boolean; error?: string }>;
  itemResults?: ItemOutcome[];
};

/** The input of a Map iteration (ItemSelector in the ASL). */
export interface IterationState {
  orderId: string;
  kind: SagaInput['kind'];
  customer: SagaInput['customer'];
  plan?: SagaInput['plan'];
  manualTimeoutSeconds: number;
  service?: SagaService;
  item?: SagaItem;
  error?: CatchError;
}

export interface StepEvent {
  step: string;
  input: SagaState & IterationState;
  /** waitForTaskToken steps only. */
  taskToken?: string;
  stateName?: string;
  executionArn?: string;
}

const actorOf = (input: { kind: string }): OrderActor => ({ type: 'workflow', id: `order-${input.kind}` });
const key = (orderId: string, ...parts: string[]) => [orderId, ...parts].join(':');
const now = () => new Date().toISOString();

/** A forward step may start: moves the order to inProgress, stops when it is being cancelled. */
async function begin(input: { orderId: string; kind: string }, step: string): Promise<ProductOrder> {
  const order = await requireOrder(input.orderId);
  if (stepGate(order) === 'cancelled') throw new OrderCancelledError(`${step}: the order ${order.id} is being cancelled`);
  const moved = stepStarted(order, now(), actorOf(input), step);
  if (!moved) return order;
  return (await updateOrder(order.id, (o) => (stepGate(o) === 'cancelled' ? undefined : stepStarted(o, now(), actorOf(input), step)))).order;
}

const undoOf: Record<ServiceOp, ServiceOp> = { provision: 'deprovision', deprovision: 'provision', suspend: 'resume', resume: 'suspend', modify: 'modify' };

async function serviceOp(input: IterationState, op: ServiceOp, undo: boolean): Promise<void> {
  const s = input.service!;
  await orderPorts().provisioning.service(key(input.orderId, undo ? 'undo' : 'do', s.key, op), input.customer.id, s, op);
}

async function applyItem(input: IterationState): Promise<void> {
  const { provisioning } = orderPorts();
  const item = input.item!;
  const ref = { customerId: input.customer.id, subscriptionId: item.subscriptionId };
  const k = (what: string) => key(input.orderId, 'item', item.itemId, what);
  const isPlan = input.plan?.subscriptionId === item.subscriptionId;
  switch (item.op) {
    case 'add':
      return provisioning.addSubscription(k('add'), { ...ref, offeringId: item.offeringId!, role: 'addOn' });
    case 'changePlan':
      await provisioning.changeSubscriberPlan(k('plan'), { ...ref, offeringId: item.offeringId!, ocs: item.ocs });
      return provisioning.setSubscription(k('offering'), { ...ref, offeringId: item.offeringId });
    case 'suspend':
      if (isPlan) await provisioning.suspendSubscriber(k('suspend'), ref);
      return;
    case 'resume':
      if (isPlan) await provisioning.resumeSubscriber(k('resume'), ref);
      return;
    case 'remove':
      return;
  }
}

async function completeItem(input: IterationState): Promise<void> {
  const { provisioning } = orderPorts();
  const item = input.item!;
  const ref = { customerId: input.customer.id, subscriptionId: item.subscriptionId };
  const k = key(input.orderId, 'item', item.itemId, 'complete');
  switch (item.op) {
    case 'add':
    case 'resume':
      return provisioning.setSubscription(k, { ...ref, state: 'active' });
    case 'suspend':
      return provisioning.setSubscription(k, { ...ref, state: 'suspended' });
    case 'remove':
      return provisioning.removeSubscription(k, ref);
    case 'changePlan':
      return;
  }
}

/** Undo one item of a change order: every service back, then the subscription. Idempotent. */
async function undoItem(input: IterationState): Promise<void> {
  const { provisioning } = orderPorts();
  const item = input.item!;
  const ref = { customerId: input.customer.id, subscriptionId: item.subscriptionId };
  const k = (what: string) => key(input.orderId, 'undo-item', item.itemId, what);
  const isPlan = input.plan?.subscriptionId === item.subscriptionId;
  for (const s of item.services) {
    if (s.driver === 'manual' && s.op !== 'provision') continue;
    const op = item.op === 'changePlan' ? 'modify' : undoOf[s.op];
    await provisioning.service(key(input.orderId, 'undo', s.key, op), input.customer.id, item.op === 'changePlan' ? { ...s, offeringId: item.fromOfferingId ?? s.offeringId } : s, op);
  }
  switch (item.op) {
    case 'add':
      return provisioning.removeSubscription(k('remove'), ref);
    case 'remove':
      return provisioning.setSubscription(k('restore'), { ...ref, state: 'active' });
    case 'changePlan':
      await provisioning.changeSubscriberPlan(k('plan'), { ...ref, offeringId: item.fromOfferingId!, ocs: item.fromOcs });
      return provisioning.setSubscription(k('offering'), { ...ref, offeringId: item.fromOfferingId });
    case 'suspend':
      if (isPlan) await provisioning.resumeSubscriber(k('resume'), ref);
      return provisioning.setSubscription(k('state'), { ...ref, state: 'active' });
    case 'resume':
      if (isPlan) await provisioning.suspendSubscriber(k('suspend'), ref);
      return provisioning.setSubscription(k('state'), { ...ref, state: 'suspended' });
  }
}

async function notify(input: SagaState, order: ProductOrder): Promise<void> {
  const what: Record<SagaInput['kind'], string> = {
    newCustomer: 'Welcome: your subscription is active',
    addService: 'Your new services are active',
    removeService: 'Your services were removed',
    changePlan: 'Your plan was changed',
    suspend: 'Your subscription is suspended',
    resume: 'Your subscription is active again',
    terminate: 'Your subscription has ended; your final bill follows',
  };
  const to = [
    ...(input.notify.customer ? [{ recipient: input.notify.customer, audience: 'customer' }] : []),
    ...(input.notify.requester ? [{ recipient: input.notify.requester, audience: 'requester' }] : []),
  ];
  for (const r of to)
    await getNotifier().publish({
      topic: 'notifications',
      subject: `${what[input.kind]} (order ${order.externalId ?? order.id})`,
      message: `${what[input.kind]}.\n\nOrder ${order.id}${order.externalId ? ` (${order.externalId})` : ''}, customer ${input.customer.id}: ${order.state}.`,
      attributes: { recipient: r.recipient, audience: r.audience, kind: 'product-order', orderId: order.id },
      deduplicationId: `${order.id}:${order.revision}:${r.audience}`,
    });
}

async function end(input: SagaState, outcome: Parameters<typeof finish>[1]): Promise<{ state: string }> {
  const { order } = await updateOrder(input.orderId, (o) => (['completed', 'partial', 'cancelled'].includes(o.state) || (o.state === 'failed' && !o.failure?.redrivable) ? undefined : finish(o, outcome, now(), actorOf(input))));
  return { state: order.state };
}

/** Other manual steps of the order stop waiting (a sibling failed): the Map can then finish. */
async function abortHeld(order: ProductOrder, exceptKey?: string): Promise<void> {
  for (const [k, token] of Object.entries(order.heldTokens))
    if (k !== exceptKey) await orderExecutions().failTask(token, 'PermanentStepError', `Another step of order ${order.id} failed; this manual step is no longer needed.`);
}

export async function runStep(event: StepEvent): Promise<unknown> {
  const { step, input } = event;
  const { provisioning, payments } = orderPorts();
  const customer = input.customer;
  const sub = input.plan ? { customerId: customer.id, subscriptionId: input.plan.subscriptionId } : undefined;
  const k = (...parts: string[]) => key(input.orderId, step, ...parts);
  try {
    switch (step) {
      case 'validate':
        await begin(input, step);
        return {};
      case 'createCustomer': {
        await begin(input, step);
        const subscriptions = [
          ...(input.plan ? [{ subscriptionId: input.plan.subscriptionId, offeringId: input.plan.offeringId, role: 'plan' as const }] : []),
          ...[...new Map(input.services.filter((s) => s.subscriptionId !== input.plan?.subscriptionId).map((s) => [s.subscriptionId, s])).values()].map((s) => ({
            subscriptionId: s.subscriptionId,
            offeringId: s.offeringId,
            role: 'addOn' as const,
          })),
        ];
        await provisioning.createCustomer(k(), customer, subscriptions);
        return {};
      }
      case 'creditCheck': {
        await begin(input, step);
        const r = await payments.creditCheck(k(), customer);
        if (!r.approved) throw new PermanentStepError(`credit check declined${r.reason ? `: ${r.reason}` : ''}`);
        return {};
      }
      case 'preAuthorize':
        await begin(input, step);
        await payments.preAuthorize(k(), customer, input.payment!);
        return {};
      case 'activateSubscriber':
        await begin(input, step);
        await provisioning.activateSubscriber(k(), { ...sub!, offeringId: input.plan!.offeringId, ocs: input.plan!.ocs });
        return {};
      case 'serviceOp':
        await begin(input, step);
        await serviceOp(input, input.service!.op, false);
        return {};
      case 'openManualTask': {
        const order = await begin(input, step);
        const s = input.service!;
        const ticket = await orderPorts().manualTasks.open({
          taskToken: event.taskToken!,
          orderId: order.id,
          stateName: event.stateName ?? 'ManualService',
          executionArn: event.executionArn,
          subject: `Order ${order.externalId ?? order.id}: set up ${s.name} for ${customer.name ?? customer.id}`,
          description: `Product order ${order.id} (${order.kind}) waits on this step: ${s.op} ${s.name} (${s.specId}) for customer ${customer.id}, subscription ${s.subscriptionId}. Resolve the ticket when it is done; resolve it as "rejected" if it cannot be done (the order is then rolled back).`,
          fields: { orderId: order.id, customerId: customer.id, service: s.specId },
        });
        await updateOrder(order.id, (o) =>
          holdOn(o, { key: s.key, stateName: event.stateName ?? 'ManualService', since: now(), ticketId: ticket.ticketId, ticketNumber: ticket.number }, event.taskToken!, now(), actorOf(input)),
        );
        return ticket;
      }
      case 'manualDone': {
        const s = input.service!;
        await updateOrder(input.orderId, (o) => release(o, s.key, now(), actorOf(input)));
        await begin(input, step);
        await provisioning.serviceDoneManually(k(s.key), customer.id, s);
        return {};
      }
      case 'serviceFailed': {
        const s = input.service!;
        const f = failureFrom(input.error);
        const { order } = await updateOrder(input.orderId, (o) => release(o, s.key, now(), actorOf(input)));
        await abortHeld(order, s.key);
        return { key: s.key, ok: false, error: f.error, cause: f.cause };
      }
      case 'checkServices': {
        const failed = (input.serviceResults ?? []).filter((r) => !r.ok);
        if (failed.length) throw new PermanentStepError(`${failed.length} service(s) failed: ${failed.map((r) => `${r.key} (${r.error})`).join(', ')}`);
        return {};
      }
      case 'commit': {
        await begin(input, step);
        await updateOrder(input.orderId, (o) => {
          if (stepGate(o) === 'cancelled') throw new OrderCancelledError(`${step}: the order ${o.id} is being cancelled`);
          return passPointOfNoReturn(o, now());
        });
        return {};
      }
      case 'finalBill': {
        await begin(input, step);
        await provisioning.flagFinalBill(k(), customer.id);
        await updateOrder(input.orderId, (o) => {
          if (stepGate(o) === 'cancelled') throw new OrderCancelledError(`${step}: the order ${o.id} is being cancelled`);
          return passPointOfNoReturn(o, now());
        });
        return {};
      }
      case 'notify':
        await notify(input, await requireOrder(input.orderId));
        return {};
      case 'complete': {
        const r = await end(input, { items: input.itemResults });
        if (input.kind !== 'newCustomer' && input.kind !== 'terminate')
          await notify(input, await requireOrder(input.orderId)).catch((err: unknown) => logger.warn('order notification failed', { orderId: input.orderId, error: err as Error }));
        return r;
      }
      case 'finish':
        return end(input, { error: input.error ? failureFrom(input.error) : undefined });
      case 'applyItem':
        await begin(input, step);
        await applyItem(input);
        return {};
      case 'completeItem':
        await begin(input, step);
        await completeItem(input);
        return {};
      // ---- compensations (no cancellation check: they run because of it) ----
      case 'undoService':
        await serviceOp(input, undoOf[input.service!.op], true);
        return {};
      case 'undoItem':
        await undoItem(input);
        return {};
      case 'deactivateSubscriber':
        if (sub) await provisioning.deactivateSubscriber(k(), sub);
        return {};
      case 'voidPayment':
        if (input.payment?.method === 'card') await payments.voidPreAuthorization(k(), customer, input.payment);
        return {};
      case 'removeCustomer':
        if (!customer.existing) await provisioning.removeCustomer(k(), customer.id);
        return {};
      case 'closeCustomer':
        await provisioning.closeCustomer(k(), customer.id);
        return {};
      default:
        throw new PermanentStepError(`unknown step ${step}`);
    }
  } catch (err) {
    // The step's name travels in the message, so the order's failure can say where it failed.
    if (err instanceof Error && !err.message.startsWith(`${step}: `)) err.message = `${step}: ${err.message}`;
    throw err;
  }
}

// The saga steps: what each Task state of state-machines/order-*.asl.json does. One entry,
// `runStep({ step, input })`, called by functions/order-steps with the state's input. A forward
// step first checks the order (a requested cancellation stops it with OrderCancelledError, which
// the machine compensates); every call that changes something is keyed by order and step, so a
// retry, a replay after a restart or a redrive never does it twice; every undo is idempotent.
import { getNotifier } from '../../adapters/notifier';
import { orderExecutions } from '../../adapters/order-executions';
import {
  appliedDespiteCancellation,
  finish,
  holdOn,
  manualStepDone,
  manualUndoOutstanding,
  needsManualUndo,
  passPointOfNoReturn,
  release,
  stepGate,
  stepStarted,
  type ItemOutcome,
  type OrderActor,
  type ProductOrder,
  undoHoldKey,
} from '../../domain/orders/order';
import type { SagaInput, SagaItem, SagaService, ServiceOp } from '../../domain/orders/plan';
import { OrderCancelledError, PermanentStepError, failureFrom } from '../../domain/orders/saga';
import { logger } from '../../observability/logger';
import { passPointOfNoReturnWhileInProgress, requireOrder, updateOrder } from '../../store/orders';
import { orderPorts } from './ports';

type CatchError = { Error?: string; Cause?: string };

/**
 * What the order was when the saga passed its point of no return (the commit or finalBill step's
 * result, ResultPath $.committed): what the notification needs, so it does not read the order again.
 */
export interface CommittedOrder {
  id: string;
  revision: number;
  state: ProductOrder['state'];
  externalId?: string;
}

/** The input of a top-level state: the saga input plus what earlier states added. */
export type SagaState = SagaInput & {
  committed?: CommittedOrder;
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

/**
 * A forward step may start: moves the order to inProgress, stops when it is being cancelled.
 * `known`: the order as this step just wrote it (not read again).
 */
async function begin(
  input: { orderId: string; kind: string },
  step: string,
  known?: ProductOrder,
): Promise<ProductOrder> {
  const order = known ?? (await requireOrder(input.orderId));
  if (stepGate(order) === 'cancelled')
    throw new OrderCancelledError(`${step}: the order ${order.id} is being cancelled`);
  const moved = stepStarted(order, now(), actorOf(input), step);
  if (!moved) return order;
  return (
    await updateOrder(
      order.id,
      (o) => (stepGate(o) === 'cancelled' ? undefined : stepStarted(o, now(), actorOf(input), step)),
      undefined,
      order,
    )
  ).order;
}

const undoOf: Record<ServiceOp, ServiceOp> = {
  provision: 'deprovision',
  deprovision: 'provision',
  suspend: 'resume',
  resume: 'suspend',
  modify: 'modify',
};
const stateAfter: Partial<Record<ServiceOp, 'active' | 'suspended' | 'terminated'>> = {
  provision: 'active',
  resume: 'active',
  suspend: 'suspended',
  deprovision: 'terminated',
};

/** A forward service operation (its driver, then its recorded state). */
async function serviceOp(input: IterationState): Promise<void> {
  const s = input.service!;
  await orderPorts().provisioning.runService(doKey(input.orderId, s), input.customer.id, s, s.op, {
    record: true,
  });
}

/** The operation key of a service's forward operation (its undo names it: decision 0016, "OCS contract"). */
const doKey = (orderId: string, s: SagaService) => key(orderId, 'do', s.key, s.op);
/** The operation key of the network activation of an OCS line (activateNetwork). */
const activateKey = (orderId: string, s: SagaService) => key(orderId, 'activateNetwork', s.key);

/**
 * Undo one service: the reverse driver operation. A manual service is not undone here: a person
 * must do it, so the machine's UndoManualService Task asks one on a ticket (openManualUndo).
 */
async function undoService(
  orderId: string,
  customerId: string,
  s: SagaService,
  record: boolean,
  undoes = doKey(orderId, s),
): Promise<void> {
  if (s.driver === 'manual') return;
  // The undo names the operation it undoes, so a remote system that has not seen it yet (a call the
  // driver gave up on, still in flight) refuses it when it arrives: no orphan after a compensation.
  await orderPorts().provisioning.runService(key(orderId, 'undo', s.key, undoOf[s.op]), customerId, s, undoOf[s.op], {
    record,
    undoes,
  });
}

async function applyItem(input: IterationState): Promise<void> {
  const { provisioning } = orderPorts();
  const item = input.item!;
  const ref = { customerId: input.customer.id, subscriptionId: item.subscriptionId };
  const k = (what: string) => key(input.orderId, 'item', item.itemId, what);
  if (item.op === 'add')
    await provisioning.addSubscription(k('add'), { ...ref, offeringId: item.offeringId!, orderId: input.orderId });
  if (item.op === 'changePlan')
    await provisioning.changeOffering(k('offering'), { ...ref, offeringId: item.offeringId!, orderId: input.orderId });
}

async function completeItem(input: IterationState): Promise<void> {
  const item = input.item!;
  if (item.op === 'remove')
    await orderPorts().provisioning.removeSubscription(key(input.orderId, 'item', item.itemId, 'remove'), {
      customerId: input.customer.id,
      subscriptionId: item.subscriptionId,
    });
}

/**
 * Undo one item of a change order: the subscription's offering back, every automated service back,
 * an added subscription gone. Idempotent. Returns the item's manual services a person completed:
 * the machine asks a person to undo each of them (UndoManualService).
 */
async function undoItem(input: IterationState): Promise<{ manual: SagaService[] }> {
  const { provisioning } = orderPorts();
  const item = input.item!;
  const ref = { customerId: input.customer.id, subscriptionId: item.subscriptionId };
  const k = (what: string) => key(input.orderId, 'undo-item', item.itemId, what);
  if (item.op === 'changePlan')
    await provisioning.changeOffering(k('offering'), {
      ...ref,
      offeringId: item.fromOfferingId!,
      orderId: input.orderId,
    });
  for (const s of item.services) await undoService(input.orderId, input.customer.id, s, item.op !== 'add');
  if (item.op === 'add') await provisioning.removeSubscription(k('remove'), ref);
  const order = await requireOrder(input.orderId);
  return { manual: item.services.filter((s) => s.driver === 'manual' && needsManualUndo(order, s.key)) };
}

/**
 * Rolling back a manual step a person completed: a ticket asks a person to undo it, carrying this
 * Task's token, and the order waits on it. A manual step nobody completed needs nothing: the Task is
 * answered at once.
 */
async function openManualUndo(event: StepEvent): Promise<{ ticketId?: string }> {
  const { input } = event;
  const s = input.service!;
  const order = await requireOrder(input.orderId);
  if (!needsManualUndo(order, s.key)) {
    await orderExecutions().succeedTask(event.taskToken!, { skipped: 'the manual step was never completed' });
    return {};
  }
  const stateName = event.stateName ?? 'UndoManualService';
  const r = await orderPorts().provisioning.runService(
    key(input.orderId, 'undo', s.key, undoOf[s.op]),
    input.customer.id,
    s,
    undoOf[s.op],
    { record: false, task: { taskToken: event.taskToken!, executionArn: event.executionArn, stateName } },
  );
  await updateOrder(order.id, (o) =>
    holdOn(
      o,
      { key: undoHoldKey(s.key), stateName, since: now(), ticketId: r.ticketId },
      event.taskToken!,
      now(),
      actorOf(input),
    ),
  );
  return { ticketId: r.ticketId };
}

const committedOf = (o: ProductOrder): CommittedOrder => ({
  id: o.id,
  revision: o.revision,
  state: o.state,
  externalId: o.externalId,
});

async function notify(input: SagaState, order: CommittedOrder): Promise<void> {
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

async function end(
  input: SagaState,
  outcome: Parameters<typeof finish>[1],
  guard?: (o: ProductOrder) => void,
): Promise<ProductOrder> {
  const { order } = await updateOrder(input.orderId, (o) => {
    if (['completed', 'partial', 'cancelled'].includes(o.state) || (o.state === 'failed' && !o.failure?.redrivable))
      return undefined;
    guard?.(o);
    return finish(o, outcome, now(), actorOf(input));
  });
  return order;
}

/** Other manual steps of the order stop waiting (a sibling failed): the Map can then finish. */
async function abortHeld(order: ProductOrder, exceptKey?: string): Promise<void> {
  for (const [k, token] of Object.entries(order.heldTokens))
    if (k !== exceptKey)
      await orderExecutions().failTask(
        token,
        'PermanentStepError',
        `Another step of order ${order.id} failed; this manual step is no longer needed.`,
      );
}

export async function runStep(event: StepEvent): Promise<unknown> {
  const { step, input } = event;
  const { provisioning, payments } = orderPorts();
  const customer = input.customer;
  const k = (...parts: string[]) => key(input.orderId, step, ...parts);
  try {
    switch (step) {
      case 'validate':
        await begin(input, step);
        return {};
      case 'createCustomer': {
        await begin(input, step);
        const subscriptions = [
          ...new Map([...input.network, ...input.services].map((s) => [s.subscriptionId, s])).values(),
        ];
        // The plan first: add-ons may only fit a plan the customer has.
        subscriptions.sort(
          (a, b) =>
            Number(b.subscriptionId === input.plan?.subscriptionId) -
            Number(a.subscriptionId === input.plan?.subscriptionId),
        );
        const subs = subscriptions.map((s) => ({
          key: k(s.subscriptionId),
          s: {
            customerId: customer.id,
            subscriptionId: s.subscriptionId,
            offeringId: s.offeringId,
            orderId: input.orderId,
          },
        }));
        const { realmId, organizationId } = customer;
        // A new customer (its organization's realm checked when the order was accepted): the account
        // and its subscriptions in one write, what an add-on is checked against known, nothing read.
        if (!customer.existing && realmId && organizationId) {
          await provisioning.createCustomerWithSubscriptions(
            k(),
            { ...customer, realmId, organizationId },
            input.payment?.method ?? 'card',
            subs,
          );
          return {};
        }
        await provisioning.createCustomer(k(), customer, input.payment?.method ?? 'card');
        for (const { key: subKey, s } of subs) await provisioning.addSubscription(subKey, s);
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
      case 'activateNetwork':
        await begin(input, step);
        await provisioning.runServices(
          input.network.map((s) => ({ key: activateKey(input.orderId, s), service: s })),
          customer.id,
          'provision',
          { record: true },
        );
        return {};
      case 'serviceOp':
        await begin(input, step);
        await serviceOp(input);
        return {};
      case 'openManualTask': {
        const order = await begin(input, step);
        const s = input.service!;
        const stateName = event.stateName ?? 'ManualService';
        const r = await provisioning.runService(k(s.key), customer.id, s, s.op, {
          record: false,
          task: { taskToken: event.taskToken!, executionArn: event.executionArn, stateName },
        });
        await updateOrder(order.id, (o) =>
          holdOn(
            o,
            { key: s.key, stateName, since: now(), ticketId: r.ticketId },
            event.taskToken!,
            now(),
            actorOf(input),
          ),
        );
        return { ticketId: r.ticketId };
      }
      case 'manualDone': {
        const s = input.service!;
        const { order } = await updateOrder(input.orderId, (o) => manualStepDone(o, s.key, now(), actorOf(input)));
        await begin(input, step, order);
        const state = stateAfter[s.op];
        if (state) await provisioning.setServiceState(k(s.key), customer.id, s.serviceId, state);
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
        if (failed.length)
          throw new PermanentStepError(
            `${failed.length} service(s) failed: ${failed.map((r) => `${r.key} (${r.error})`).join(', ')}`,
          );
        return {};
      }
      case 'commit':
      case 'finalBill': {
        // The usual case (in progress, not being cancelled, not past it yet) in one conditional
        // write; any other case reads the order and decides as begin() does.
        const passed = await passPointOfNoReturnWhileInProgress(input.orderId, now());
        if (passed) return committedOf(passed);
        const order = await begin(input, step);
        const { order: saved } = await updateOrder(
          input.orderId,
          (o) => {
            if (stepGate(o) === 'cancelled')
              throw new OrderCancelledError(`${step}: the order ${o.id} is being cancelled`);
            return passPointOfNoReturn(o, now());
          },
          undefined,
          order,
        );
        return committedOf(saved);
      }
      case 'notify':
        // Past the point of no return nothing changes the order before the saga completes it: the
        // commit step's result says what it is (an execution from before it carried one reads it).
        await notify(input, input.committed ?? committedOf(await requireOrder(input.orderId)));
        return {};
      case 'complete': {
        // Checked in the same conditional write that ends the order, so no cancellation slips past it.
        const r = await end(input, { items: input.itemResults }, (o) => {
          const applied = appliedDespiteCancellation(o, input.itemResults);
          if (applied.length)
            throw new OrderCancelledError(
              `${step}: the order ${o.id} was cancelled while item(s) ${applied.join(', ')} were applied; they are rolled back`,
            );
        });
        // The order as the step just wrote (or found) it.
        if (input.kind !== 'newCustomer' && input.kind !== 'terminate')
          await notify(input, committedOf(r)).catch((err: unknown) =>
            logger.warn('order notification failed', { orderId: input.orderId, error: err as Error }),
          );
        return { state: r.state };
      }
      case 'finish':
        return { state: (await end(input, { error: input.error ? failureFrom(input.error) : undefined })).state };
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
        await undoService(input.orderId, customer.id, input.service!, false);
        return {};
      case 'undoItem':
        return await undoItem(input);
      case 'openManualUndo':
        return await openManualUndo(event);
      case 'manualUndone': {
        // A person undid the manual step (or it was never done): the service's state after the undo.
        const s = input.service!;
        await updateOrder(input.orderId, (o) => release(o, undoHoldKey(s.key), now(), actorOf(input)));
        const state = stateAfter[undoOf[s.op]];
        const order = await requireOrder(input.orderId);
        // An added subscription's record is gone with the rollback (undoItem removed it): no state to keep.
        if (state && needsManualUndo(order, s.key) && input.item?.op !== 'add')
          await provisioning.setServiceState(k(s.key), customer.id, s.serviceId, state);
        return {};
      }
      case 'manualUndoOutstanding':
        // Nobody confirmed the undo in time: the rollback goes on; the ticket stays open and escalates.
        await updateOrder(input.orderId, (o) => manualUndoOutstanding(o, input.service!.key, now(), actorOf(input)));
        return {};
      case 'deactivateNetwork':
        for (const s of input.network)
          await undoService(input.orderId, customer.id, s, false, activateKey(input.orderId, s));
        return {};
      case 'voidPayment':
        if (input.payment?.method === 'card') await payments.voidPreAuthorization(k(), customer, input.payment);
        return {};
      case 'removeCustomer':
        if (!customer.existing) await provisioning.removeCustomer(k(), customer.id);
        return {};
      case 'closeCustomer':
        await provisioning.closeCustomer(k(), customer.id, true);
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

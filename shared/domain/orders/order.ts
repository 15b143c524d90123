// Product orders (TMF622): the model, its state machine and the pure commands that move it. Each
// command takes the current order and returns the next one with `lastChange` (from, to, who, why)
// and a bumped revision; the store commits it with an optimistic lock together with a history item,
// and the outbox turns each history item into one ProductOrderStateChangeEvent.
import { ConflictError } from '../errors';
import type { ProductOrderSnapshot } from '../../../events/orders';
import type { SagaInput } from './plan';

export type OrderState = ProductOrderSnapshot['state'];
export type ItemState = ProductOrderSnapshot['productOrderItem'][number]['state'];

export const ORDER_KINDS = [
  'newCustomer',
  'addService',
  'removeService',
  'changePlan',
  'suspend',
  'resume',
  'terminate',
] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];

/** The state machine (state-machines/<name>.asl.json) that runs each kind. */
export const MACHINE_OF_KIND: Record<OrderKind, OrderMachine> = {
  newCustomer: 'order-new-customer',
  addService: 'order-change-services',
  removeService: 'order-change-services',
  changePlan: 'order-change-services',
  suspend: 'order-change-services',
  resume: 'order-change-services',
  terminate: 'order-terminate',
};
export const ORDER_MACHINES = ['order-new-customer', 'order-change-services', 'order-terminate'] as const;
export type OrderMachine = (typeof ORDER_MACHINES)[number];

export const FINAL_STATES: readonly OrderState[] = ['completed', 'partial', 'cancelled', 'rejected'];

/** Legal moves. `failed` is final unless the failure is redrivable (then: redrive or roll back). */
const NEXT: Record<OrderState, readonly OrderState[]> = {
  acknowledged: ['inProgress', 'held', 'pendingCancellation', 'failed', 'rejected'],
  inProgress: ['held', 'completed', 'partial', 'failed', 'pendingCancellation'],
  held: ['inProgress', 'failed', 'pendingCancellation'],
  pendingCancellation: ['cancelled', 'failed'],
  failed: ['inProgress', 'pendingCancellation'],
  completed: [],
  partial: [],
  cancelled: [],
  rejected: [],
};

export function canMove(from: OrderState, to: OrderState): boolean {
  return NEXT[from].includes(to);
}

export interface OrderActor {
  type: 'user' | 'workflow' | 'system';
  id: string;
  name?: string;
}

export interface OrderItem {
  id: string;
  action: 'add' | 'modify' | 'delete';
  state: ItemState;
  productOfferingId?: string;
  productId?: string;
  status?: 'active' | 'suspended';
  characteristics: Record<string, string | number | boolean>;
  error?: string;
}

export interface RelatedParty {
  id?: string;
  role: string;
  name?: string;
  '@referredType'?: string;
}

/** A manual step the order waits on: a ticket carrying the step's task token. */
export interface HeldTask {
  key: string;
  stateName: string;
  since: string;
  ticketId?: string;
  ticketNumber?: number;
}

export interface OrderFailure {
  at: string;
  step?: string;
  error: string;
  cause?: string;
  /** The execution stopped at the failed step with nothing undone: it can be redriven or rolled back. */
  redrivable: boolean;
}

export interface ProductOrder {
  id: string;
  externalId?: string;
  kind: OrderKind;
  state: OrderState;
  description?: string;
  category?: string;
  priority?: string;
  requestedStartDate?: string;
  requestedCompletionDate?: string;
  notificationContact?: string;
  channel?: Array<{ id: string; name?: string }>;
  note: Array<{ text: string; author?: string; date: string }>;
  relatedParty: RelatedParty[];
  customerId?: string;
  billingAccountId?: string;
  paymentMethod?: 'cash' | 'card';
  items: OrderItem[];
  /** What the execution runs (built once at creation, so a redrive sees the same plan). */
  plan: SagaInput;
  machine: OrderMachine;
  /** Execution name (the order id); its ARN once started. */
  execution: {
    name: string;
    arn?: string;
    startedAt?: string;
    redriveCount: number;
    rollbackName?: string;
    rollbackArn?: string;
  };
  failure?: OrderFailure;
  cancellation?: { id: string; reason?: string; requestedAt: string; requestedBy: string };
  /** Set when the saga passed its point of no return: no cancellation after it. */
  pointOfNoReturnAt?: string;
  held: HeldTask[];
  /** Keys of the manual steps a person completed (their undo needs a person too). */
  manualDone?: string[];
  /** Manual undos nobody confirmed in time: their tickets stay open (and escalate) after the order ended. */
  outstandingUndo?: HeldTask[];
  /** Task tokens of the held steps by key (kept in the table, never shown or published). */
  heldTokens: Record<string, string>;
  orderDate: string;
  completionDate?: string;
  createdBy: OrderActor;
  revision: number;
  updatedAt: string;
  lastChange: { from?: OrderState; to: OrderState; at: string; actor: OrderActor; reason?: string };
}

export interface NewOrder {
  id: string;
  kind: OrderKind;
  plan: SagaInput;
  items: OrderItem[];
  relatedParty: RelatedParty[];
  fields: Pick<
    ProductOrder,
    | 'externalId'
    | 'description'
    | 'category'
    | 'priority'
    | 'requestedStartDate'
    | 'requestedCompletionDate'
    | 'notificationContact'
    | 'channel'
    | 'customerId'
    | 'billingAccountId'
    | 'paymentMethod'
  >;
  note: Array<{ text: string; author?: string }>;
}

export function createOrder(n: NewOrder, now: string, actor: OrderActor): ProductOrder {
  return {
    id: n.id,
    ...n.fields,
    kind: n.kind,
    state: 'acknowledged',
    note: n.note.map((x) => ({ ...x, date: now })),
    relatedParty: n.relatedParty,
    items: n.items,
    plan: n.plan,
    machine: MACHINE_OF_KIND[n.kind],
    execution: { name: n.id, redriveCount: 0 },
    held: [],
    heldTokens: {},
    orderDate: now,
    createdBy: actor,
    revision: 1,
    updatedAt: now,
    lastChange: { to: 'acknowledged', at: now, actor, reason: 'order received' },
  };
}

/** Move to `to` (or throw ConflictError naming the state); the caller passes what else changes. */
export function moveTo(
  o: ProductOrder,
  to: OrderState,
  at: { now: string; actor: OrderActor; reason?: string },
  patch: Partial<ProductOrder> = {},
): ProductOrder {
  if (o.state !== to && !canMove(o.state, to))
    throw new ConflictError(`The order ${o.id} is ${o.state}; it cannot become ${to}.`);
  return {
    ...o,
    ...patch,
    state: to,
    revision: o.revision + 1,
    updatedAt: at.now,
    lastChange: { from: o.state, to, at: at.now, actor: at.actor, reason: at.reason },
  };
}

/** A change that keeps the state (bookkeeping): bumps the revision, publishes nothing. */
export function touch(o: ProductOrder, now: string, patch: Partial<ProductOrder>): ProductOrder {
  return { ...o, ...patch, revision: o.revision + 1, updatedAt: now };
}

export function isFinal(o: ProductOrder): boolean {
  return FINAL_STATES.includes(o.state) || (o.state === 'failed' && !o.failure?.redrivable);
}

// ---- what the saga's steps decide ----

/** Whether a step may do its work: a requested cancellation stops every further step. */
export function stepGate(o: ProductOrder): 'proceed' | 'cancelled' {
  return o.cancellation ? 'cancelled' : 'proceed';
}

/** A step starts: the order is in progress (from acknowledged, or back from held). */
export function stepStarted(o: ProductOrder, now: string, actor: OrderActor, step: string): ProductOrder | undefined {
  if (
    o.state === 'acknowledged' ||
    (o.state === 'held' && o.held.length === 0) ||
    (o.state === 'failed' && o.failure?.redrivable)
  )
    return moveTo(
      o,
      'inProgress',
      { now, actor, reason: `step ${step}` },
      {
        failure: undefined,
        items: o.items.map((i) => (i.state === 'acknowledged' ? { ...i, state: 'inProgress' } : i)),
      },
    );
  return undefined;
}

export function holdOn(o: ProductOrder, task: HeldTask, token: string, now: string, actor: OrderActor): ProductOrder {
  const held = [...o.held.filter((h) => h.key !== task.key), task];
  const heldTokens = { ...o.heldTokens, [task.key]: token };
  if (o.state === 'held' || o.state === 'pendingCancellation') return touch(o, now, { held, heldTokens });
  return moveTo(
    o,
    'held',
    {
      now,
      actor,
      reason: `waiting on ${task.ticketNumber ? `ticket #${task.ticketNumber}` : 'a person'} (${task.stateName})`,
    },
    { held, heldTokens },
  );
}

export function release(o: ProductOrder, key: string, now: string, actor: OrderActor): ProductOrder | undefined {
  if (!o.held.some((h) => h.key === key)) return undefined;
  const held = o.held.filter((h) => h.key !== key);
  const { [key]: _gone, ...heldTokens } = o.heldTokens;
  if (o.state === 'held' && held.length === 0)
    return moveTo(o, 'inProgress', { now, actor, reason: `manual step ${key} done` }, { held, heldTokens });
  return touch(o, now, { held, heldTokens });
}

/** A manual step's ticket was resolved: released, and remembered as done (a rollback must undo it by hand). */
export function manualStepDone(o: ProductOrder, key: string, now: string, actor: OrderActor): ProductOrder | undefined {
  const released = release(o, key, now, actor);
  if (o.manualDone?.includes(key)) return released;
  return touch(released ?? o, now, { manualDone: [...(o.manualDone ?? []), key] });
}

/** The hold key of the manual undo of a step (never the same as the step's own). */
export const undoHoldKey = (key: string) => `undo:${key}`;

/** Whether rolling the order back must ask a person to undo this manual step. */
export function needsManualUndo(o: ProductOrder, key: string): boolean {
  return o.manualDone?.includes(key) ?? false;
}

/**
 * A manual undo was not confirmed (its Task timed out or failed): the order stops waiting for it,
 * and it stays on the order as outstanding, with its ticket, which is still open.
 */
export function manualUndoOutstanding(o: ProductOrder, key: string, now: string, actor: OrderActor): ProductOrder {
  const hold = o.held.find((h) => h.key === undoHoldKey(key));
  const released = release(o, undoHoldKey(key), now, actor) ?? o;
  if (o.outstandingUndo?.some((u) => u.key === key)) return released;
  const entry: HeldTask = { ...(hold ?? { stateName: 'UndoManualService', since: now }), key };
  return touch(released, now, { outstandingUndo: [...(o.outstandingUndo ?? []), entry] });
}

export function passPointOfNoReturn(o: ProductOrder, now: string): ProductOrder | undefined {
  if (o.pointOfNoReturnAt) return undefined;
  return touch(o, now, { pointOfNoReturnAt: now });
}

export interface ItemOutcome {
  itemId: string;
  ok: boolean;
  error?: string;
}

function undoneText(o: ProductOrder): string {
  const open = o.outstandingUndo ?? [];
  if (!open.length) return 'every completed step was undone';
  const tickets = open.map((u) => (u.ticketNumber ? `#${u.ticketNumber}` : (u.ticketId ?? u.key))).join(', ');
  return `every completed step was undone except ${open.length} manual step(s) nobody confirmed undone (ticket(s) ${tickets})`;
}

/**
 * Items a change order applied although it was cancelled meanwhile (the cancellation came while
 * they ran, past every step's cancellation check): the order may not say `cancelled` while they
 * stay applied, so the saga rolls them back first.
 */
export function appliedDespiteCancellation(o: ProductOrder, items: ItemOutcome[] | undefined): string[] {
  return o.cancellation ? (items ?? []).filter((i) => i.ok).map((i) => i.itemId) : [];
}

/** The saga ends: the final state from the cancellation, the error, or the items' outcomes. */
export function finish(
  o: ProductOrder,
  outcome: { error?: { error: string; cause?: string; step?: string }; items?: ItemOutcome[] },
  now: string,
  actor: OrderActor,
): ProductOrder {
  const base = { held: [], heldTokens: {} } satisfies Partial<ProductOrder>;
  if (o.cancellation)
    return moveTo(
      o,
      'cancelled',
      {
        now,
        actor,
        reason: `${o.cancellation.reason ?? 'cancelled on request'}${o.outstandingUndo?.length ? `; ${undoneText(o)}` : ''}`,
      },
      {
        ...base,
        completionDate: now,
        items: o.items.map((i) => ({ ...i, state: 'cancelled' })),
      },
    );
  if (outcome.error) {
    const failure: OrderFailure = {
      at: now,
      step: outcome.error.step,
      error: outcome.error.error,
      cause: outcome.error.cause?.slice(0, 2000),
      redrivable: false,
    };
    return moveTo(
      o,
      'failed',
      {
        now,
        actor,
        reason: `${outcome.error.error}${outcome.error.step ? ` at ${outcome.error.step}` : ''}; ${undoneText(o)}`,
      },
      {
        ...base,
        failure,
        completionDate: now,
        items: o.items.map((i) => ({ ...i, state: 'failed' })),
      },
    );
  }
  const byItem = new Map((outcome.items ?? []).map((r) => [r.itemId, r]));
  const items = o.items.map((i): OrderItem => {
    const r = byItem.get(i.id);
    if (!r) return { ...i, state: 'completed' };
    return r.ok ? { ...i, state: 'completed' } : { ...i, state: 'failed', error: r.error };
  });
  const failed = items.filter((i) => i.state === 'failed').length;
  const to: OrderState = failed === 0 ? 'completed' : failed === items.length ? 'failed' : 'partial';
  const reason = failed === 0 ? 'every item done' : `${failed} of ${items.length} items failed and were undone`;
  return moveTo(
    o,
    to,
    { now, actor, reason },
    {
      ...base,
      items,
      completionDate: now,
      failure:
        to === 'failed'
          ? {
              at: now,
              error: 'AllItemsFailed',
              cause: items.map((i) => `${i.id}: ${i.error}`).join('; '),
              redrivable: false,
            }
          : undefined,
    },
  );
}

/** The execution stopped at a step without compensating (e.g. retries exhausted): failed, redrivable. */
export function executionFailed(
  o: ProductOrder,
  f: { step?: string; error: string; cause?: string; status: string },
  now: string,
): ProductOrder | undefined {
  if (isFinal(o) || o.state === 'failed') return undefined;
  const cancelling = o.state === 'pendingCancellation';
  return moveTo(
    o,
    'failed',
    {
      now,
      actor: { type: 'system', id: 'order-reconciler' },
      reason: `execution ${f.status.toLowerCase()}${f.step ? ` at ${f.step}` : ''}: ${f.error}`,
    },
    {
      failure: { at: now, step: f.step, error: f.error, cause: f.cause?.slice(0, 2000), redrivable: true },
      // A failed rollback keeps its cancellation: a redrive finishes the rollback.
      cancellation: cancelling ? o.cancellation : undefined,
    },
  );
}

export function redrive(o: ProductOrder, now: string, actor: OrderActor): ProductOrder {
  if (o.state !== 'failed' || !o.failure?.redrivable)
    throw new ConflictError(
      o.state === 'failed'
        ? `The order ${o.id} failed and was rolled back (${o.failure?.error}); place a new order instead of redriving it.`
        : `Only a failed order can be redriven; the order ${o.id} is ${o.state}.`,
    );
  const to: OrderState = o.cancellation ? 'pendingCancellation' : 'inProgress';
  return moveTo(
    o,
    to,
    { now, actor, reason: `redriven from ${o.failure.step ?? 'the failed step'}` },
    {
      failure: undefined,
      execution: { ...o.execution, redriveCount: o.execution.redriveCount + 1 },
    },
  );
}

export type CancelFollowUp =
  /** Steps see the cancellation at their next start; held steps are failed through their tokens. */
  | { kind: 'signal'; tokens: string[] }
  /** The execution already stopped (failed, nothing undone): a rollback execution undoes what was done. */
  | { kind: 'rollback' };

/** TMF622 cancelProductOrder, assessed at once: refused after the point of no return. */
export function requestCancellation(
  o: ProductOrder,
  c: { id: string; reason?: string },
  now: string,
  actor: OrderActor,
): { order: ProductOrder; then: CancelFollowUp } {
  if (o.cancellation)
    throw new ConflictError(`The order ${o.id} is already being cancelled (cancelProductOrder ${o.cancellation.id}).`);
  if (FINAL_STATES.includes(o.state) || (o.state === 'failed' && !o.failure?.redrivable))
    throw new ConflictError(`The order ${o.id} is ${o.state}; there is nothing left to cancel.`);
  if (o.pointOfNoReturnAt)
    throw new ConflictError(
      `The order ${o.id} passed its point of no return at ${o.pointOfNoReturnAt} (state ${o.state}); it can no longer be cancelled.`,
    );
  const cancellation = { id: c.id, reason: c.reason, requestedAt: now, requestedBy: actor.id };
  const order = moveTo(
    o,
    'pendingCancellation',
    { now, actor, reason: c.reason ?? 'cancellation requested' },
    { cancellation, failure: o.state === 'failed' ? undefined : o.failure },
  );
  if (o.state === 'failed') return { order, then: { kind: 'rollback' } };
  return { order, then: { kind: 'signal', tokens: Object.values(o.heldTokens) } };
}

// ---- views ----

export function orderSnapshot(o: ProductOrder): ProductOrderSnapshot {
  return {
    id: o.id,
    href: `/productOrder/${o.id}`,
    externalId: o.externalId,
    kind: o.kind,
    state: o.state,
    category: o.category,
    priority: o.priority,
    orderDate: o.orderDate,
    completionDate: o.completionDate,
    customerId: o.customerId,
    productOrderItem: o.items.map((i) => ({
      id: i.id,
      action: i.action,
      state: i.state,
      productOffering: i.productOfferingId ? { id: i.productOfferingId } : undefined,
      product: i.productId ? { id: i.productId } : undefined,
    })),
    revision: o.revision,
  };
}

export interface StepView {
  name: string;
  status: 'running' | 'succeeded' | 'failed' | 'waiting';
  enteredAt: string;
  exitedAt?: string;
  durationMs?: number;
  attempts: number;
  error?: string;
}

export interface OrderHistoryEntry {
  revision: number;
  at: string;
  from?: OrderState;
  to: OrderState;
  actor: OrderActor;
  reason?: string;
}

/** TMF622 ProductOrder as the API shows it (no task tokens, no saga plan). */
export function orderView(
  o: ProductOrder,
  extra: { history?: OrderHistoryEntry[]; steps?: StepView[] } = {},
): Record<string, unknown> {
  return {
    id: o.id,
    href: `/productOrder/${o.id}`,
    '@type': 'ProductOrder',
    externalId: o.externalId,
    kind: o.kind,
    state: o.state,
    description: o.description,
    category: o.category,
    priority: o.priority,
    orderDate: o.orderDate,
    completionDate: o.completionDate,
    requestedStartDate: o.requestedStartDate,
    requestedCompletionDate: o.requestedCompletionDate,
    notificationContact: o.notificationContact,
    channel: o.channel,
    note: o.note,
    relatedParty: [
      ...o.relatedParty.filter((p) => p.role !== 'customer'),
      ...(o.customerId ? [{ id: o.customerId, role: 'customer', '@referredType': 'Customer' }] : []),
    ],
    billingAccount: o.billingAccountId ? { id: o.billingAccountId } : undefined,
    payment: o.paymentMethod ? [{ '@referredType': o.paymentMethod === 'card' ? 'BankCard' : 'Cash' }] : undefined,
    productOrderItem: o.items.map((i) => ({
      id: i.id,
      action: i.action,
      quantity: 1,
      state: i.state,
      productOffering: i.productOfferingId ? { id: i.productOfferingId } : undefined,
      product:
        i.productId || i.status || Object.keys(i.characteristics).length
          ? {
              id: i.productId,
              status: i.status,
              productCharacteristic: Object.entries(i.characteristics).map(([name, value]) => ({ name, value })),
            }
          : undefined,
      ...(i.error ? { errorMessage: i.error } : {}),
    })),
    cancellationDate: o.state === 'cancelled' ? o.completionDate : undefined,
    cancellationReason: o.cancellation?.reason,
    failure: o.failure,
    pointOfNoReturnAt: o.pointOfNoReturnAt,
    heldOn: o.held.length ? o.held : undefined,
    outstandingUndo: o.outstandingUndo?.length ? o.outstandingUndo : undefined,
    execution: {
      name: o.execution.name,
      arn: o.execution.arn,
      startedAt: o.execution.startedAt,
      redriveCount: o.execution.redriveCount,
      rollbackArn: o.execution.rollbackArn,
      stateMachine: o.machine,
    },
    revision: o.revision,
    lastUpdate: o.updatedAt,
    ...(extra.history ? { history: extra.history } : {}),
    ...(extra.steps ? { steps: extra.steps } : {}),
  };
}

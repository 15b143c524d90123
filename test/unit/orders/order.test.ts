// The order's state machine: legal moves, held while a person acts, the final state from the
// saga's outcome (completed, partial, failed, cancelled), cancellation up to the point of no
// return, and redrive of a failure that left the execution stopped at its step.
import { ConflictError } from '../../../shared/domain/errors';
import {
  appliedDespiteCancellation,
  canMove,
  createOrder,
  executionFailed,
  finish,
  holdOn,
  manualStepDone,
  manualUndoOutstanding,
  needsManualUndo,
  orderView,
  passPointOfNoReturn,
  redrive,
  release,
  requestCancellation,
  stepGate,
  stepStarted,
  type OrderActor,
  type ProductOrder,
  undoHoldKey,
} from '../../../shared/domain/orders/order';
import { planOrder } from '../../../shared/domain/orders/plan';
import { ctx, lookups, newCustomerOrder } from './fixtures';

const T0 = '2026-11-30T01:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();
const user: OrderActor = { type: 'user', id: 'u1' };
const flow: OrderActor = { type: 'workflow', id: 'order-newCustomer' };

function acknowledged(): ProductOrder {
  const p = planOrder(newCustomerOrder(), lookups(null), ctx);
  return createOrder(
    {
      id: ctx.orderId,
      kind: p.kind,
      plan: p.plan,
      items: p.items,
      relatedParty: p.relatedParty,
      note: [],
      fields: { externalId: 'CRM-1', customerId: p.customerId },
    },
    T0,
    user,
  );
}
const running = () => stepStarted(acknowledged(), at(1), flow, 'validate')!;

describe('order state machine', () => {
  it('starts acknowledged; the first step moves it to inProgress once (items too)', () => {
    const o = acknowledged();
    expect(o).toMatchObject({
      state: 'acknowledged',
      revision: 1,
      machine: 'order-new-customer',
      execution: { name: ctx.orderId },
    });
    const r = running();
    expect(r).toMatchObject({
      state: 'inProgress',
      revision: 2,
      lastChange: { from: 'acknowledged', to: 'inProgress', actor: flow },
    });
    expect(r.items.every((i) => i.state === 'inProgress')).toBe(true);
    expect(stepStarted(r, at(2), flow, 'createCustomer')).toBeUndefined();
  });

  it('final states have no way out', () => {
    for (const s of ['completed', 'partial', 'cancelled', 'rejected'] as const)
      expect(['inProgress', 'failed', 'held'].some((t) => canMove(s, t as never))).toBe(false);
  });

  it('is held while any manual step waits, and back in progress when the last is done', () => {
    let o = holdOn(
      running(),
      { key: '2.sim', stateName: 'ManualService', since: at(2), ticketNumber: 7 },
      'tok-a',
      at(2),
      flow,
    );
    expect(o).toMatchObject({
      state: 'held',
      heldTokens: { '2.sim': 'tok-a' },
      lastChange: { reason: expect.stringContaining('ticket #7') },
    });
    o = holdOn(o, { key: '3.sim', stateName: 'ManualService', since: at(3) }, 'tok-b', at(3), flow);
    expect(o.held).toHaveLength(2);
    o = release(o, '2.sim', at(4), flow)!;
    expect(o.state).toBe('held');
    o = release(o, '3.sim', at(5), flow)!;
    expect(o).toMatchObject({ state: 'inProgress', held: [], heldTokens: {} });
    expect(release(o, '3.sim', at(6), flow)).toBeUndefined();
  });

  it('finish: completed; partial when some items failed; failed when all did or on error', () => {
    expect(finish(running(), {}, at(9), flow)).toMatchObject({ state: 'completed', completionDate: at(9) });
    const partial = finish(
      running(),
      {
        items: [
          { itemId: '1', ok: true },
          { itemId: '2', ok: false, error: 'PermanentDriverError' },
        ],
      },
      at(9),
      flow,
    );
    expect(partial.state).toBe('partial');
    expect(partial.items.map((i) => i.state)).toEqual(['completed', 'failed']);
    expect(
      finish(
        running(),
        {
          items: [
            { itemId: '1', ok: false },
            { itemId: '2', ok: false },
          ],
        },
        at(9),
        flow,
      ).state,
    ).toBe('failed');
    const failed = finish(
      running(),
      { error: { error: 'PermanentDriverError', cause: 'rejected', step: 'activateSubscriber' } },
      at(9),
      flow,
    );
    expect(failed).toMatchObject({
      state: 'failed',
      failure: { step: 'activateSubscriber', redrivable: false },
      lastChange: { reason: expect.stringContaining('undone') },
    });
  });

  it('cancel: refused after the point of no return or when final; held tokens are failed', () => {
    const held = holdOn(running(), { key: '2.sim', stateName: 'ManualService', since: at(2) }, 'tok-a', at(2), flow);
    const c = requestCancellation(held, { id: 'c1', reason: 'customer changed their mind' }, at(3), user);
    expect(c.order).toMatchObject({ state: 'pendingCancellation', cancellation: { id: 'c1' } });
    expect(c.then).toEqual({ kind: 'signal', tokens: ['tok-a'] });
    expect(stepGate(c.order)).toBe('cancelled');
    expect(finish(c.order, { error: { error: 'OrderCancelledError' } }, at(4), flow)).toMatchObject({
      state: 'cancelled',
      items: [{ state: 'cancelled' }, { state: 'cancelled' }],
    });
    expect(() => requestCancellation(c.order, { id: 'c2' }, at(4), user)).toThrow(/already being cancelled/);
    const committed = passPointOfNoReturn(running(), at(5))!;
    expect(() => requestCancellation(committed, { id: 'c3' }, at(6), user)).toThrow(ConflictError);
    expect(() => requestCancellation(finish(running(), {}, at(9), flow), { id: 'c4' }, at(10), user)).toThrow(
      /completed/,
    );
  });

  it('a cancellation that came while items ran: the items that were applied anyway are named for rollback', () => {
    const items = [
      { itemId: '1', ok: true },
      { itemId: '2', ok: false, error: 'OrderCancelledError' },
    ];
    expect(appliedDespiteCancellation(running(), items)).toEqual([]);
    const c = requestCancellation(running(), { id: 'c1' }, at(3), user).order;
    expect(appliedDespiteCancellation(c, items)).toEqual(['1']);
    expect(appliedDespiteCancellation(c, [{ itemId: '2', ok: false }])).toEqual([]);
    expect(appliedDespiteCancellation(c, undefined)).toEqual([]);
  });

  it('an execution that stopped at a step: failed, redrivable; redrive or roll back', () => {
    const f = executionFailed(
      running(),
      { step: 'ActivateOnNetwork', error: 'TransientDriverError', status: 'FAILED' },
      at(20),
    )!;
    expect(f).toMatchObject({ state: 'failed', failure: { step: 'ActivateOnNetwork', redrivable: true } });
    expect(executionFailed(f, { error: 'x', status: 'FAILED' }, at(21))).toBeUndefined();
    const r = redrive(f, at(30), user);
    expect(r).toMatchObject({ state: 'inProgress', failure: undefined, execution: { redriveCount: 1 } });
    const c = requestCancellation(f, { id: 'c1' }, at(31), user);
    expect(c.then).toEqual({ kind: 'rollback' });
    const rolledBack = finish(running(), { error: { error: 'PermanentDriverError' } }, at(9), flow);
    expect(() => redrive(rolledBack, at(40), user)).toThrow(/rolled back/);
    expect(() => redrive(running(), at(40), user)).toThrow(/Only a failed order/);
  });

  it('the view never shows task tokens or the saga plan', () => {
    const held = holdOn(
      running(),
      { key: '2.sim', stateName: 'ManualService', since: at(2) },
      'secret-token',
      at(2),
      flow,
    );
    const text = JSON.stringify(orderView(held));
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('"plan"');
    expect(orderView(held)).toMatchObject({
      id: ctx.orderId,
      href: `/productOrder/${ctx.orderId}`,
      state: 'held',
      relatedParty: expect.arrayContaining([{ id: 'cust-01order', role: 'customer', '@referredType': 'Customer' }]),
    });
  });
});

describe('rolling back manual steps', () => {
  const sim = { key: '3.sim', stateName: 'ManualService', since: at(2), ticketId: 'T1' };

  it('remembers a manual step a person completed, once, and releases its hold', () => {
    const heldOrder = holdOn(running(), sim, 'tok-a', at(2), flow);
    expect(needsManualUndo(heldOrder, '3.sim')).toBe(false);
    const done = manualStepDone(heldOrder, '3.sim', at(3), flow)!;
    expect(done).toMatchObject({ state: 'inProgress', held: [], manualDone: ['3.sim'] });
    expect(needsManualUndo(done, '3.sim')).toBe(true);
    expect(needsManualUndo(done, '4.other')).toBe(false);
    // A replayed step changes nothing more.
    expect(manualStepDone(done, '3.sim', at(4), flow)).toBeUndefined();
  });

  it('an undo nobody confirmed stays on the order, and the final reason names its ticket', () => {
    let o = manualStepDone(holdOn(running(), sim, 'tok-a', at(2), flow), '3.sim', at(3), flow)!;
    o = holdOn(
      o,
      { key: undoHoldKey('3.sim'), stateName: 'UndoManualService', since: at(4), ticketId: 'T2' },
      'tok-u',
      at(4),
      flow,
    );
    expect(o.state).toBe('held');
    o = manualUndoOutstanding(o, '3.sim', at(5), flow);
    expect(o).toMatchObject({
      state: 'inProgress',
      held: [],
      outstandingUndo: [{ key: '3.sim', stateName: 'UndoManualService', ticketId: 'T2' }],
    });
    expect(o.heldTokens).toEqual({});
    expect(manualUndoOutstanding(o, '3.sim', at(6), flow).outstandingUndo).toHaveLength(1);
    const failed = finish(o, { error: { error: 'PermanentStepError', step: 'CheckServices' } }, at(7), flow);
    expect(failed.state).toBe('failed');
    expect(failed.lastChange.reason).toBe(
      'PermanentStepError at CheckServices; every completed step was undone except 1 manual step(s) nobody confirmed undone (ticket(s) T2)',
    );
    expect(orderView(failed).outstandingUndo).toEqual([expect.objectContaining({ ticketId: 'T2' })]);
  });

  it('without outstanding undos the reason says everything was undone', () => {
    const failed = finish(running(), { error: { error: 'PermanentDriverError' } }, at(7), flow);
    expect(failed.lastChange.reason).toBe('PermanentDriverError; every completed step was undone');
  });
});

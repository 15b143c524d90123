// Group commit of the escalation steps' transactions (shared/store/transaction-batcher.ts): callers
// that ask while a transaction is in flight share the next one; each caller's items still commit
// all together or not at all, and a shared transaction that is cancelled gives every caller the
// outcome it would have had alone. A fake `send` stands in for DynamoDB (no network).
import type { TransactItem } from '../../../shared/store/client';
import { transactionBatcher, transactItemKey } from '../../../shared/store/transaction-batcher';

const put = (pk: string, sk = 'A'): TransactItem => ({ Put: { TableName: 't', Item: { pk, sk } } });
const check = (pk: string, sk = 'A'): TransactItem => ({
  ConditionCheck: { TableName: 't', Key: { pk, sk }, ConditionExpression: 'attribute_exists(pk)' },
});

const cancelled = (codes: string[]) =>
  Object.assign(new Error('Transaction cancelled'), {
    name: 'TransactionCanceledException',
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** A fake store: records each transaction; `hold` keeps the next sends open until released; `refuse` cancels any transaction touching that pk. */
function fakeStore() {
  const sent: string[][] = [];
  const refused = new Set<string>();
  let holding = false;
  const held: Array<() => void> = [];
  return {
    sent,
    refuse: (pk: string) => refused.add(pk),
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      held.splice(0).forEach((r) => r());
    },
    send: async (items: TransactItem[]) => {
      sent.push(items.map((t) => String((t.Put?.Item ?? t.ConditionCheck?.Key)?.pk)));
      if (holding) await new Promise<void>((r) => held.push(r));
      const codes = items.map((t) =>
        refused.has(String((t.Put?.Item ?? t.ConditionCheck?.Key)?.pk)) ? 'ConditionalCheckFailed' : 'None',
      );
      if (codes.some((c) => c !== 'None')) throw cancelled(codes);
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('transactionBatcher', () => {
  it('sends a lone caller at once, and the callers that arrive while it is in flight together in one transaction', async () => {
    // Prepare
    const store = fakeStore();
    const transact = transactionBatcher({ maxInFlight: 1, send: store.send });
    store.hold();
    const first = transact([put('I1'), check('I1', 'INCIDENT')]);
    await tick();
    const rest = [2, 3, 4].map((k) => transact([put(`I${k}`), check(`I${k}`, 'INCIDENT')]));
    await tick();

    // Act
    store.release();
    await first;
    await tick();
    store.release();
    await Promise.all(rest);

    // Assess
    expect(store.sent).toEqual([
      ['I1', 'I1'],
      ['I2', 'I2', 'I3', 'I3', 'I4', 'I4'],
    ]);
  });

  it('never puts two callers that touch the same item in one transaction', async () => {
    const store = fakeStore();
    const transact = transactionBatcher({ maxInFlight: 1, send: store.send });
    await Promise.all([
      transact([put('I1', 'PAGE#a'), check('I1', 'INCIDENT')]),
      transact([put('I1', 'PAGE#b'), check('I1', 'INCIDENT')]),
      transact([put('I2', 'PAGE#a'), check('I2', 'INCIDENT')]),
    ]);
    expect(store.sent).toEqual([
      ['I1', 'I1', 'I2', 'I2'],
      ['I1', 'I1'],
    ]);
  });

  it('a cancelled shared transaction: every caller is sent again alone and gets its own outcome', async () => {
    const store = fakeStore();
    store.refuse('ACKED');
    const transact = transactionBatcher({ maxInFlight: 1, send: store.send });
    const outcomes = await Promise.allSettled([
      transact([put('I1'), check('I1', 'INCIDENT')]),
      transact([put('ACKED'), check('ACKED', 'INCIDENT')]),
      transact([put('I3'), check('I3', 'INCIDENT')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // The refused caller sees the cancellation of its own items only, as if it had been alone.
    const reason = (outcomes[1] as PromiseRejectedResult).reason as { CancellationReasons: Array<{ Code: string }> };
    expect(reason.CancellationReasons.map((r) => r.Code)).toEqual(['ConditionalCheckFailed', 'ConditionalCheckFailed']);
    expect(store.sent).toEqual([
      ['I1', 'I1', 'ACKED', 'ACKED', 'I3', 'I3'],
      ['I1', 'I1'],
      ['ACKED', 'ACKED'],
      ['I3', 'I3'],
    ]);
  });

  it('any other failure of a shared transaction is every caller’s failure, and nothing is sent again', async () => {
    const send = jest.fn(async () => {
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    });
    const transact = transactionBatcher({ maxInFlight: 1, send });
    const outcomes = await Promise.allSettled([transact([put('I1')]), transact([put('I2')])]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('a shared transaction refused as invalid (over 4 MB) is sent again caller by caller', async () => {
    const send = jest.fn(async (items: TransactItem[]) => {
      if (items.length > 1) throw Object.assign(new Error('Transaction too large'), { name: 'ValidationException' });
    });
    const transact = transactionBatcher({ maxInFlight: 1, send });
    await Promise.all([transact([put('I1')]), transact([put('I2')])]);
    expect(send.mock.calls.map(([items]) => items.length)).toEqual([2, 1, 1]);
  });

  it('keeps a shared transaction within maxItems, in arrival order', async () => {
    const store = fakeStore();
    const transact = transactionBatcher({ maxInFlight: 1, maxItems: 5, send: store.send });
    await Promise.all(['A', 'B', 'C', 'D'].map((k) => transact([put(k, '1'), put(k, '2')])));
    expect(store.sent).toEqual([
      ['A', 'A', 'B', 'B'],
      ['C', 'C', 'D', 'D'],
    ]);
  });

  it('names the item each kind of transaction item touches', () => {
    expect(transactItemKey(put('P', 'S'))).toBe(transactItemKey(check('P', 'S')));
    expect(
      transactItemKey({ Update: { TableName: 't', Key: { pk: 'P', sk: 'S' }, UpdateExpression: 'SET a = :a' } }),
    ).toBe(transactItemKey({ Delete: { TableName: 't', Key: { pk: 'P', sk: 'S' } } }));
    expect(transactItemKey(put('P', 'S'))).not.toBe(transactItemKey(put('P', 'T')));
  });
});

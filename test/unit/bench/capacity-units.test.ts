// The benches price transactions from the items themselves (DynamoDB Local's ConsumedCapacity for
// TransactWriteItems is wrong): 2 units per KB of each item on the table, 1 per KB of each index copy.
import { sizeOf, transactionUnits } from '../../../bench/capacity-units';

const small = (sk: string, extra: Record<string, unknown> = {}) => ({ pk: 'P#1', sk, type: 'Thing', ...extra });

describe('transactionUnits', () => {
  it('bills each small item twice: one item 2 units, six items 12 (DynamoDB Local says 4 and 4)', () => {
    const one = [{ kind: 'Put', table: 'main' }];
    expect(transactionUnits(one, [undefined], [small('A')])).toEqual({ table: 2, gsi: 0, indexes: [] });
    const six = Array.from({ length: 6 }, () => ({ kind: 'Put', table: 'main' }));
    const items = ['A', 'B', 'C', 'D', 'E', 'F'].map((sk) => small(sk));
    expect(
      transactionUnits(
        six,
        six.map(() => undefined),
        items,
      ).table,
    ).toBe(12);
  });

  it('bills an update at the larger of its images, per started KB, and a condition check at the item size', () => {
    const big = small('INC', { body: 'x'.repeat(3500) });
    expect(sizeOf(big)).toBeGreaterThan(3 * 1024);
    const shrunk = small('INC', { body: 'short' });
    const targets = [
      { kind: 'Update', table: 'main' },
      { kind: 'ConditionCheck', table: 'main' },
    ];
    // 3.5 KB before, small after: 4 KB × 2; the checked item 3.5 KB: 4 KB × 2.
    expect(transactionUnits(targets, [big, big], [shrunk, big]).table).toBe(16);
  });

  it('writes an ALL index copy whenever the item changes and a KEYS_ONLY copy only when its keys move', () => {
    const targets = [{ kind: 'Update', table: 'main' }];
    const before = small('A', { gsi1pk: 'L', gsi1sk: '1', gsi3pk: 'K', gsi3sk: '1', n: 1 });
    const counted = small('A', { gsi1pk: 'L', gsi1sk: '1', gsi3pk: 'K', gsi3sk: '1', n: 2 });
    expect(transactionUnits(targets, [before], [counted])).toEqual({ table: 2, gsi: 1, indexes: ['gsi1'] });
    // The keys-only index's sort key moved: the old copy is removed and a new one written.
    const moved = { ...counted, gsi3sk: '2' };
    expect(transactionUnits(targets, [before], [moved])).toEqual({ table: 2, gsi: 3, indexes: ['gsi1', 'gsi3'] });
    // Deleted: both copies removed.
    expect(transactionUnits([{ kind: 'Delete', table: 'main' }], [before], [undefined])).toEqual({
      table: 2,
      gsi: 2,
      indexes: ['gsi1', 'gsi3'],
    });
  });
});

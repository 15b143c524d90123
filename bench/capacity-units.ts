// What DynamoDB bills for a write, computed from the items themselves: for the benches' cost counts
// where DynamoDB Local's ConsumedCapacity is wrong (transactions). Pure.
import { sizeOf } from '../shared/store/item-size';
import { mainTable } from '../shared/store/table-definition';

// The item size function lives with the store, which also uses it (decision 0094, addendum 1).
export { sizeOf };

export type Item = Record<string, unknown>;

const kbUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

/**
 * What AWS bills for a committed transaction, from the items before and after it: 2 write units per
 * KB of each item on the table (the larger of its old and new image; a condition check the item's
 * size), and for each index copy written or removed 1 unit per KB of what the index projects
 * (assumed at the standard rate: index upkeep is not part of the transaction's two-phase write).
 * DynamoDB Local's ConsumedCapacity for TransactWriteItems is wrong (it counts 4 × the distinct
 * per-item sizes: one small item 4 instead of 2, six small items 4 instead of 12), so the benches
 * price transactions themselves; single-item writes keep DynamoDB Local's figures, which are right.
 */
export function transactionUnits(
  targets: Array<{ kind: string; table: string }>,
  before: Array<Item | undefined>,
  after: Array<Item | undefined>,
): { table: number; gsi: number; indexes: string[] } {
  let table = 0;
  let gsi = 0;
  const indexes: string[] = [];
  targets.forEach((t, i) => {
    const old = before[i];
    const now = t.kind === 'ConditionCheck' ? old : after[i];
    table += 2 * kbUnits(Math.max(old ? sizeOf(old) : 0, now ? sizeOf(now) : 0));
    if (t.kind === 'ConditionCheck') return;
    for (const index of mainTable.indexes) {
      const keys = [index.partitionKey, index.sortKey];
      const has = (item: Item | undefined): item is Item => !!item && keys.every((k) => item[k] !== undefined);
      const projected = (item: Item) =>
        index.projection === 'ALL'
          ? item
          : Object.fromEntries([...keys, 'pk', 'sk'].filter((k) => k in item).map((k) => [k, item[k]]));
      const keyMoved = has(old) && has(now) && keys.some((k) => old[k] !== now[k]);
      let u = 0;
      if (has(now) && (!has(old) || keyMoved || JSON.stringify(projected(old)) !== JSON.stringify(projected(now))))
        u += kbUnits(sizeOf(projected(now)));
      if (has(old) && (!has(now) || keyMoved)) u += kbUnits(sizeOf(projected(old)));
      if (u && !indexes.includes(index.name)) indexes.push(index.name);
      gsi += u;
    }
  });
  return { table, gsi, indexes };
}

// What DynamoDB bills for a write, computed from the items themselves: for the benches' cost counts
// where DynamoDB Local's ConsumedCapacity is wrong (transactions). Pure.
import { mainTable } from '../shared/store/table-definition';

export type Item = Record<string, unknown>;

/** An item's size as DynamoDB bills it: attribute names plus values (UTF-8 strings, numbers ~ digits / 2). */
export function sizeOf(v: unknown): number {
  if (v === null || v === undefined || typeof v === 'boolean') return 1;
  if (typeof v === 'string') return Buffer.byteLength(v, 'utf8');
  if (typeof v === 'number' || typeof v === 'bigint') return Math.ceil(String(v).replace(/[-.]/g, '').length / 2) + 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) return [...v].reduce((n: number, x) => n + sizeOf(x), 0);
  if (Array.isArray(v)) return 3 + v.reduce((n: number, x) => n + 1 + sizeOf(x), 0);
  if (typeof v === 'object')
    return (
      3 +
      Object.entries(v as Record<string, unknown>).reduce(
        (n, [k, x]) => (x === undefined ? n : n + 1 + Buffer.byteLength(k, 'utf8') + sizeOf(x)),
        0,
      )
    );
  return 0;
}

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

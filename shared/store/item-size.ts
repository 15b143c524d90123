// An item's size as DynamoDB bills it (attribute names plus values), for choices that keep a write
// within its billed KB (decision 0094, addendum 1) and for the benches' cost counts. Pure.

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

/** Writes are billed per started KB of the item. */
export const BILLED_KB = 1024;

// Which partition a usage record belongs to: a stable hash (32-bit FNV-1a over the key's UTF-8
// bytes) modulo the partition count. The string and the byte forms give the same answer, so a
// file can be split on raw bytes (shared/adapters/usage-files.ts) and a record placed from its
// parsed fields, and the two meet in the same partition, in every runtime, on every run.
import type { ReconcileConfig, UsageRecord } from './types';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the UTF-8 encoding of `key`. */
export function fnv1a(key: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < key.length) {
      const d = key.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    const bytes =
      c < 0x800
        ? [0xc0 | (c >> 6), 0x80 | (c & 0x3f)]
        : c < 0x10000
          ? [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
          : [0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
    for (const b of bytes) h = Math.imul(h ^ b, FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a over bytes[start, end): the same value as `fnv1a` of their UTF-8 decoding. */
export function fnv1aBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

/** The partition (0 … partitions−1) of a key. */
export function partitionOf(key: string, partitions: number): number {
  return fnv1a(key) % partitions;
}

/**
 * The key a record is partitioned by: its recordId, or its subscriber when the fallback key is on
 * (a record unmatched by recordId must meet its candidates by subscriber in the same partition).
 */
export function partitionKeyOf(record: Pick<UsageRecord, 'recordId' | 'subscriber'>, config: ReconcileConfig): string {
  return config.fallback.enabled ? record.subscriber : record.recordId;
}

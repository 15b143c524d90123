// Deterministic, time-ordered ids for items that a retry must not duplicate (system comments):
// a ULID whose time part is the moment it stands for and whose random part is a hash of a seed.
import { createHash } from 'node:crypto';
import { encodeTime } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function deterministicUlid(atMs: number, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let random = '';
  for (let i = 0; i < 16; i++) random += CROCKFORD[digest[i]! % 32];
  return `${encodeTime(atMs, 10)}${random}`;
}

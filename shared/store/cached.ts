// A value read from the store and cached per process for a few seconds, loaded once however many
// callers ask at the same moment: the incident engine places several alerts concurrently, and each
// of them that found the cache expired used to read the same configuration again (issue 15).
export interface Cached<T> {
  /** The cached value, or the one being loaded; `fresh` loads it again whatever its age. */
  get(nowMs?: number, opts?: { fresh?: boolean }): Promise<T>;
  invalidate(): void;
}

export function cached<T>(ttlMs: number, load: () => Promise<T>): Cached<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return {
    get(nowMs = Date.now(), opts = {}) {
      if (opts.fresh || !entry || nowMs - entry.at > ttlMs || nowMs < entry.at) {
        const e = { at: nowMs, value: load() };
        entry = e;
        // A failed load is not cached: the next caller tries again.
        e.value.catch(() => {
          if (entry === e) entry = undefined;
        });
      }
      return entry.value;
    },
    invalidate() {
      entry = undefined;
    },
  };
}

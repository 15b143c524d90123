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

/** Values read by key and cached per process for a few seconds (see `cachedByKey`). */
export interface CachedByKey<T> {
  /**
   * The value for `key`, from the cache while younger than the TTL; undefined when the store has
   * none. With `accept`, a cached value it refuses is read again from the store, and that answer is
   * returned (so the cache only ever speeds up an acceptance).
   */
  get(key: string, nowMs?: number, accept?: (value: T) => boolean): Promise<T | undefined>;
  /** Drop what is cached for `key` (a write through this process changed it). */
  forget(key: string): void;
  clear(): void;
}

/**
 * A keyed `cached`: each key's value is loaded once however many callers ask at the same moment,
 * and kept `ttlMs`. Only values are kept: a key the store does not have (`undefined`) and a failed
 * load are read again by the next caller, so an item created a moment later is found at once and
 * a miss is never served from memory. At most `maxEntries` keys are kept (the oldest load goes first).
 */
export function cachedByKey<T>(
  ttlMs: number,
  load: (key: string) => Promise<T | undefined>,
  maxEntries = 1000,
): CachedByKey<T> {
  type Entry = { at: number; value: Promise<T | undefined> };
  const entries = new Map<string, Entry>();
  const drop = (key: string, e: Entry) => {
    if (entries.get(key) === e) entries.delete(key);
  };
  const loadNow = (key: string, nowMs: number): Promise<T | undefined> => {
    const e: Entry = { at: nowMs, value: load(key) };
    entries.delete(key);
    entries.set(key, e);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    e.value.then(
      (v) => v === undefined && drop(key, e),
      () => drop(key, e),
    );
    return e.value;
  };
  return {
    get(key, nowMs = Date.now(), accept) {
      const hit = entries.get(key);
      if (!hit || nowMs - hit.at > ttlMs || nowMs < hit.at) return loadNow(key, nowMs);
      if (!accept) return hit.value;
      return hit.value.then((v) => (v !== undefined && accept(v) ? v : loadNow(key, nowMs)));
    },
    forget(key) {
      entries.delete(key);
    },
    clear() {
      entries.clear();
    },
  };
}

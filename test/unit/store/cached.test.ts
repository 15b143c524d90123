// The per-process configuration cache: loaded once for concurrent callers, again after its TTL,
// when asked fresh, after invalidation, or after a failed load; the keyed cache never keeps a miss.
import { cached, cachedByKey } from '../../../shared/store/cached';

describe('cached', () => {
  it('loads once for callers asking at the same moment, and again once expired', async () => {
    let loads = 0;
    const c = cached(2000, async () => ++loads);
    expect(await Promise.all([c.get(1000), c.get(1000), c.get(1500)])).toEqual([1, 1, 1]);
    expect(await c.get(3000)).toBe(1);
    expect(await c.get(3001)).toBe(2);
    expect(await c.get(2000)).toBe(3); // the clock went back: loaded again
    expect(await c.get(2000, { fresh: true })).toBe(4);
    c.invalidate();
    expect(await c.get(2000)).toBe(5);
  });

  it('does not keep a failed load', async () => {
    let fail = true;
    const c = cached(2000, async () => {
      if (fail) throw new Error('store unavailable');
      return 'value';
    });
    await expect(c.get(0)).rejects.toThrow('store unavailable');
    fail = false;
    expect(await c.get(1)).toBe('value');
  });
});

describe('cachedByKey', () => {
  it('loads each key once for callers asking at the same moment, and again once older than the TTL', async () => {
    const loads: string[] = [];
    const c = cachedByKey(5000, async (key) => {
      loads.push(key);
      return `${key}@${loads.length}`;
    });
    expect(await Promise.all([c.get('a', 1000), c.get('a', 1000), c.get('b', 1000)])).toEqual(['a@1', 'a@1', 'b@2']);
    expect(await c.get('a', 6000)).toBe('a@1');
    expect(await c.get('a', 6001)).toBe('a@3');
    expect(await c.get('a', 5000)).toBe('a@4'); // the clock went back: loaded again
    c.forget('a');
    expect(await c.get('a', 5000)).toBe('a@5');
    c.clear();
    expect(await c.get('b', 5000)).toBe('b@6');
  });

  it('never keeps a miss or a failure: the next caller reads again', async () => {
    const stored: { value?: string } = {};
    let fail = false;
    let loads = 0;
    const c = cachedByKey(5000, async () => {
      loads++;
      if (fail) throw new Error('store unavailable');
      return stored.value;
    });
    expect(await c.get('k', 0)).toBeUndefined();
    stored.value = 'found';
    expect(await c.get('k', 1)).toBe('found');
    expect(loads).toBe(2);
    c.forget('k');
    fail = true;
    await expect(c.get('k', 2)).rejects.toThrow('store unavailable');
    fail = false;
    expect(await c.get('k', 3)).toBe('found');
    expect(loads).toBe(4);
  });

  it('with accept: a cached value it refuses is read again and the fresh answer returned; a fresh load is not read twice', async () => {
    const stored = { value: 'old' };
    let loads = 0;
    const c = cachedByKey(5000, async () => {
      loads++;
      return stored.value;
    });
    const isNew = (v: string) => v === 'new';
    expect(await c.get('k', 0, isNew)).toBe('old'); // a miss: loaded once, refused, not loaded again
    expect(loads).toBe(1);
    expect(await c.get('k', 1)).toBe('old'); // kept: it is a value
    expect(loads).toBe(1);
    stored.value = 'new';
    expect(await c.get('k', 2, (v) => v === 'old')).toBe('old'); // accepted from the cache
    expect(loads).toBe(1);
    expect(await c.get('k', 3, isNew)).toBe('new'); // refused from the cache: read again
    expect(loads).toBe(2);
    expect(await c.get('k', 4, isNew)).toBe('new'); // and the fresh value is what is kept
    expect(loads).toBe(2);
  });

  it('keeps at most maxEntries keys, dropping the oldest load', async () => {
    let loads = 0;
    const c = cachedByKey(5000, async (key) => `${key}@${++loads}`, 2);
    await c.get('a', 0);
    await c.get('b', 0);
    await c.get('c', 0);
    expect(await c.get('b', 1)).toBe('b@2');
    expect(await c.get('c', 1)).toBe('c@3');
    expect(await c.get('a', 1)).toBe('a@4');
  });
});

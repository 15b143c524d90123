// The per-process configuration cache: loaded once for concurrent callers, again after its TTL,
// when asked fresh, after invalidation, or after a failed load.
import { cached } from '../../../shared/store/cached';

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

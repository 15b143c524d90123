// The probe worker's per-process bound on probes in flight (functions/probe-worker/round.ts).
import { limiter } from '../../../functions/probe-worker/round';

describe('limiter', () => {
  it('runs at most `limit` at once, the rest in arrival order as slots free up', async () => {
    const slot = limiter(3);
    let active = 0;
    let most = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const runs = Array.from({ length: 7 }, (_, i) =>
      slot(async () => {
        started.push(i);
        most = Math.max(most, ++active);
        await new Promise<void>((r) => releases.push(r));
        active--;
        return i;
      }),
    );
    const tick = () => new Promise((r) => setImmediate(r));
    await tick();
    expect(started).toEqual([0, 1, 2]);
    releases[1]!();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    while (releases.length < 7) {
      releases.forEach((r) => r());
      await tick();
    }
    releases.forEach((r) => r());
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(most).toBe(3);
  });

  it('frees the slot when the work fails', async () => {
    const slot = limiter(1);
    await expect(slot(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slot(async () => 'next')).toBe('next');
  });
});

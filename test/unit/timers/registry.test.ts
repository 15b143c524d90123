// The timer sweeper's registry (functions/timer-sweeper/registry.ts) lists each feature's timer kinds
// and loads the feature's handlers on first use. The lists must be exactly what the features serve,
// a kind belongs to one feature, and a feature is loaded once, only when one of its timers is due.
import {
  lazyTimerHandlers,
  timerFeatures,
  timerHandlers,
  type TimerFeature,
} from '../../../functions/timer-sweeper/registry';
import type { Timer, TimerHandler } from '../../../shared/store/timers';

const timer = (kind: string) => ({ id: `t-${kind}`, kind, payload: {} }) as unknown as Timer;

test("each feature's listed kinds are exactly the kinds its handlers serve", async () => {
  for (const f of timerFeatures)
    expect({ feature: f.feature, kinds: Object.keys(await f.load()).sort() }).toEqual({
      feature: f.feature,
      kinds: [...f.kinds].sort(),
    });
  expect(Object.keys(timerHandlers).sort()).toEqual(timerFeatures.flatMap((f) => f.kinds).sort());
});

test('a feature loads once, on the first due timer of one of its kinds, and runs that kind', async () => {
  const ran: string[] = [];
  let loads = 0;
  const feature: TimerFeature = {
    feature: 'f',
    kinds: ['a', 'b'],
    load: async () => {
      loads++;
      const h =
        (k: string): TimerHandler =>
        async () =>
          void ran.push(k);
      return { a: h('a'), b: h('b') };
    },
  };
  const handlers = lazyTimerHandlers([feature]);
  expect(loads).toBe(0);
  await Promise.all([handlers.a!(timer('a'), new Date()), handlers.b!(timer('b'), new Date())]);
  await handlers.a!(timer('a'), new Date());
  expect({ loads, ran: ran.sort() }).toEqual({ loads: 1, ran: ['a', 'a', 'b'] });
});

test('a failed load fails that timer and is tried again by the next one', async () => {
  let loads = 0;
  const handlers = lazyTimerHandlers([
    {
      feature: 'f',
      kinds: ['a'],
      load: async () => {
        if (++loads === 1) throw new Error('chunk not readable');
        return { a: async () => undefined };
      },
    },
  ]);
  await expect(handlers.a!(timer('a'), new Date())).rejects.toThrow('chunk not readable');
  await expect(handlers.a!(timer('a'), new Date())).resolves.toBeUndefined();
  expect(loads).toBe(2);
});

test('two features declaring the same kind fail at load', () => {
  const f = (feature: string): TimerFeature => ({ feature, kinds: ['same'], load: async () => ({}) });
  expect(() => lazyTimerHandlers([f('one'), f('two')])).toThrow('Timer kind "same" is declared by two features.');
});

test('a listed kind its feature does not serve fails that timer, naming it', async () => {
  const handlers = lazyTimerHandlers([{ feature: 'f', kinds: ['gone'], load: async () => ({}) }]);
  await expect(handlers.gone!(timer('gone'), new Date())).rejects.toThrow('Timer kind "gone" is listed for f');
});

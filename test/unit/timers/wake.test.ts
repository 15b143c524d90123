// The sweeper's wake-up decision (decision 0017): a timer seen ahead is woken for at its due
// time; otherwise the next poll; nothing once the invocation's minute is over. Plain numbers.
import { catalog, type ScheduleTrigger } from '../../../infra/catalog';
import { lookaheadMs, nextWake } from '../../../shared/domain/timers/wake';

const S = 1000;
const loop = { pollMs: 5 * S, loopEndsAt: 60 * S };

describe('nextWake', () => {
  it('polls every poll interval when no timer is seen ahead', () => {
    expect(nextWake({ ...loop, now: 0 })).toEqual({ at: 5 * S, reason: 'poll' });
    expect(nextWake({ ...loop, now: 12_345 })).toEqual({ at: 17_345, reason: 'poll' });
  });

  it('wakes at the due time of a timer coming due before the next poll', () => {
    expect(nextWake({ ...loop, now: 10 * S, nextDueAt: 12_500 })).toEqual({ at: 12_500, reason: 'timer' });
  });

  it('leaves a timer due after the next poll to that poll (the poll sees it again, nearer)', () => {
    expect(nextWake({ ...loop, now: 10 * S, nextDueAt: 16 * S })).toEqual({ at: 15 * S, reason: 'poll' });
    expect(nextWake({ ...loop, now: 10 * S, nextDueAt: 15 * S })).toEqual({ at: 15 * S, reason: 'poll' });
  });

  it('runs at once a timer that came due while the sweep ran', () => {
    expect(nextWake({ ...loop, now: 20 * S, nextDueAt: 19 * S })).toEqual({ at: 20 * S, reason: 'timer' });
  });

  it('stops polling at the end of the loop, but still wakes for a timer the last poll saw', () => {
    expect(nextWake({ ...loop, now: 56 * S })).toBeUndefined();
    expect(nextWake({ ...loop, now: 56 * S, nextDueAt: 59 * S })).toEqual({ at: 59 * S, reason: 'timer' });
    expect(nextWake({ ...loop, now: 61 * S, nextDueAt: 64 * S })).toEqual({ at: 64 * S, reason: 'timer' });
    // Beyond one poll interval after the loop the next invocation has polled it already.
    expect(nextWake({ ...loop, now: 61 * S, nextDueAt: 65 * S + 1 })).toBeUndefined();
  });

  it('reads two poll intervals ahead', () => {
    expect(lookaheadMs(5 * S)).toBe(10 * S);
  });
});

describe('the timer-sweeper in the catalog', () => {
  const fn = catalog.functions.find((f) => f.name === 'timer-sweeper')!;
  const loopSeconds = Number(fn.environment!.SWEEP_LOOP_SECONDS);
  const pollSeconds = Number(fn.environment!.SWEEP_POLL_SECONDS);
  const period = (fn.triggers.find((t) => t.kind === 'schedule') as ScheduleTrigger).expression;

  it('is started every minute and polls for at least that minute, so there is no gap between invocations', () => {
    expect(period).toBe('rate(1 minute)');
    expect(loopSeconds).toBeGreaterThanOrEqual(60);
  });

  it('has time after its last poll for the wake-ups that poll saw, and for the handlers they run', () => {
    expect(fn.timeoutSeconds).toBeGreaterThanOrEqual(loopSeconds + pollSeconds + 20);
  });
});

// When the timer sweeper wakes next (docs/decisions/0017-timer-wake-ups.md). A sweep reads the
// due-time index a little ahead of now; the earliest timer it saw coming due before the next poll
// becomes a precise wake-up, so that timer runs at its due time instead of at the next poll.
// Pure: the clock is passed in (milliseconds since the epoch).

export interface WakeInput {
  /** The time now. */
  now: number;
  /** Time between two polls of the index. */
  pollMs: number;
  /** The invocation starts no poll at or after this time (the next invocation takes over). */
  loopEndsAt: number;
  /** The earliest due time among the timers the last sweep saw ahead of it (none: undefined). */
  nextDueAt?: number;
}

export interface Wake {
  at: number;
  /** 'timer': woken for a timer seen ahead; 'poll': the regular poll. */
  reason: 'timer' | 'poll';
}

/** How far ahead a sweep reads: two poll intervals, so a sweep that runs long still covers the gap to the next poll. */
export const lookaheadMs = (pollMs: number): number => 2 * pollMs;

/**
 * The next wake-up: the earliest timer seen ahead when it comes due before the next poll, else
 * the next poll; undefined when the invocation is done. A timer seen by the last poll is still
 * woken for after `loopEndsAt`, up to one poll interval later, so the invocations overlap
 * rather than leave a gap (the claim makes two sweepers running one timer harmless).
 */
export function nextWake(i: WakeInput): Wake | undefined {
  const poll = i.now + i.pollMs;
  if (i.nextDueAt !== undefined && i.nextDueAt < poll && i.nextDueAt <= i.loopEndsAt + i.pollMs)
    return { at: Math.max(i.now, i.nextDueAt), reason: 'timer' };
  if (poll < i.loopEndsAt) return { at: poll, reason: 'poll' };
  return undefined;
}

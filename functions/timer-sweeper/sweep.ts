// One sweep over the due-time index: claim each due timer, run its kind's handler, complete it.
// Handlers are registered by kind (functions/timer-sweeper/registry.ts, from each shared/app/<feature>/timers.ts) and must be idempotent:
// a crash between running and completing runs the timer again once its lease expires.
// The index has TIMER_SHARDS shards (`DUE#<n>`): a sweep works each shard on its own, with its
// own bounded pool of handlers in flight (`concurrency` per shard), so a slow shard or a burst of
// due timers in one does not hold up the others, and many due timers run side by side; the claim
// (a conditional update) keeps two sweepers that see the same timer from both running it. Due
// timers are claimed CLAIM_BATCH at a time in one request (a transaction of their conditional
// claims, falling back to one claim each when any of them is taken: claimTimers), as the shard's
// handlers need them, so claiming costs a fraction of a request per timer (issue 15, 0008).
// `sweepLoop` is one invocation: sweeps every poll interval, and in between wakes precisely for
// the timers a sweep saw coming due before the next poll (decision 0017).
import {
  CLAIM_BATCH_MAX,
  claimTimers,
  completeTimer,
  dueTimersInShard,
  failTimer,
  TIMER_SHARDS,
  type Timer,
  type TimerHandler,
} from '../../shared/store/timers';
import { lookaheadMs, nextWake } from '../../shared/domain/timers/wake';
import { logger } from '../../shared/observability/logger';

export type { TimerHandler };

/**
 * Handlers in flight per shard by default: 8 shards × 4 = 32 per sweep (was 16 for the whole
 * index). More in flight only queues at the store once its requests are the bottleneck (0008).
 */
export const SWEEP_SHARD_CONCURRENCY = 4;

/**
 * Due timers of a shard claimed together in one request, when its handlers run out of claimed
 * ones. Small enough that a claimed batch runs well inside its lease (120 s) even on a loaded
 * store, large enough that claims are a few hundredths of a request per timer.
 */
export const CLAIM_BATCH = 25;

export interface SweepOptions {
  handlers: Record<string, TimerHandler>;
  /** Timers read per shard per query. */
  batch?: number;
  /** Handlers in flight per shard (default SWEEP_SHARD_CONCURRENCY). */
  concurrency?: number;
  /** Due timers claimed together in one request (default CLAIM_BATCH, at most CLAIM_BATCH_MAX). */
  claimBatch?: number;
  /** The shards this sweep works (default: all of them). */
  shards?: number[];
  leaseSeconds?: number;
  maxAttempts?: number;
  /** Also read the timers coming due within this many milliseconds (reported as `nextDueAt`). */
  aheadMs?: number;
}

export interface SweepResult {
  ran: number;
  failed: number;
  parked: number;
  /** Milliseconds between each timer's due time and the moment its handler finished. */
  lateness: number[];
  /** The earliest due time of a timer (of a known kind) seen ahead, within `aheadMs`. */
  nextDueAt?: string;
}

export const ALL_SHARDS: readonly number[] = Array.from({ length: TIMER_SHARDS }, (_, i) => i);

export async function sweepOnce(now: () => Date, opts: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { ran: 0, failed: 0, parked: 0, lateness: [] };
  await Promise.all((opts.shards ?? ALL_SHARDS).map((shard) => sweepShard(shard, now, opts, result)));
  return result;
}

/** One shard: read its due timers, run them with `concurrency` in flight, read again while it had more. */
async function sweepShard(shard: number, now: () => Date, opts: SweepOptions, result: SweepResult): Promise<void> {
  const batch = opts.batch ?? 500;
  for (;;) {
    const at = now();
    const { timers: seen, full } = await dueTimersInShard(shard, at, batch, opts.aheadMs ?? 0);
    const nowIso = at.toISOString();
    // A kind this sweeper has no handler for is left alone (a newer deployment may know it).
    const known = seen.filter((t) => opts.handlers[t.kind]);
    const due = known.filter((t) => t.dueAt <= nowIso);
    const ahead = known.find((t) => t.dueAt > nowIso);
    if (ahead && (!result.nextDueAt || ahead.dueAt < result.nextDueAt)) result.nextDueAt = ahead.dueAt;
    const unknown = seen.filter((t) => t.dueAt <= nowIso).length - due.length;
    if (unknown) logger.warn('due timers of unknown kinds left in place', { shard, count: unknown });
    if (due.length === 0) return;
    const take = claimer(due, now, opts);
    const worker = async () => {
      for (let t = await take(); t; t = await take()) await runOne(t, now, opts, result);
    };
    await Promise.all(
      Array.from({ length: Math.min(opts.concurrency ?? SWEEP_SHARD_CONCURRENCY, due.length) }, worker),
    );
    // Every timer we saw was handled or is leased by someone else; read again only if the shard had more.
    if (!full) return;
  }
}

/**
 * Hands the shard's workers claimed timers, one at a time: when none is left claimed, the next
 * `claimBatch` due timers are claimed in one request (one claim at a time, the other workers
 * wait for it); those someone else holds are skipped. Undefined once every due timer was handed
 * out or skipped.
 */
function claimer(due: Timer[], now: () => Date, opts: SweepOptions): () => Promise<Timer | undefined> {
  const size = Math.max(1, Math.min(opts.claimBatch ?? CLAIM_BATCH, CLAIM_BATCH_MAX));
  const claimed: Timer[] = [];
  let next = 0;
  let claiming: Promise<void> | undefined;
  return async () => {
    for (;;) {
      if (claimed.length) return claimed.shift();
      if (next >= due.length) return undefined;
      claiming ??= (async () => {
        const chunk = due.slice(next, (next += size));
        claimed.push(...(await claimTimers(chunk, now(), opts.leaseSeconds ?? 120)));
      })().finally(() => (claiming = undefined));
      await claiming;
    }
  };
}

/** Run one claimed timer's handler, then complete it (or record the failure). */
async function runOne(t: Timer, now: () => Date, opts: SweepOptions, result: SweepResult): Promise<void> {
  const handler = opts.handlers[t.kind]!;
  try {
    // A handler that moved its own timer keeps it (the conditional delete would fail anyway).
    if ((await handler(t, now())) !== 'moved') await completeTimer(t);
    result.ran++;
    result.lateness.push(now().getTime() - Date.parse(t.dueAt));
  } catch (err) {
    result.failed++;
    const outcome = await failTimer(t, now(), (err as Error).message ?? String(err), opts.maxAttempts ?? 10);
    if (outcome === 'parked') result.parked++;
    logger.error('timer handler failed', {
      timerId: t.id,
      kind: t.kind,
      attempts: t.attempts + 1,
      outcome,
      error: err as Error,
    });
  }
}

export interface SweepLoopOptions extends Omit<SweepOptions, 'aheadMs'> {
  /** How long the invocation starts polls for (the schedule starts the next one). */
  loopMs: number;
  pollMs: number;
  /** Waits (a test passes one that moves its clock). */
  sleep?: (ms: number) => Promise<void>;
}

export interface SweepLoopResult extends Omit<SweepResult, 'nextDueAt'> {
  /** Sweeps started by the poll (the first one included). */
  polls: number;
  /** Sweeps started by a precise wake-up for a timer seen ahead. */
  wakes: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One invocation of the sweeper: poll every `pollMs` for `loopMs`, waking at the due time of each timer seen ahead. */
export async function sweepLoop(now: () => Date, opts: SweepLoopOptions): Promise<SweepLoopResult> {
  const { loopMs, pollMs, sleep = realSleep, ...sweep } = opts;
  const loopEndsAt = now().getTime() + loopMs;
  const result: SweepLoopResult = { ran: 0, failed: 0, parked: 0, lateness: [], polls: 0, wakes: 0 };
  let reason: 'poll' | 'timer' = 'poll';
  for (;;) {
    const r = await sweepOnce(now, { ...sweep, aheadMs: lookaheadMs(pollMs) });
    if (reason === 'poll') result.polls++;
    else result.wakes++;
    result.ran += r.ran;
    result.failed += r.failed;
    result.parked += r.parked;
    result.lateness.push(...r.lateness);
    const t = now().getTime();
    const wake = nextWake({ now: t, pollMs, loopEndsAt, nextDueAt: r.nextDueAt ? Date.parse(r.nextDueAt) : undefined });
    if (!wake) return result;
    if (wake.at > t) await sleep(wake.at - t);
    reason = wake.reason;
  }
}

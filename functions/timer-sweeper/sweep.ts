// One sweep over the due-time index: claim each due timer, run its kind's handler, complete it.
// Handlers are registered by kind (functions/timer-sweeper/registry.ts, from each shared/app/<feature>/timers.ts) and must be idempotent:
// a crash between running and completing runs the timer again once its lease expires.
import { claimTimer, completeTimer, dueTimers, failTimer, type TimerHandler } from '../../shared/store/timers';
import { logger } from '../../shared/observability/logger';

export type { TimerHandler };

export interface SweepOptions {
  handlers: Record<string, TimerHandler>;
  /** Timers read per shard per pass. */
  batch?: number;
  concurrency?: number;
  leaseSeconds?: number;
  maxAttempts?: number;
}

export interface SweepResult {
  ran: number;
  failed: number;
  parked: number;
  /** Milliseconds between each timer's due time and the moment its handler finished. */
  lateness: number[];
}

export async function sweepOnce(now: () => Date, opts: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { ran: 0, failed: 0, parked: 0, lateness: [] };
  const batch = opts.batch ?? 500;
  for (;;) {
    const seen = await dueTimers(now(), batch);
    // A kind this sweeper has no handler for is left alone (a newer deployment may know it).
    const due = seen.filter((t) => opts.handlers[t.kind]);
    const unknown = seen.length - due.length;
    if (unknown) logger.warn('due timers of unknown kinds left in place', { count: unknown });
    if (due.length === 0) return result;
    let next = 0;
    const worker = async () => {
      while (next < due.length) {
        const t = due[next++]!;
        const handler = opts.handlers[t.kind]!;
        if (!(await claimTimer(t, now(), opts.leaseSeconds ?? 120))) continue;
        try {
          await handler(t, now());
          await completeTimer(t);
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
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 16, due.length) }, worker));
    // Every timer we saw was handled or is leased by someone else; stop when a pass makes no progress.
    if (seen.length < batch) return result;
  }
}

// One batch of a probe round: claim each probe's round (skipping those another worker has),
// run its check, record the result and any flip. A check never throws, so one bad probe cannot
// fail the batch. A store failure does throw: EventBridge retries the event, and the claims let
// the retry redo only what is left.
//
// Both halves are bounded per process (shared by every batch the process runs: one at a time in
// a Lambda, all of them in the local runtime), so a round's sockets, buffers and store requests do
// not grow with its size: checks in flight (PROBES_IN_FLIGHT, 100: wide enough that the probes
// hanging until their timeout do not hold up the rest; 100 checks of 10 s take one timeout, ≥ 67
// fit a round with 10 % of them hanging into 15 s, decision 0006) and store calls in flight
// (PROBE_STORE_CALLS_IN_FLIGHT, 32: claims and records; more only queue at the table, and a
// hanging check holds no store slot).
import type { DueProbe } from '../../shared/store/probes';
import { claimProbeRound, recordProbeResult, specOf } from '../../shared/store/probes';
import type { ProbeSpec } from '../../shared/domain/probes/definitions';
import type { CheckResult } from '../../shared/domain/probes/probe-state';
import { runCheck as realRunCheck, type Clock } from '../../shared/adapters/probe-checks';

/** Checks in flight at once in one process, across the batches it runs. */
export const PROBES_IN_FLIGHT = 100;
/** Claims and records in flight at once in one process. */
export const PROBE_STORE_CALLS_IN_FLIGHT = 32;

/** A counting semaphore: at most `limit` holders at once, the others wait in arrival order. */
export function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next)
        next(); // hand the slot on
      else active--;
    }
  };
}

const checkSlot = limiter(Number(process.env.PROBES_IN_FLIGHT ?? PROBES_IN_FLIGHT));
const storeSlot = limiter(Number(process.env.PROBE_STORE_CALLS_IN_FLIGHT ?? PROBE_STORE_CALLS_IN_FLIGHT));

export interface BatchOptions {
  clock?: Clock;
  /** Probes of this batch in flight (claim, check, record); checks and store calls are also bounded per process. */
  concurrency?: number;
  /** Replaces the network side (unit tests, benchmarks). */
  runCheck?: (spec: ProbeSpec, clock: Clock) => Promise<CheckResult>;
}

export interface BatchResult {
  claimed: number;
  skipped: number;
  recorded: number;
  failedChecks: number;
  flips: number;
}

export async function runProbeBatch(probes: DueProbe[], opts: BatchOptions = {}): Promise<BatchResult> {
  const clock = opts.clock ?? (() => new Date());
  const check = opts.runCheck ?? realRunCheck;
  const result: BatchResult = { claimed: 0, skipped: 0, recorded: 0, failedChecks: 0, flips: 0 };
  let next = 0;
  const errors: unknown[] = [];
  const one = async (p: DueProbe) => {
    try {
      const round = await storeSlot(() => claimProbeRound(p.id, p.dueAt, clock()));
      if (!round) {
        result.skipped++;
        return;
      }
      result.claimed++;
      const spec = specOf(round.definition);
      const r = await checkSlot(() => check(spec, clock));
      if (!r.ok) result.failedChecks++;
      const recorded = await storeSlot(() => recordProbeResult(round, r));
      if (recorded.recorded) result.recorded++;
      result.flips += recorded.flips.length;
    } catch (err) {
      errors.push(err);
    }
  };
  const worker = async () => {
    while (next < probes.length) {
      const p = probes[next++]!;
      await one(p);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? probes.length, probes.length) }, worker));
  if (errors.length)
    throw new AggregateError(
      errors,
      `${errors.length} of ${probes.length} probes could not be stored; the batch will be retried`,
    );
  return result;
}

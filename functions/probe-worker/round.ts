// One batch of a probe round: claim the probes' rounds, CLAIM_ROUNDS_MAX at a time in two
// requests (skipping those another worker has; claimProbeRounds), run each claimed probe's
// check, record the result and any flip. A check never throws, so one bad probe cannot
// fail the batch. A store failure does throw: EventBridge retries the event, and the claims let
// the retry redo only what is left.
//
// Both halves are bounded per process (shared by every batch the process runs: one at a time in
// a Lambda, all of them in the local runtime), so a round's sockets, buffers and store requests do
// not grow with its size: checks in flight (PROBES_IN_FLIGHT, 250: checks are I/O bound, and a
// round's probes hanging until their timeout — 100 of 1,000 at 10 % — must leave most slots to the
// rest, so every check starts within the round's first seconds and the round ends about one
// timeout after its last claim; decision 0006) and store calls in flight
// (PROBE_STORE_CALLS_IN_FLIGHT, 32: claims and records; more only queue at the table, and a
// hanging check holds no store slot). A batch's claims go before its records.
import type { ClaimedRound, DueProbe } from '../../shared/store/probes';
import { CLAIM_ROUNDS_MAX, claimProbeRounds, recordProbeResult, specOf } from '../../shared/store/probes';
import { batchesOf } from '../../shared/domain/probes/rounds';
import type { ProbeSpec } from '../../shared/domain/probes/definitions';
import type { CheckResult } from '../../shared/domain/probes/probe-state';
import { runCheck as realRunCheck, type Clock } from '../../shared/adapters/probe-checks';

/** Checks in flight at once in one process, across the batches it runs. */
export const PROBES_IN_FLIGHT = 250;
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
  const errors: unknown[] = [];
  const inFlight = limiter(Math.max(1, opts.concurrency ?? probes.length));
  // Check and record one claimed round (the batch's own bound first, then the process's).
  let claimsDone: Promise<unknown> = Promise.resolve();
  const one = (round: ClaimedRound) =>
    inFlight(async () => {
      try {
        result.claimed++;
        const spec = specOf(round.definition);
        const r = await checkSlot(() => check(spec, clock));
        if (!r.ok) result.failedChecks++;
        // Records wait for the batch's claims: a claim starts checks, a record only ends one.
        await claimsDone;
        const recorded = await storeSlot(() => recordProbeResult(round, r));
        if (recorded.recorded) result.recorded++;
        result.flips += recorded.flips.length;
      } catch (err) {
        errors.push(err);
      }
    });
  // Every chunk's claim is asked for at once (they queue for store slots ahead of any record), and
  // each claimed probe's check starts as soon as its chunk is claimed: the checks that hang until
  // their timeout start early, and the round ends one timeout after the last claim.
  const claims = batchesOf(probes, CLAIM_ROUNDS_MAX).map((chunk) =>
    storeSlot(() => claimProbeRounds(chunk, clock())).then(
      (rounds) => ({ chunk, rounds }),
      (err: unknown) => {
        errors.push(err);
        return { chunk, rounds: [] as Array<ClaimedRound | undefined> };
      },
    ),
  );
  claimsDone = Promise.all(claims);
  await Promise.all(
    claims.map(async (claim) => {
      const { rounds } = await claim;
      await Promise.all(
        rounds.map((round) => {
          if (round) return one(round);
          result.skipped++;
          return undefined;
        }),
      );
    }),
  );
  if (errors.length)
    throw new AggregateError(
      errors,
      `${errors.length} of ${probes.length} probes could not be stored; the batch will be retried`,
    );
  return result;
}

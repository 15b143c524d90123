// One batch of a probe round: claim each probe's round (skipping those another worker has),
// run its check, record the result and any flip. All probes of a batch run at once, up to
// `concurrency`; a check never throws, so one bad probe cannot fail the batch. A store failure
// does throw: EventBridge retries the event, and the claims let the retry redo only what is left.
import type { DueProbe } from '../../shared/store/probes';
import { claimProbeRound, recordProbeResult, specOf } from '../../shared/store/probes';
import type { ProbeSpec } from '../../shared/domain/probes/definitions';
import type { CheckResult } from '../../shared/domain/probes/probe-state';
import { runCheck as realRunCheck, type Clock } from '../../shared/adapters/probe-checks';

export interface BatchOptions {
  clock?: Clock;
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
  const worker = async () => {
    while (next < probes.length) {
      const p = probes[next++]!;
      try {
        const round = await claimProbeRound(p.id, p.dueAt, clock());
        if (!round) {
          result.skipped++;
          continue;
        }
        result.claimed++;
        const r = await check(specOf(round.definition), clock);
        if (!r.ok) result.failedChecks++;
        const recorded = await recordProbeResult(round, r);
        if (recorded.recorded) result.recorded++;
        result.flips += recorded.flips.length;
      } catch (err) {
        errors.push(err);
      }
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

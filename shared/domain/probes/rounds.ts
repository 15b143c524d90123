// A probe round fanned out: the scheduler splits the due probes into batches and puts one
// `Probe Batch Due` event per batch on the bus; each event invokes the worker, which EventBridge
// retries and dead-letters, never drops (docs/decisions/0006). Pure.
import {
  PROBE_BATCH_DETAIL_TYPE,
  PROBE_ROUND_SOURCE,
  probeBatchDetailSchema,
  type ProbeBatchDetail,
} from '../../../events/probes';

export { PROBE_BATCH_DETAIL_TYPE, PROBE_ROUND_SOURCE, probeBatchDetailSchema };
export type { ProbeBatchDetail };

/**
 * Probes per worker invocation. The worker runs up to 100 of them at once (PROBES_IN_FLIGHT in
 * functions/probe-worker/round.ts), so a batch takes one or two probe timeouts (≤ 60 s at the 30 s
 * maximum, inside the worker's 90 s); 1,000 due probes are 5 invocations (the local runtime runs
 * 8 at once, so they all start together).
 */
export const PROBE_BATCH_SIZE = 200;

export function batchesOf<T>(items: T[], size = PROBE_BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

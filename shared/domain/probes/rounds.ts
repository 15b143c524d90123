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

/** Probes per worker invocation: all run at once, so a batch takes about one probe timeout. */
export const PROBE_BATCH_SIZE = 25;

export function batchesOf<T>(items: T[], size = PROBE_BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// A probe round fanned out: the scheduler splits the due probes into batches and puts one
// `Probe Batch Due` event per batch on the bus; each event invokes the worker, which EventBridge
// retries and dead-letters, never drops (docs/decisions/0006). Pure.
import { z } from 'zod';

export const PROBE_ROUND_SOURCE = 'nocturne.probe-scheduler';
export const PROBE_BATCH_DETAIL_TYPE = 'Probe Batch Due';
/** Probes per worker invocation: all run at once, so a batch takes about one probe timeout. */
export const PROBE_BATCH_SIZE = 25;

export const probeBatchDetailSchema = z.object({
  version: z.literal(1),
  /** The scheduler run that found these probes due. */
  round: z.iso.datetime({ offset: true }),
  probes: z
    .array(z.object({ id: z.string().min(1).max(64), dueAt: z.iso.datetime({ offset: true }) }))
    .min(1)
    .max(100),
});
export type ProbeBatchDetail = z.infer<typeof probeBatchDetailSchema>;

export function batchesOf<T>(items: T[], size = PROBE_BATCH_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

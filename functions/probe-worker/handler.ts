// Lambda entry for probe checks (see infra/catalog.ts: "probe-worker"): one `Probe Batch Due`
// event from the scheduler, all its probes checked at once.
import { probeBatchDetailSchema } from '../../shared/domain/probes/rounds';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { runProbeBatch, type BatchResult } from './round';

export const handler = eventHandler(probeBatchDetailSchema, async (event): Promise<BatchResult> => {
  const r = await runProbeBatch(event.detail.probes);
  if (r.flips || r.failedChecks) logger.info('probe batch', { round: event.detail.round, ...r });
  return r;
});

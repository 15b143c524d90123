// Lambda entry for probe checks (see infra/catalog.ts: "probe-worker"): one `Probe Batch Due`
// event from the scheduler, all its probes checked at once.
import type { EventBridgeEvent } from 'aws-lambda';
import { ValidationError } from '../../shared/domain/errors';
import { probeBatchDetailSchema, type ProbeBatchDetail } from '../../shared/domain/probes/rounds';
import { logger } from '../../shared/observability/logger';
import { runProbeBatch, type BatchResult } from './round';

export const handler = async (event: EventBridgeEvent<string, ProbeBatchDetail>): Promise<BatchResult> => {
  const parsed = probeBatchDetailSchema.safeParse(event.detail);
  // A malformed event is a bug upstream: fail, so it lands in the dead-letter queue for a look.
  if (!parsed.success) throw ValidationError.fromZod('Probe Batch Due event is not valid', parsed.error, 'detail');
  const r = await runProbeBatch(parsed.data.probes);
  if (r.flips || r.failedChecks) logger.info('probe batch', { round: parsed.data.round, ...r });
  return r;
};

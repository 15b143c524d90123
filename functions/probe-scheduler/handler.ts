// Lambda entry for probe rounds (see infra/catalog.ts: "probe-scheduler"): every minute, find
// the probes due and fan them out to probe-worker through the bus.
import type { ScheduledEvent } from 'aws-lambda';
import { eventPublisher } from '../../shared/adapters/events';
import { logger } from '../../shared/observability/logger';
import { scheduleRound } from './schedule';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(async (_event: ScheduledEvent): Promise<{ due: number; batches: number }> => {
  const r = await scheduleRound(new Date(), eventPublisher());
  if (r.due) logger.info('probe round', r);
  return r;
});

// Lambda entry for the SLO evaluation tick (see infra/catalog/slo.ts: "slo-evaluator"): every
// minute, evaluate every SLO and align its burn-rate alerts (built-in integration nocturne-slo).
// The scheduled event's time is the tick's "now", so a replayed or simulated tick evaluates the
// minute it names.
import type { ScheduledEvent } from 'aws-lambda';
import { evaluateAllSlos, type TickResult } from '../../shared/app/slo/tick';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>): Promise<TickResult> => {
  const at = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const r = await evaluateAllSlos(at);
  if (r.sent.length || r.tickets.length || r.failed) logger.info('SLO tick', { ...r });
  return r;
});

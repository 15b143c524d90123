// Lambda entry for durable timers (see infra/catalog.ts: "timer-sweeper"). EventBridge runs it
// every minute; within one invocation it sweeps every few seconds, so a timer fires within
// about SWEEP_POLL_SECONDS of its due time while nothing lives in a process's memory.
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/observability/logger';
import { timerHandlers } from './registry';
import { sweepOnce } from './sweep';
import { lambdaHandler } from '../../shared/http/event-handler';

const loopSeconds = Number(process.env.SWEEP_LOOP_SECONDS ?? '50');
const pollSeconds = Number(process.env.SWEEP_POLL_SECONDS ?? '5');

export const handler = lambdaHandler(async (_event: ScheduledEvent): Promise<{ ran: number; failed: number }> => {
  const started = Date.now();
  let ran = 0;
  let failed = 0;
  do {
    const r = await sweepOnce(() => new Date(), { handlers: timerHandlers });
    ran += r.ran;
    failed += r.failed;
    if (Date.now() - started + pollSeconds * 1000 > loopSeconds * 1000) break;
    await new Promise((resolve) => setTimeout(resolve, pollSeconds * 1000));
  } while (Date.now() - started < loopSeconds * 1000);
  if (ran || failed) logger.info('timer sweep', { ran, failed });
  return { ran, failed };
});

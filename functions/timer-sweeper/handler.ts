// Lambda entry for durable timers (see infra/catalog.ts: "timer-sweeper"). EventBridge runs it
// every minute; within one invocation it polls the due-time index every SWEEP_POLL_SECONDS for
// SWEEP_LOOP_SECONDS, and wakes at the exact due time of each timer a poll saw coming due before
// the next one (decision 0017), while nothing lives only in a process's memory.
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/observability/logger';
import { timerHandlers } from './registry';
import { sweepLoop } from './sweep';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(
  async (_event: ScheduledEvent): Promise<{ ran: number; failed: number; polls: number; wakes: number }> => {
    const r = await sweepLoop(() => new Date(), {
      handlers: timerHandlers,
      loopMs: Number(process.env.SWEEP_LOOP_SECONDS ?? '60') * 1000,
      pollMs: Number(process.env.SWEEP_POLL_SECONDS ?? '5') * 1000,
    });
    if (r.ran || r.failed) logger.info('timer sweep', { ran: r.ran, failed: r.failed, polls: r.polls, wakes: r.wakes });
    return { ran: r.ran, failed: r.failed, polls: r.polls, wakes: r.wakes };
  },
);

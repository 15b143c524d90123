// Timer kinds and the code that runs when one is due. Features add their kinds here.
import { announce, FLAP_TIMER, flapCheck, NOTIFY_TIMER } from '../../shared/incidents/engine';
import type { TimerHandler } from './sweep';
import { oncallTimerHandlers } from '../../shared/oncall/timers';
import { checkJobOnTimer, JOB_TIMER_KIND } from '../../shared/store/probe-jobs';
import { AUTOCLOSE_TIMER_KIND, runAutoCloseTimer, runSlaTimer, SLA_TIMER_KIND } from '../ticket-sla/timers';

export const timerHandlers: Record<string, TimerHandler> = {
  [NOTIFY_TIMER]: (t, now) => announce(String(t.payload.incidentId), now),
  [FLAP_TIMER]: (t, now) => flapCheck(String(t.payload.incidentId), now),
  // Tickets: SLA warning / breach and auto-close after the reopen window (functions/ticket-sla/timers.ts).
  [SLA_TIMER_KIND]: runSlaTimer,
  [AUTOCLOSE_TIMER_KIND]: runAutoCloseTimer,
  // Monitored jobs: late / down / too long / error window expiry (shared/store/probe-jobs.ts).
  [JOB_TIMER_KIND]: async (t, now) => {
    await checkJobOnTimer(String(t.payload.jobId), now);
  },
  // On-call: escalation steps, ack timeouts, delayed notification rules, page retries (shared/oncall/timers.ts).
  ...oncallTimerHandlers,
};

// On-call timer kinds, assembled in functions/timer-sweeper/registry.ts: escalation steps, ack
// timeouts, delayed notification rules and page publish retries. Each handler re-reads the
// incident and acts only while that still makes sense; each is safe to run twice.
import type { TimerHandler } from '../../store/timers';
import { ACK_TIMEOUT_TIMER, ESCALATION_STEP_TIMER, onAckTimeout, onStepTimer } from './escalation';
import { deliverDelayedPage, PAGE_DELIVER_TIMER, PAGE_RETRY_TIMER, retryPage } from './paging';

export const oncallTimerHandlers: Record<string, TimerHandler> = {
  [ESCALATION_STEP_TIMER]: onStepTimer,
  [ACK_TIMEOUT_TIMER]: (t, now) => onAckTimeout(String(t.payload.incidentId), Number(t.payload.epoch), now, t),
  [PAGE_DELIVER_TIMER]: (t, now) =>
    deliverDelayedPage(
      {
        incidentId: String(t.payload.incidentId),
        epoch: Number(t.payload.epoch),
        round: Number(t.payload.round),
        level: Number(t.payload.level),
        userId: String(t.payload.userId),
        contactMethodId: String(t.payload.contactMethodId),
        policyName: String(t.payload.policyName ?? ''),
      },
      now,
    ),
  [PAGE_RETRY_TIMER]: (t, now) => retryPage(String(t.payload.incidentId), String(t.payload.key), now),
};

// Incident timer kinds, assembled in functions/timer-sweeper/registry.ts: the delayed "incident
// opened" announcement and the flapping re-check. Both re-read the incident and are idempotent.
import type { TimerHandler } from '../../store/timers';
import { announce, FLAP_TIMER, flapCheck, NOTIFY_TIMER } from './engine';

export const incidentTimerHandlers: Record<string, TimerHandler> = {
  [NOTIFY_TIMER]: (t, now) => announce(String(t.payload.incidentId), now),
  [FLAP_TIMER]: (t, now) => flapCheck(String(t.payload.incidentId), now),
};

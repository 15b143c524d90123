// Timer kinds of postmortems, assembled in functions/timer-sweeper/registry.ts.
import type { TimerHandler } from '../../store/timers';
import { REMINDER_TIMER_KIND, reminderTimer } from './reminders';

export const postmortemTimerHandlers: Record<string, TimerHandler> = {
  [REMINDER_TIMER_KIND]: reminderTimer,
};

// Timer kinds and the code that runs when one is due. Each feature declares its own handlers in
// shared/app/<feature>/timers.ts; this file only assembles them. A kind belongs to one feature:
// two features declaring the same kind fail at load, not by one silently replacing the other.
import { incidentTimerHandlers } from '../../shared/app/incidents/timers';
import { oncallTimerHandlers } from '../../shared/app/oncall/timers';
import { postmortemTimerHandlers } from '../../shared/app/postmortems/timers';
import { probeTimerHandlers } from '../../shared/app/probes/timers';
import { ticketTimerHandlers } from '../../shared/app/tickets/timers';
import type { TimerHandler } from '../../shared/store/timers';

export function assembleTimerHandlers(...features: Array<Record<string, TimerHandler>>): Record<string, TimerHandler> {
  const all: Record<string, TimerHandler> = {};
  for (const handlers of features) {
    for (const [kind, handler] of Object.entries(handlers)) {
      if (all[kind]) throw new Error(`Timer kind "${kind}" is declared by two features.`);
      all[kind] = handler;
    }
  }
  return all;
}

export const timerHandlers = assembleTimerHandlers(
  incidentTimerHandlers,
  ticketTimerHandlers,
  probeTimerHandlers,
  oncallTimerHandlers,
  postmortemTimerHandlers,
);

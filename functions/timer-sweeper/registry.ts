// Timer kinds and the code that runs when one is due. Each feature declares its own handlers in
// shared/app/<feature>/timers.ts; this file only assembles them. A kind belongs to one feature:
// two features declaring the same kind fail at load, not by one silently replacing the other.
//
// Each feature's handlers are loaded on first use (`import()`): the sweeper's bundle carries the
// sweep and the kinds only, and each feature's code (the incident rules with re2js, schedules with
// luxon, ...) is a chunk loaded when a timer of one of its kinds is first due (issue 15: bundle
// size and cold init). The kinds are listed here so that a cold sweeper knows them without loading
// anything; test/unit/timer-registry.test.ts checks each list against its feature's handlers.
import type { TimerHandler } from '../../shared/store/timers';

export interface TimerFeature {
  feature: string;
  /** The kinds the feature's handlers serve (the keys of what `load` resolves to). */
  kinds: string[];
  load: () => Promise<Record<string, TimerHandler>>;
}

export const timerFeatures: TimerFeature[] = [
  {
    feature: 'incidents',
    kinds: ['incident-notify', 'incident-flap-check'],
    load: async () => (await import('../../shared/app/incidents/timers')).incidentTimerHandlers,
  },
  {
    feature: 'tickets',
    kinds: ['ticket-sla', 'ticket-autoclose'],
    load: async () => (await import('../../shared/app/tickets/timers')).ticketTimerHandlers,
  },
  {
    feature: 'probes',
    kinds: ['probe-job-check'],
    load: async () => (await import('../../shared/app/probes/timers')).probeTimerHandlers,
  },
  {
    feature: 'oncall',
    kinds: ['escalation-step', 'escalation-ack-timeout', 'page-deliver', 'page-retry'],
    load: async () => (await import('../../shared/app/oncall/timers')).oncallTimerHandlers,
  },
  {
    feature: 'postmortems',
    kinds: ['postmortem-reminder'],
    load: async () => (await import('../../shared/app/postmortems/timers')).postmortemTimerHandlers,
  },
];

/** One handler per kind, each loading its feature's handlers once, on first use. */
export function lazyTimerHandlers(features: TimerFeature[]): Record<string, TimerHandler> {
  const all: Record<string, TimerHandler> = {};
  for (const f of features) {
    let loading: Promise<Record<string, TimerHandler>> | undefined;
    const load = () => {
      loading ??= f.load().catch((err: unknown) => {
        loading = undefined; // a failed load is retried by the next timer (the timer itself is retried)
        throw err;
      });
      return loading;
    };
    for (const kind of f.kinds) {
      if (all[kind]) throw new Error(`Timer kind "${kind}" is declared by two features.`);
      all[kind] = async (timer, now) => {
        const handler = (await load())[kind];
        if (!handler) throw new Error(`Timer kind "${kind}" is listed for ${f.feature} but it has no handler for it.`);
        return handler(timer, now); // its outcome too ('moved': the sweeper keeps the timer)
      };
    }
  }
  return all;
}

export const timerHandlers = lazyTimerHandlers(timerFeatures);

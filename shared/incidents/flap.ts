// Flapping bookkeeping on the incident: state changes per alert dedup key within the window.
import { recordTransition, type FlapConfig } from '../domain/incidents/flapping';
import type { Incident, TimelineEntry } from '../domain/incidents/model';
import type { Ruleset } from '../domain/incidents/rules';

export function flappingConfig(rules: Ruleset): FlapConfig {
  return rules.flapping;
}

export function recordFlap(i: Incident, dedupKey: string, now: Date, cfg: FlapConfig): { incident: Incident; timeline: TimelineEntry[]; startedFlapping: boolean } {
  const { history, flapping } = recordTransition(i.transitions?.[dedupKey] ?? [], now, cfg);
  const at = now.toISOString();
  const startedFlapping = flapping && !i.flapping;
  return {
    incident: {
      ...i,
      transitions: { ...(i.transitions ?? {}), [dedupKey]: history },
      lastTransitionAt: at,
      flapping: i.flapping || flapping,
      flapStableMinutes: cfg.stableMinutes,
    },
    timeline: startedFlapping
      ? [
          {
            at,
            actor: { type: 'system', id: 'flap-detector' },
            kind: 'flapping',
            message: `Flapping: more than ${cfg.transitions} state changes in ${cfg.windowMinutes} minutes; notifications held until stable for ${cfg.stableMinutes} minutes`,
          },
        ]
      : [],
    startedFlapping,
  };
}

// Flapping: an alert that changes state more than N times in M minutes marks its incident
// flapping; notifications are held until it has been stable for K minutes.
import type { Incident, TimelineEntry } from './model';
import type { Ruleset } from './rules';

export interface FlapConfig {
  transitions: number;
  windowMinutes: number;
  stableMinutes: number;
}

/** Record a state change; keep only what the window needs. */
export function recordTransition(
  history: string[],
  now: Date,
  cfg: FlapConfig,
): { history: string[]; flapping: boolean } {
  const from = now.getTime() - cfg.windowMinutes * 60000;
  const kept = [...history, now.toISOString()].filter((t) => Date.parse(t) >= from).slice(-(cfg.transitions + 1));
  return { history: kept, flapping: kept.length > cfg.transitions };
}

/** Stable when no change happened in the last K minutes. */
export function isStable(lastTransitionAt: string | undefined, now: Date, cfg: FlapConfig): boolean {
  return !lastTransitionAt || now.getTime() - Date.parse(lastTransitionAt) >= cfg.stableMinutes * 60000;
}

// Flapping bookkeeping on the incident: state changes per alert dedup key within the window.
export function flappingConfig(rules: Ruleset): FlapConfig {
  return rules.flapping;
}

export function recordFlap(
  i: Incident,
  dedupKey: string,
  now: Date,
  cfg: FlapConfig,
): { incident: Incident; timeline: TimelineEntry[]; startedFlapping: boolean } {
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

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

// Flapping bookkeeping: the state changes of each alert dedup key in an incident live in an item
// of their own (not in the incident), so an incident costs the same to join at any size.
export function flappingConfig(rules: Ruleset): FlapConfig {
  return rules.flapping;
}

/** A key's recorded changes that still count: those after the incident last became stable. */
export function keyHistory(times: string[], resetAt: string | undefined): string[] {
  return resetAt ? times.filter((t) => t > resetAt) : times;
}

/**
 * Below this many recorded changes, one more cannot make the key flap and leaves nothing to trim,
 * so the engine appends without reading the history (a conditional append; past it, it reads).
 */
export function quietHistoryLimit(cfg: FlapConfig): number {
  return cfg.transitions;
}

/** The changes worth keeping after `history`: within the window, at most N + 1. */
export function trimHistory(history: string[], now: Date, cfg: FlapConfig): string[] {
  const from = now.getTime() - cfg.windowMinutes * 60000;
  return history.filter((t) => Date.parse(t) >= from).slice(-(cfg.transitions + 1));
}

/** Record a state change of one key (its `history` as loaded) on the incident. */
export function recordFlap(
  i: Incident,
  history: string[],
  now: Date,
  cfg: FlapConfig,
): { incident: Incident; history: string[]; timeline: TimelineEntry[]; startedFlapping: boolean } {
  const { history: kept, flapping } = recordTransition(keyHistory(history, i.transitionsResetAt), now, cfg);
  const at = now.toISOString();
  const startedFlapping = flapping && !i.flapping;
  return {
    incident: {
      ...i,
      lastTransitionAt: at,
      flapping: i.flapping || flapping,
      flapStableMinutes: cfg.stableMinutes,
    },
    history: kept,
    timeline: startedFlapping ? [flappingEntry(at, cfg)] : [],
    startedFlapping,
  };
}

export function flappingEntry(at: string, cfg: FlapConfig): TimelineEntry {
  return {
    at,
    actor: { type: 'system', id: 'flap-detector' },
    kind: 'flapping',
    message: `Flapping: more than ${cfg.transitions} state changes in ${cfg.windowMinutes} minutes; notifications held until stable for ${cfg.stableMinutes} minutes`,
  };
}

// Flapping: an alert that changes state more than N times in M minutes marks its incident
// flapping; notifications are held until it has been stable for K minutes.
export interface FlapConfig {
  transitions: number;
  windowMinutes: number;
  stableMinutes: number;
}

/** Record a state change; keep only what the window needs. */
export function recordTransition(history: string[], now: Date, cfg: FlapConfig): { history: string[]; flapping: boolean } {
  const from = now.getTime() - cfg.windowMinutes * 60000;
  const kept = [...history, now.toISOString()].filter((t) => Date.parse(t) >= from).slice(-(cfg.transitions + 1));
  return { history: kept, flapping: kept.length > cfg.transitions };
}

/** Stable when no change happened in the last K minutes. */
export function isStable(lastTransitionAt: string | undefined, now: Date, cfg: FlapConfig): boolean {
  return !lastTransitionAt || now.getTime() - Date.parse(lastTransitionAt) >= cfg.stableMinutes * 60000;
}

// Incident changes the engine makes on its own, from plain values: the group window closed
// (announce), the incident turned out inhibited at announce time, all its alerts resolved
// (auto-resolve), flapping stopped. Each takes the current incident and returns the change, or
// undefined when it no longer applies (the store applies it conditionally on the revision).
import { ENGINE, type EffectMutation } from './decide';
import { resolve, shouldNotify } from './lifecycle';
import type { Incident, Mutation } from './model';

/** The group window closed: responders hear of the incident (held while it flaps). */
export function announceChange(cur: Incident, at: string): Mutation | undefined {
  if (cur.notifiedAt || cur.status === 'resolved') return undefined;
  const reason = cur.storm
    ? `storm guard collapsed ${cur.stormSize ?? 0} incidents`
    : `group window of ${cur.grouping.groupWaitSeconds}s closed with ${cur.alertCount} alert(s)`;
  return {
    incident: { ...cur, notifiedAt: at },
    timeline: [
      {
        at,
        actor: ENGINE,
        kind: 'announced',
        message: cur.flapping
          ? 'Group window closed; notifications held while flapping'
          : 'Group window closed; responders notified',
        reason,
      },
    ],
    change: {
      kind: 'opened',
      actor: { type: 'rule', id: `route:${cur.routeId}` },
      reason,
      notify: !cur.flapping,
      change: { groupKey: cur.groupKey },
    },
  };
}

/** Every firing member is inhibited at announce time: resolved quietly (nobody heard of it). */
export function inhibitedAtAnnounce(
  cur: Incident,
  by: { alertId: string; ruleId: string },
  at: string,
): Mutation | undefined {
  if (cur.status === 'resolved') return undefined;
  return {
    ...resolve(cur, ENGINE, at, undefined, `inhibited by alert ${by.alertId} (rule ${by.ruleId})`),
    change: undefined,
  };
}

/** The last open alert resolved: resolve the incident (when its route auto-resolves). */
export function autoResolve(cur: Incident, at: string): EffectMutation | undefined {
  if (cur.openAlertCount > 0 || cur.status === 'resolved') return undefined;
  const res = resolve(
    cur,
    { type: 'system', id: 'auto-resolve' },
    at,
    undefined,
    `all ${cur.alertCount} alert(s) resolved`,
  );
  return { ...res, change: { ...res.change!, notify: shouldNotify(cur) }, effects: { serviceOpen: 'remove' } };
}

/**
 * Flap check: once stable for K minutes, flapping ends and held notifications are released with
 * the current state. The keys' recorded changes up to now no longer count (`transitionsResetAt`).
 */
export function flapRelease(cur: Incident, now: Date): Mutation | undefined {
  if (!cur.flapping) return undefined;
  const stableFor = (cur.flapStableMinutes ?? 15) * 60000;
  if (cur.lastTransitionAt && now.getTime() - Date.parse(cur.lastTransitionAt) < stableFor) return undefined;
  const at = now.toISOString();
  const incident: Incident = { ...cur, flapping: false, transitionsResetAt: at };
  const timeline = [
    {
      at,
      actor: ENGINE,
      kind: 'flapping',
      message: `Stable for ${cur.flapStableMinutes ?? 15} minutes; notifications resume`,
    },
  ];
  if (!cur.notifiedAt) return { incident, timeline };
  return {
    incident,
    timeline,
    change: {
      kind: cur.status === 'resolved' ? 'resolved' : 'reopened',
      actor: ENGINE,
      reason: 'flapping stopped',
      notify: true,
      change: { status: cur.status },
    },
  };
}

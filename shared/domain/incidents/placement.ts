// Where a firing alert goes, decided from plain values: silenced, inhibited, correlated to an
// upstream incident, joined to (or reopening) its group's incident, a new incident, or collapsed
// into its team's storm incident. Pure: the app layer loads the snapshot, calls these, and
// commits what they return; no clock, no I/O, no ids minted here.
import type { Incident } from './model';
import type { MaintenanceWindow, Silence } from './silences';
import { activeMaintenance, matchingSilence } from './silences';

/** What is already true around the alert, as the store showed it. */
export interface QuietSnapshot {
  labels: Record<string, string>;
  serviceId?: string;
  silences: Silence[];
  maintenance: MaintenanceWindow[];
  /** A firing source alert of an inhibit rule that targets this alert (the first found). */
  inhibitor?: { alertId: string; ruleId: string };
  /** An open incident of a service this alert's service depends on. */
  upstream?: { serviceId: string; incidentId: string };
  /** When re-placing: the resolved upstream incident the alert was correlated to (never again). */
  replaces?: string;
}

export type QuietPlan =
  | { kind: 'silenced'; silenceId?: string; maintenanceId?: string; reason: string }
  | { kind: 'inhibited'; inhibitedBy: string; ruleId: string; reason: string }
  | { kind: 'correlated'; incidentId: string; reason: string };

/** Silence, then maintenance, then inhibition (Alertmanager order), then dependency correlation. */
export function quietPlan(s: QuietSnapshot, now: Date): QuietPlan | undefined {
  const silence = matchingSilence(s.silences, s.labels, now);
  if (silence)
    return { kind: 'silenced', silenceId: silence.id, reason: `silenced by ${silence.id} (${silence.comment})` };
  const mw = activeMaintenance(s.maintenance, s.serviceId, now);
  if (mw)
    return {
      kind: 'silenced',
      maintenanceId: mw.id,
      reason: `maintenance window ${mw.id} (${mw.name}) on ${s.serviceId}`,
    };
  if (s.inhibitor)
    return {
      kind: 'inhibited',
      inhibitedBy: s.inhibitor.alertId,
      ruleId: s.inhibitor.ruleId,
      reason: `inhibited by alert ${s.inhibitor.alertId} (rule ${s.inhibitor.ruleId})`,
    };
  if (s.upstream && s.upstream.incidentId !== s.replaces)
    return {
      kind: 'correlated',
      incidentId: s.upstream.incidentId,
      reason: `upstream ${s.upstream.serviceId} has incident open`,
    };
  return undefined;
}

export type GroupPlan =
  | { kind: 'join'; incidentId: string }
  | { kind: 'reopen'; incidentId: string }
  | { kind: 'open'; previousIncidentId: string | null };

/**
 * The group's current incident (after following merges): join it while open, reopen it within its
 * reopen window, otherwise open a new one. A storm incident, once resolved, is never reopened.
 */
export function groupPlan(
  current: Pick<Incident, 'id' | 'status' | 'storm' | 'mergedInto' | 'resolvedAt' | 'grouping'> | undefined,
  groupPointsAt: string | null,
  now: Date,
): GroupPlan {
  if (current && current.status !== 'resolved') return { kind: 'join', incidentId: current.id };
  const reopenable =
    current !== undefined &&
    !current.storm &&
    !current.mergedInto &&
    current.resolvedAt !== undefined &&
    now.getTime() - Date.parse(current.resolvedAt) <= current.grouping.reopenWindowMinutes * 60000;
  if (reopenable) return { kind: 'reopen', incidentId: current.id };
  return { kind: 'open', previousIncidentId: groupPointsAt };
}

export type StormPlan = { kind: 'storm-join'; reason: string } | { kind: 'take-slot'; allowed: number };

/**
 * Storm guard for a new group: while the team's storm incident is open every new group joins it;
 * otherwise the group needs one of `max` slots, counting the previous minute's groups (other
 * than itself) so a storm straddling a minute boundary gets no second burst.
 */
export function stormPlan(s: {
  stormOpen: boolean;
  previousMinuteGroups: Iterable<string>;
  groupHash: string;
  maxIncidentsPerMinute: number;
}): StormPlan {
  if (s.stormOpen) return { kind: 'storm-join', reason: 'the team’s storm incident is open' };
  const allowed = s.maxIncidentsPerMinute - [...s.previousMinuteGroups].filter((g) => g !== s.groupHash).length;
  if (allowed <= 0)
    return { kind: 'storm-join', reason: `more than ${s.maxIncidentsPerMinute} new incidents a minute` };
  return { kind: 'take-slot', allowed };
}

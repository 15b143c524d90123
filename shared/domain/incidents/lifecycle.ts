// Incident state transitions, pure: each takes the current incident and returns the next one,
// the timeline entry and the change people hear about — or throws a ConflictError that says
// why the action does not apply.
import { ConflictError } from '../errors';
import type { Actor, Incident, Mutation, TimelineEntry } from './model';
import { moreSevere, type IncidentSeverity } from './rules';

const who = (a: Actor) => a.name ?? a.id;

function entry(
  at: string,
  actor: Actor,
  kind: string,
  message: string,
  extra: Partial<TimelineEntry> = {},
): TimelineEntry {
  return { at, actor, kind, message, ...extra };
}

function notResolved(i: Incident, action: string): void {
  if (i.status === 'resolved')
    throw new ConflictError(
      `Incident #${i.number} is resolved${i.mergedInto ? ` (merged into ${i.mergedInto})` : ''}; it cannot be ${action}.`,
    );
}

/** People hear of a change only once the incident has been announced and while it is not flapping. */
export function shouldNotify(i: Incident): boolean {
  return Boolean(i.notifiedAt) && !i.flapping;
}

export function acknowledge(i: Incident, actor: Actor, at: string): Mutation {
  notResolved(i, 'acknowledged');
  if (i.status === 'acknowledged')
    throw new ConflictError(
      `Incident #${i.number} is already acknowledged by ${i.acknowledgedBy ? who(i.acknowledgedBy) : 'someone'}.`,
    );
  const next: Incident = {
    ...i,
    status: 'acknowledged',
    acknowledgedAt: i.acknowledgedAt ?? at,
    acknowledgedBy: actor,
  };
  return {
    incident: next,
    timeline: [entry(at, actor, 'acknowledged', `Acknowledged by ${who(actor)}`)],
    change: {
      kind: 'acknowledged',
      actor,
      notify: shouldNotify(i),
      change: { status: { from: i.status, to: 'acknowledged' } },
    },
  };
}

export function resolve(i: Incident, actor: Actor, at: string, note: string | undefined, reason: string): Mutation {
  notResolved(i, 'resolved again');
  const next: Incident = { ...i, status: 'resolved', resolvedAt: at, resolvedBy: actor, resolutionNote: note };
  return {
    incident: next,
    timeline: [entry(at, actor, 'resolved', `Resolved by ${who(actor)}${note ? `: ${note}` : ''}`, { reason })],
    change: {
      kind: 'resolved',
      actor,
      reason,
      notify: shouldNotify(i),
      change: { status: { from: i.status, to: 'resolved' }, ...(note ? { note } : {}) },
    },
  };
}

export function reopen(i: Incident, actor: Actor, at: string, reason: string): Mutation {
  const next: Incident = {
    ...i,
    status: 'triggered',
    resolvedAt: undefined,
    resolvedBy: undefined,
    resolutionNote: undefined,
  };
  return {
    incident: next,
    timeline: [entry(at, actor, 'reopened', `Reopened: ${reason}`, { reason })],
    // An incident resolved before anyone heard of it is announced by its group-window timer instead.
    change: i.notifiedAt
      ? {
          kind: 'reopened',
          actor,
          reason,
          notify: !i.flapping,
          change: { status: { from: 'resolved', to: 'triggered' } },
        }
      : undefined,
  };
}

export function changeSeverity(i: Incident, actor: Actor, at: string, to: IncidentSeverity, reason?: string): Mutation {
  notResolved(i, 're-prioritised');
  if (i.severity === to) throw new ConflictError(`Incident #${i.number} is already ${to}.`);
  return {
    incident: { ...i, severity: to },
    timeline: [entry(at, actor, 'severity', `Severity ${i.severity} → ${to} by ${who(actor)}`, { reason })],
    change: {
      kind: 'severityChanged',
      actor,
      reason,
      notify: shouldNotify(i),
      change: { severity: { from: i.severity, to } },
    },
  };
}

/** A joining alert may raise severity (never lower it). */
export function raiseSeverity(i: Incident, to: IncidentSeverity): IncidentSeverity {
  return moreSevere(i.severity as IncidentSeverity, to);
}

export function reassign(i: Incident, actor: Actor, at: string, teamId: string, reason?: string): Mutation {
  notResolved(i, 'reassigned');
  if (i.teamId === teamId) throw new ConflictError(`Incident #${i.number} already belongs to team ${teamId}.`);
  return {
    incident: { ...i, teamId },
    timeline: [
      entry(at, actor, 'reassigned', `Reassigned from ${i.teamId ?? 'no team'} to ${teamId} by ${who(actor)}`, {
        reason,
      }),
    ],
    change: {
      kind: 'reassigned',
      actor,
      reason,
      notify: shouldNotify(i),
      change: { team: { from: i.teamId ?? null, to: teamId } },
    },
  };
}

export function addNote(i: Incident, actor: Actor, at: string, text: string): Mutation {
  return { incident: { ...i }, timeline: [entry(at, actor, 'note', text)] };
}

/** The source side of a merge: it closes, pointing at the target. */
export function mergeSource(source: Incident, target: Incident, actor: Actor, at: string, reason?: string): Mutation {
  notResolved(source, 'merged');
  if (source.id === target.id) throw new ConflictError('An incident cannot be merged into itself.');
  return {
    incident: {
      ...source,
      status: 'resolved',
      resolvedAt: at,
      resolvedBy: actor,
      mergedInto: target.id,
      openAlertCount: 0,
    },
    timeline: [entry(at, actor, 'merged', `Merged into incident #${target.number} by ${who(actor)}`, { reason })],
    change: { kind: 'merged', actor, reason, notify: false, change: { into: target.id } },
  };
}

/** The target side of a merge: it takes the source's alerts. */
export function mergeTarget(target: Incident, source: Incident, actor: Actor, at: string): Mutation {
  notResolved(target, 'merged into');
  return {
    incident: {
      ...target,
      alertCount: target.alertCount + source.alertCount,
      openAlertCount: target.openAlertCount + source.openAlertCount,
      relatedAlertCount: target.relatedAlertCount + source.relatedAlertCount,
      severity: moreSevere(target.severity as IncidentSeverity, source.severity as IncidentSeverity),
      detectedAt: source.detectedAt < target.detectedAt ? source.detectedAt : target.detectedAt,
      mergedFrom: [...target.mergedFrom, source.id],
    },
    timeline: [
      entry(at, actor, 'merged', `Incident #${source.number} merged in by ${who(actor)} (${source.alertCount} alerts)`),
    ],
  };
}

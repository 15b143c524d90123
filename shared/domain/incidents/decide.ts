// The incident engine's decision for one firing alert, from plain values: what the alert is
// (facts), what the store showed so far (snapshot) and the time. It returns a plan: either what
// to load next (loading is staged so a silenced alert queries nothing more, and a join reads no
// storm state), or what to commit: silenced / inhibited / correlated / join / reopen / open /
// storm-open / storm-join, with the reasons and every new or changed value. Pure: no clock, no
// I/O, no ids minted here (the app passes them in); the store turns a plan into one transaction.
import type { AlertSnapshot } from '../../../events/alerts';
import { matchLabels } from './labels';
import { flappingConfig, flappingEntry, quietHistoryLimit, recordFlap, type FlapConfig } from './flapping';
import { raiseSeverity, reopen, shouldNotify } from './lifecycle';
import type { Actor, AlertLink, Disposition, Incident, Mutation, TimelineEntry } from './model';
import { groupPlan, quietPlan, stormPlan } from './placement';
import type { MaintenanceWindow, Silence } from './silences';
import {
  atLeastAsSevere,
  inhibitionKey,
  inhibitRulesAsSource,
  inhibitRulesAsTarget,
  route,
  severityFor,
  type IncidentSeverity,
  type RoutingDecision,
  type Ruleset,
} from './rules';
import { upstreamOf, type Service } from '../services';

export const ENGINE: Actor = { type: 'system', id: 'incident-engine' };
export const ruleActor = (d: Pick<RoutingDecision, 'routeId' | 'routeName'>): Actor => ({
  type: 'rule',
  id: `route:${d.routeId}`,
  name: d.routeName,
});

export type AlertFacts = Pick<
  AlertSnapshot,
  'id' | 'integrationId' | 'dedupKey' | 'summary' | 'severity' | 'startsAt' | 'labels' | 'source'
> &
  /** When ingest received the alert's latest arrival: a new incident's group window starts here. */
  Partial<Pick<AlertSnapshot, 'lastReceivedAt'>>;

/** What the alert is, once routed: fixed for the whole placement. */
export interface PlacementFacts {
  alert: AlertFacts;
  now: Date;
  at: string;
  rules: Ruleset;
  labels: Record<string, string>;
  decision: RoutingDecision;
  serviceName?: string;
  /** Services the alert's service depends on, nearest first (for correlation). */
  upstreamServices: string[];
  severity: IncidentSeverity;
  severityReason: string;
  /** Set when re-placing an alert that was correlated to this (now resolved) upstream incident. */
  replaces?: string;
}

/** Route the alert and rate its severity (rules and services as loaded). */
export function placementFacts(
  alert: AlertSnapshot,
  rules: Ruleset,
  services: Map<string, Service>,
  now: Date,
  replaces?: string,
): PlacementFacts {
  const labels = matchLabels(alert);
  const decision = route(rules, labels, (id) => services.get(id)?.teamId);
  if (decision.serviceId) labels.service = decision.serviceId;
  const service = decision.serviceId ? services.get(decision.serviceId) : undefined;
  const { severity, reason } = severityFor(rules, labels, alert.severity, service?.tier);
  return {
    alert,
    now,
    at: now.toISOString(),
    rules,
    labels,
    decision,
    serviceName: service?.name,
    upstreamServices: service ? upstreamOf(service.id, services) : [],
    severity,
    severityReason: reason,
    replaces,
  };
}

/** An inhibit rule's bucket: the rule and the hash of its `equal` labels' values. */
export interface InhibitorKey {
  ruleId: string;
  key: string;
}

/** Inhibition buckets the alert registers in as a source, and those it looks up as a target. */
export function inhibitorKeys(
  rules: Ruleset,
  labels: Record<string, string>,
): { sources: InhibitorKey[]; targets: InhibitorKey[] } {
  return {
    sources: inhibitRulesAsSource(rules, labels).map((r) => ({ ruleId: r.id, key: inhibitionKey(r, labels) })),
    targets: inhibitRulesAsTarget(rules, labels).map((r) => ({ ruleId: r.id, key: inhibitionKey(r, labels) })),
  };
}

/** What the store showed so far, stage by stage (each stage is loaded when a plan asks for it). */
export interface PlacementSnapshot {
  silences: Silence[];
  maintenance: MaintenanceWindow[];
  /** Loaded after the alert registered as an inhibitor source. */
  related?: {
    /** A firing source alert of an inhibit rule that targets this alert (the first found). */
    inhibitor?: { alertId: string; ruleId: string };
    /** An open incident of a service this alert's service depends on. */
    upstream?: { serviceId: string; incidentId: string };
  };
  /**
   * The group's pointer and its incident (merges followed). `unread`: only the pointer was read;
   * the decision tries a join on it without the incident (a `blind` join plan), and the incident
   * is read (`current`) only when that join is refused.
   */
  group?: { pointsAt: string | null; current?: Incident; unread?: boolean };
  /** The team's storm state: its pointer, its storm incident (when the pointer names one) and the previous minute's groups. */
  storm?: { pointsAt: string | null; incident?: Incident; previousMinuteGroups: Iterable<string> };
  /** The group's slot in this minute, once tried (`refused`: the group collapses into the storm incident). */
  slot?: 'taken' | 'refused';
  /** Pre-minted identity for a new incident (ordinary or storm). */
  ids?: { incidentId: string; number: number };
}

/** The alert's link item in an incident (with the labels the announce-time inhibition check reads). */
export type LinkValue = AlertLink & { labels: Record<string, string> };

/** The alert's disposition, written once (or replacing its correlation to `replaces`). */
export interface Placed {
  disposition: Disposition;
  replaces?: string;
}

/** Points the group at an incident, conditional on where it pointed when read. */
export interface GroupPointer {
  groupHash: string;
  incidentId: string;
  routeId: string;
  groupKey: string;
  previous: string | null;
}

/** An atomic join (counters only on the incident item): the cost does not grow with its size. */
export interface JoinPlan {
  kind: 'join' | 'storm-join';
  incidentId: string;
  /** The incident as read before the join (stands in for reading it again afterwards). */
  known?: Incident;
  placed: Placed;
  link: LinkValue;
  counters: { alerts: number; open: number; storm?: number };
  /** Storm join: the group now points at the storm incident. */
  group?: GroupPointer;
  timeline: TimelineEntry;
  dedupKey: string;
  at: string;
  /** The key history's append is conditional below this (see decision 0070). */
  quietLimit: number;
  outcome: string;
  /**
   * A join on the group's pointer alone, the incident unread: conditional on the incident being
   * open and of one of these severities (at least the alert's, so nothing is raised after the
   * join). Refused, the incident is read and the alert decided again (decision 0091).
   */
  blind?: { severities: IncidentSeverity[] };
}

export type Plan =
  | { kind: 'load-related'; register: InhibitorKey[]; lookup: InhibitorKey[]; upstreamServices: string[] }
  | { kind: 'load-group'; groupHash: string }
  | { kind: 'load-storm'; teamId: string; previousMinute: string }
  | { kind: 'mint-ids' }
  | { kind: 'take-slot'; teamId: string; minute: string; groupHash: string; allowed: number; expiresAt: number }
  | { kind: 'silenced' | 'inhibited'; placed: Placed; reason: string }
  | { kind: 'correlated'; incidentId: string; reason: string }
  | JoinPlan
  | { kind: 'reopen'; incidentId: string }
  | {
      kind: 'open';
      incident: Incident;
      timeline: TimelineEntry[];
      group: GroupPointer;
      placed: Placed;
      link: LinkValue;
      serviceOpen: boolean;
      dedupKey: string;
      at: string;
    }
  | {
      kind: 'storm-open';
      incident: Incident;
      timeline: TimelineEntry[];
      teamId: string;
      previous: string | null;
    };

const minuteOf = (ms: number): string => new Date(ms).toISOString().slice(0, 16);

/** The disposition record of this placement (the reason names the resolved upstream when re-placing). */
export function placed(
  f: PlacementFacts,
  d: Omit<Disposition, 'alertId' | 'integrationId' | 'dedupKey' | 'at'>,
): Placed {
  const reason = f.replaces ? `upstream incident ${f.replaces} resolved while it still fired; ${d.reason}` : d.reason;
  return {
    disposition: {
      alertId: f.alert.id,
      integrationId: f.alert.integrationId,
      dedupKey: f.alert.dedupKey,
      at: f.at,
      ...d,
      reason,
    },
    replaces: f.replaces,
  };
}

export function linkValue(f: PlacementFacts, relation: AlertLink['relation'], reason?: string): LinkValue {
  const { alert } = f;
  return {
    alertId: alert.id,
    integrationId: alert.integrationId,
    dedupKey: alert.dedupKey,
    summary: alert.summary,
    severity: alert.severity,
    status: 'firing',
    relation,
    joinedAt: f.at,
    reason,
    labels: f.labels,
  };
}

/**
 * Where the alert goes: silence, then maintenance, then inhibition (Alertmanager order), then
 * dependency correlation, then its group (join, reopen, or open behind the storm guard).
 */
export function decide(f: PlacementFacts, s: PlacementSnapshot): Plan {
  const { decision, now } = f;
  const quiet = quietPlan(
    {
      labels: f.labels,
      serviceId: decision.serviceId,
      silences: s.silences,
      maintenance: s.maintenance,
      inhibitor: s.related?.inhibitor,
      upstream: s.related?.upstream,
      replaces: f.replaces,
    },
    now,
  );
  if (quiet?.kind === 'silenced' || quiet?.kind === 'inhibited') {
    const { kind, reason } = quiet;
    // Silenced, in a maintenance window, or inhibited: recorded, never dropped, no incident.
    return { kind, reason, placed: placed(f, quiet) };
  }
  if (!s.related) {
    const keys = inhibitorKeys(f.rules, f.labels);
    return { kind: 'load-related', register: keys.sources, lookup: keys.targets, upstreamServices: f.upstreamServices };
  }
  if (quiet?.kind === 'correlated') return { kind: 'correlated', incidentId: quiet.incidentId, reason: quiet.reason };

  if (!s.group) return { kind: 'load-group', groupHash: decision.groupHash };
  if (s.group.unread && s.group.pointsAt)
    return { ...joinPlan(f, s.group.pointsAt), blind: { severities: atLeastAsSevere(f.severity) } };
  const group = groupPlan(s.group.current, s.group.pointsAt, now);
  if (group.kind === 'reopen') return { kind: 'reopen', incidentId: group.incidentId };
  if (group.kind === 'join') return joinPlan(f, group.incidentId, s.group.current);

  // A new group: the storm guard decides whether it opens an incident of its own.
  const teamId = decision.teamId ?? 'unassigned';
  if (!s.storm) return { kind: 'load-storm', teamId, previousMinute: minuteOf(now.getTime() - 60_000) };
  const stormOpen = s.storm.incident !== undefined && s.storm.incident.status !== 'resolved';
  const slot = stormPlan({
    stormOpen,
    previousMinuteGroups: s.storm.previousMinuteGroups,
    groupHash: decision.groupHash,
    maxIncidentsPerMinute: f.rules.storm.maxIncidentsPerMinute,
  });
  if (slot.kind === 'take-slot' && s.slot !== 'refused') {
    if (s.slot === undefined)
      return {
        kind: 'take-slot',
        teamId,
        minute: minuteOf(now.getTime()),
        groupHash: decision.groupHash,
        allowed: slot.allowed,
        expiresAt: Math.floor(now.getTime() / 1000) + 86400,
      };
    if (!s.ids) return { kind: 'mint-ids' };
    return openPlan(f, s.ids, group.previousIncidentId);
  }
  // Collapse into the team's storm incident (open it first when none is open).
  if (stormOpen) return stormJoinPlan(f, s.storm.incident!, group.previousIncidentId);
  if (!s.ids) return { kind: 'mint-ids' };
  return stormOpenPlan(f, teamId, s.ids, s.storm.pointsAt);
}

function joinPlan(f: PlacementFacts, incidentId: string, known?: Incident): JoinPlan {
  const { decision, at } = f;
  return {
    kind: 'join',
    incidentId,
    known,
    placed: placed(f, { kind: 'incident', incidentId, reason: `grouped by ${decision.groupKey}` }),
    link: linkValue(f, 'member'),
    counters: { alerts: 1, open: 1 },
    timeline: {
      at,
      actor: ruleActor(decision),
      kind: 'alert',
      message: `Alert joined: ${f.alert.summary}`,
      reason: `group ${decision.groupKey}`,
    },
    dedupKey: f.alert.dedupKey,
    at,
    quietLimit: quietHistoryLimit(flappingConfig(f.rules)),
    outcome: 'joined',
  };
}

function stormJoinPlan(f: PlacementFacts, storm: Incident, previous: string | null): JoinPlan {
  const { decision, at } = f;
  return {
    kind: 'storm-join',
    incidentId: storm.id,
    known: storm,
    placed: placed(f, {
      kind: 'incident',
      incidentId: storm.id,
      reason: `storm guard: group ${decision.groupKey} collapsed`,
    }),
    link: linkValue(f, 'member'),
    counters: { alerts: 1, open: 1, storm: 1 },
    group: {
      groupHash: decision.groupHash,
      incidentId: storm.id,
      routeId: decision.routeId,
      groupKey: decision.groupKey,
      previous,
    },
    timeline: {
      at,
      actor: ENGINE,
      kind: 'storm',
      message: `Collapsed group ${decision.groupKey}: ${f.alert.summary}`,
      reason: 'storm guard',
    },
    dedupKey: f.alert.dedupKey,
    at,
    quietLimit: quietHistoryLimit(flappingConfig(f.rules)),
    outcome: 'storm',
  };
}

function openPlan(
  f: PlacementFacts,
  ids: { incidentId: string; number: number },
  previous: string | null,
): Extract<Plan, { kind: 'open' }> {
  const { alert, at, now, decision } = f;
  const id = ids.incidentId;
  const flap = flappingConfig(f.rules);
  const incident: Incident = {
    id,
    number: ids.number,
    title: `${f.serviceName ?? decision.serviceId ?? 'unrouted'}: ${f.labels.alertname ?? alert.summary}`.slice(0, 300),
    status: 'triggered',
    severity: f.severity,
    serviceId: decision.serviceId,
    teamId: decision.teamId,
    detectedAt: alert.startsAt < at ? alert.startsAt : at,
    openedAt: at,
    alertCount: 1,
    openAlertCount: 1,
    relatedAlertCount: 0,
    flapping: false,
    flapStableMinutes: flap.stableMinutes,
    storm: false,
    mergedFrom: [],
    routeId: decision.routeId,
    groupKey: decision.groupKey,
    groupHash: decision.groupHash,
    grouping: decision.grouping,
    revision: 1,
  };
  return {
    kind: 'open',
    incident: recordFlap(incident, [], now, flap).incident,
    timeline: [
      {
        at,
        actor: ruleActor(decision),
        kind: 'opened',
        message: `Opened for ${alert.summary}; routed by ${decision.routeName} to ${decision.teamId ?? 'no team'}; severity ${f.severity} (${f.severityReason})`,
        reason: `group ${decision.groupKey}`,
      },
    ],
    group: {
      groupHash: decision.groupHash,
      incidentId: id,
      routeId: decision.routeId,
      groupKey: decision.groupKey,
      previous,
    },
    placed: placed(f, { kind: 'incident', incidentId: id, reason: `opened incident for group ${decision.groupKey}` }),
    link: linkValue(f, 'member'),
    serviceOpen: decision.serviceId !== undefined,
    dedupKey: alert.dedupKey,
    at,
  };
}

function stormOpenPlan(
  f: PlacementFacts,
  teamId: string,
  ids: { incidentId: string; number: number },
  previous: string | null,
): Extract<Plan, { kind: 'storm-open' }> {
  const { at, decision } = f;
  return {
    kind: 'storm-open',
    teamId,
    previous,
    incident: {
      id: ids.incidentId,
      number: ids.number,
      title: `Alert storm: team ${teamId} is getting more than ${f.rules.storm.maxIncidentsPerMinute} new incidents a minute`,
      status: 'triggered',
      severity: f.severity,
      teamId: decision.teamId,
      detectedAt: at,
      openedAt: at,
      alertCount: 0,
      openAlertCount: 0,
      relatedAlertCount: 0,
      flapping: false,
      storm: true,
      stormSize: 0,
      mergedFrom: [],
      routeId: decision.routeId,
      groupKey: `storm:${teamId}`,
      groupHash: `storm-${teamId}`,
      grouping: { ...decision.grouping, autoResolve: true },
      revision: 1,
    },
    timeline: [
      {
        at,
        actor: ENGINE,
        kind: 'opened',
        message: `Storm guard: new incidents for team ${teamId} collapse into this one`,
        reason: 'storm guard',
      },
    ],
  };
}

/** Items an incident change writes besides the incident and its timeline (the store builds them). */
export interface IncidentEffects {
  /** The alert's disposition and, when it links to the incident, its link. */
  placed?: Placed;
  link?: LinkValue;
  /** The incident's entry in its service's open incidents (dependency correlation). */
  serviceOpen?: 'add' | 'remove';
  /** Append a state change to this alert key's history. */
  keyChange?: string;
}
export type EffectMutation = Mutation & { effects?: IncidentEffects };

/** Correlate the alert to an open upstream incident (undefined: it resolved meanwhile). */
export function correlateInto(cur: Incident, f: PlacementFacts, why: string): EffectMutation | undefined {
  if (cur.status === 'resolved') return undefined;
  const reason = `correlated: ${why}`;
  return {
    incident: { ...cur, relatedAlertCount: cur.relatedAlertCount + 1 },
    timeline: [
      {
        at: f.at,
        actor: ENGINE,
        kind: 'correlated',
        message: `Related alert from ${f.decision.serviceId}: ${f.alert.summary}`,
        reason,
      },
    ],
    effects: {
      placed: placed(f, { kind: 'correlated', incidentId: cur.id, reason }),
      link: linkValue(f, 'related', reason),
    },
  };
}

/**
 * Reopen the group's resolved incident within its reopen window and join it (`history`: the
 * alert key's recorded changes). Undefined when it is no longer resolved (the atomic join
 * applies), is a storm incident (stays resolved), was merged, or the window has passed.
 */
export function reopenJoin(cur: Incident, history: string[], f: PlacementFacts): EffectMutation | undefined {
  const { alert, at, now, decision } = f;
  if (cur.status !== 'resolved' || cur.storm || cur.mergedInto) return undefined;
  const withinWindow =
    cur.resolvedAt !== undefined &&
    now.getTime() - Date.parse(cur.resolvedAt) <= cur.grouping.reopenWindowMinutes * 60000;
  if (!withinWindow) return undefined;
  const m = reopen(
    cur,
    ruleActor(decision),
    at,
    `alert "${alert.summary}" fired again within the ${cur.grouping.reopenWindowMinutes} minute reopen window`,
  );
  const flap = recordFlap(m.incident, history, now, flappingConfig(f.rules));
  const severity = raiseSeverity(m.incident, f.severity);
  const timeline: TimelineEntry[] = [
    ...(m.timeline ?? []),
    {
      at,
      actor: ruleActor(decision),
      kind: 'alert',
      message: `Alert joined: ${alert.summary}`,
      reason: `group ${decision.groupKey}`,
    },
    ...(severity !== m.incident.severity
      ? [
          {
            at,
            actor: ENGINE,
            kind: 'severity',
            message: `Severity ${m.incident.severity} → ${severity} (${f.severityReason})`,
          },
        ]
      : []),
    ...flap.timeline,
  ];
  return {
    incident: {
      ...flap.incident,
      alertCount: m.incident.alertCount + 1,
      openAlertCount: m.incident.openAlertCount + 1,
      severity,
    },
    timeline,
    change: m.change && flap.startedFlapping ? { ...m.change, notify: false } : m.change,
    effects: {
      placed: placed(f, { kind: 'incident', incidentId: cur.id, reason: `grouped by ${decision.groupKey}` }),
      link: linkValue(f, 'member'),
      serviceOpen: cur.serviceId ? 'add' : undefined,
      keyChange: alert.dedupKey,
    },
  };
}

/**
 * After a change of one alert key: raise severity and start flapping when `kept` (the key's
 * changes that still count) says so (`needsReview` tells whether this change is worth writing).
 */
export function reviewChange(
  cur: Incident,
  kept: string[],
  cfg: FlapConfig,
  at: string,
  raise?: { severity: IncidentSeverity; reason?: string },
): Mutation {
  const startedFlapping = kept.length > cfg.transitions && !cur.flapping;
  const severity = raise ? raiseSeverity(cur, raise.severity) : (cur.severity as IncidentSeverity);
  const timeline: TimelineEntry[] = [];
  if (severity !== cur.severity)
    timeline.push({
      at,
      actor: ENGINE,
      kind: 'severity',
      message: `Severity ${cur.severity} → ${severity} (${raise?.reason})`,
    });
  if (startedFlapping) timeline.push(flappingEntry(at, cfg));
  return {
    incident: { ...cur, severity, flapping: cur.flapping || startedFlapping, flapStableMinutes: cfg.stableMinutes },
    timeline,
    change:
      severity !== cur.severity && shouldNotify(cur)
        ? {
            kind: 'severityChanged',
            actor: ENGINE,
            reason: raise?.reason,
            notify: !startedFlapping,
            change: { severity: { from: cur.severity, to: severity } },
          }
        : undefined,
  };
}

/** Whether a key change calls for `reviewChange`: the key starts flapping or the severity rises. */
export function needsReview(
  inc: Incident,
  kept: string[],
  cfg: FlapConfig,
  raise?: { severity: IncidentSeverity },
): boolean {
  const flaps = kept.length > cfg.transitions && !inc.flapping;
  return flaps || (raise !== undefined && raiseSeverity(inc, raise.severity) !== inc.severity);
}

/**
 * Where a new incident's group window starts: when the alert that opened it was received, as
 * Alertmanager's group_wait starts when the group is created from the first alert's arrival,
 * not when this engine got to it (the outbox and the bus lie between). Never later than `now`
 * (a clock ahead of ours); `now` when the receipt is unknown or the alert is re-placed after
 * its upstream incident resolved (the group is created now, not when the alert arrived).
 */
export function groupWindowStart(f: Pick<PlacementFacts, 'alert' | 'now' | 'replaces'>): Date {
  const received = f.alert.lastReceivedAt && !f.replaces ? Date.parse(f.alert.lastReceivedAt) : NaN;
  return Number.isFinite(received) && received < f.now.getTime() ? new Date(received) : f.now;
}

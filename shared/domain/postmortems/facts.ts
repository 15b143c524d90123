// The facts of a postmortem, generated from the incident's record, pure: the milestones in order
// (detected, acknowledged, mitigated, resolved), who was paged and when, the alerts, the notes, the
// status changes, the runbook runs, and the response times. The store reads the record; this
// function only arranges it, so the draft is the same whenever it is generated from the same record.
import type { AlertFact, EntryFact, IncidentFacts, Milestone, MilestoneName, PageFact } from './model';

export interface TimelineInput {
  at: string;
  actor: { type: string; id: string; name?: string };
  kind: string;
  message: string;
}

export interface IncidentRecord {
  incident: {
    number: number;
    title: string;
    severity: string;
    serviceId?: string;
    teamId?: string;
    detectedAt: string;
    openedAt: string;
    acknowledgedAt?: string;
    acknowledgedBy?: { type: string; id: string; name?: string };
    resolvedAt?: string;
    resolvedBy?: { type: string; id: string; name?: string };
  };
  timeline: readonly TimelineInput[];
  pages: ReadonlyArray<{
    userId: string;
    userName: string;
    channel: string;
    status: string;
    level: number;
    round: number;
    claimedAt: string;
    sentAt?: string;
  }>;
  alerts: ReadonlyArray<{
    alertId: string;
    summary: string;
    severity: string;
    relation: string;
    joinedAt: string;
    resolvedAt?: string;
  }>;
}

/** Timeline kinds that change the incident's state (the draft's "status updates"). */
const STATUS_KINDS = new Set([
  'acknowledged',
  'resolved',
  'reopened',
  'reopen',
  'severity',
  'reassigned',
  'escalated',
  'merged',
  'status-update',
]);
/** A timeline entry that says the impact ended (e.g. a runbook's mitigation step, or a person's). */
export const MITIGATED_KIND = 'mitigated';
/** Runbook runs write their steps on the timeline under kinds starting with this. */
export const RUNBOOK_KIND_PREFIX = 'runbook';

const ORDER: Record<MilestoneName, number> = { detected: 0, acknowledged: 1, mitigated: 2, resolved: 3 };
const by = (a: { name?: string; id: string } | undefined) => (a ? (a.name ?? a.id) : undefined);
const secondsBetween = (from: string, to: string | undefined) =>
  to === undefined ? undefined : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
const byTime = <T extends { at: string }>(xs: T[]) => [...xs].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
const fact = (e: TimelineInput): EntryFact => ({ at: e.at, by: by(e.actor)!, kind: e.kind, text: e.message });

/**
 * The facts of an incident. `mitigatedAt` is the analysis's own value when people set one;
 * otherwise the first timeline entry of kind "mitigated" (none: the milestone is left out).
 */
export function incidentFacts(r: IncidentRecord, generatedAt: string, mitigatedAt?: string): IncidentFacts {
  const i = r.incident;
  const timeline = byTime([...r.timeline]);
  const mitigation = mitigatedAt
    ? { at: mitigatedAt, by: undefined }
    : (() => {
        const e = timeline.find((t) => t.kind === MITIGATED_KIND);
        return e ? { at: e.at, by: by(e.actor) } : undefined;
      })();
  const milestones: Milestone[] = [
    { name: 'detected' as const, at: i.detectedAt },
    ...(i.acknowledgedAt ? [{ name: 'acknowledged' as const, at: i.acknowledgedAt, by: by(i.acknowledgedBy) }] : []),
    ...(mitigation ? [{ name: 'mitigated' as const, at: mitigation.at, by: mitigation.by }] : []),
    ...(i.resolvedAt ? [{ name: 'resolved' as const, at: i.resolvedAt, by: by(i.resolvedBy) }] : []),
  ]
    .map((m) => (m.by === undefined ? { name: m.name, at: m.at } : m))
    .sort((a, b) => (a.at === b.at ? ORDER[a.name] - ORDER[b.name] : a.at < b.at ? -1 : 1));
  const paged: PageFact[] = byTime(
    r.pages.map((p) => ({
      at: p.sentAt ?? p.claimedAt,
      person: p.userName,
      personId: p.userId,
      channel: p.channel,
      status: p.status,
      level: p.level,
      round: p.round,
    })),
  );
  const alerts: AlertFact[] = [...r.alerts]
    .filter((a) => a.relation === 'member')
    .sort((a, b) => (a.joinedAt < b.joinedAt ? -1 : a.joinedAt > b.joinedAt ? 1 : 0))
    .map((a) => ({
      alertId: a.alertId,
      summary: a.summary,
      severity: a.severity,
      joinedAt: a.joinedAt,
      ...(a.resolvedAt ? { resolvedAt: a.resolvedAt } : {}),
    }));
  return {
    incidentNumber: i.number,
    title: i.title,
    severity: i.severity,
    ...(i.serviceId ? { serviceId: i.serviceId } : {}),
    ...(i.teamId ? { teamId: i.teamId } : {}),
    milestones,
    paged,
    alerts,
    notes: timeline.filter((e) => e.kind === 'note').map(fact),
    statusUpdates: timeline.filter((e) => STATUS_KINDS.has(e.kind)).map(fact),
    runbookRuns: timeline.filter((e) => e.kind.startsWith(RUNBOOK_KIND_PREFIX)).map(fact),
    metrics: {
      ttdSeconds: secondsBetween(i.detectedAt, i.openedAt),
      mttaSeconds: secondsBetween(i.openedAt, i.acknowledgedAt),
      mttmSeconds: mitigation ? secondsBetween(i.openedAt, mitigation.at) : undefined,
      mttrSeconds: secondsBetween(i.openedAt, i.resolvedAt),
    },
    generatedAt,
  };
}

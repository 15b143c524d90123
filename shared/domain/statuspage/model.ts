// The public status page, pure: components (one per service) with Statuspage's statuses, public
// incidents (one per Nocturne incident that responders chose to tell the public about) with
// their updates, and the page's overall status. Shapes follow Atlassian Statuspage's public API
// v2 (summary.json, status.json, incidents.json) so that tools written for it read ours.
// Time and ids are passed in.
import * as z from 'zod';

export const PUBLIC_INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type PublicIncidentStatus = (typeof PUBLIC_INCIDENT_STATUSES)[number];
export const COMPONENT_STATUSES = [
  'operational',
  'degraded_performance',
  'partial_outage',
  'major_outage',
  'under_maintenance',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];
export type Impact = 'none' | 'minor' | 'major' | 'critical';
export type Indicator = Impact | 'maintenance';

/** POST /incidents/{id}/status-updates. */
export const statusUpdateBodySchema = z
  .object({
    status: z.enum(PUBLIC_INCIDENT_STATUSES).describe('Where the public incident stands after this update.'),
    body: z.string().trim().min(1).max(5000).describe('What the public reads (plain text).'),
    componentStatus: z
      .enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage'])
      .optional()
      .describe(
        "The affected service's component status from now on; default: unchanged (partial_outage on the first update). A resolved update sets operational.",
      ),
    name: z.string().trim().min(1).max(200).optional().describe('Public title (default: the incident title).'),
  })
  .strict();
export type StatusUpdateBody = z.infer<typeof statusUpdateBodySchema>;

export interface PublicUpdate {
  id: string;
  status: PublicIncidentStatus;
  body: string;
  createdAt: string;
  componentStatus: ComponentStatus;
  oldComponentStatus?: ComponentStatus;
}

/** The public face of one incident. `impactIntervals` are when its component was not operational. */
export interface PublicIncident {
  incidentId: string;
  name: string;
  serviceId?: string;
  status: PublicIncidentStatus;
  impact: Impact;
  componentStatus: ComponentStatus;
  createdAt: string;
  updatedAt: string;
  monitoringAt?: string;
  resolvedAt?: string;
  updates: PublicUpdate[];
  impactIntervals: Array<{ start: string; end?: string; status: ComponentStatus }>;
  version: number;
}

const SEVERITY_OF: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function impactOf(status: ComponentStatus): Impact {
  if (status === 'major_outage') return 'critical';
  if (status === 'partial_outage') return 'major';
  if (status === 'degraded_performance') return 'minor';
  return 'none';
}

/**
 * The public incident after an update. `updateId` is stable for a retried request, so applying
 * the same update twice changes nothing (`applied: false`).
 */
export function applyStatusUpdate(
  current: PublicIncident | undefined,
  incident: { id: string; title: string; serviceId?: string },
  body: StatusUpdateBody,
  updateId: string,
  now: string,
): { next: PublicIncident; update: PublicUpdate; applied: boolean } {
  const existing = current?.updates.find((u) => u.id === updateId);
  if (current && existing) return { next: current, update: existing, applied: false };
  const old = current?.componentStatus ?? 'operational';
  const componentStatus: ComponentStatus =
    body.status === 'resolved' ? 'operational' : (body.componentStatus ?? (current ? old : 'partial_outage'));
  const update: PublicUpdate = {
    id: updateId,
    status: body.status,
    body: body.body,
    createdAt: now,
    componentStatus,
    ...(componentStatus !== old || !current ? { oldComponentStatus: old } : {}),
  };
  const intervals = [...(current?.impactIntervals ?? [])];
  const open = intervals.length ? intervals[intervals.length - 1] : undefined;
  if (open && !open.end && open.status !== componentStatus) intervals[intervals.length - 1] = { ...open, end: now };
  if (componentStatus !== 'operational' && (!open || open.end || open.status !== componentStatus))
    intervals.push({ start: now, status: componentStatus });
  const next: PublicIncident = {
    incidentId: incident.id,
    name: body.name ?? current?.name ?? incident.title,
    ...(incident.serviceId ? { serviceId: incident.serviceId } : {}),
    status: body.status,
    // Impact is the worst the incident got: a resolved incident keeps the impact it had.
    impact: maxImpact(current?.impact ?? 'none', impactOf(componentStatus)),
    componentStatus,
    createdAt: current?.createdAt ?? now,
    updatedAt: now,
    ...(current?.monitoringAt || body.status === 'monitoring' ? { monitoringAt: current?.monitoringAt ?? now } : {}),
    ...(body.status === 'resolved' ? { resolvedAt: now } : {}),
    updates: [...(current?.updates ?? []), update],
    impactIntervals: intervals,
    version: (current?.version ?? 0) + 1,
  };
  return { next, update, applied: true };
}

const IMPACTS: Impact[] = ['none', 'minor', 'major', 'critical'];
const maxImpact = (a: Impact, b: Impact): Impact => (IMPACTS.indexOf(a) >= IMPACTS.indexOf(b) ? a : b);

export interface Component {
  id: string;
  name: string;
  description?: string;
  status: ComponentStatus;
  createdAt: string;
  updatedAt: string;
  position: number;
}

/**
 * Each service's component status: the worst status any unresolved public incident gives it;
 * otherwise under_maintenance during one of its maintenance windows; otherwise operational.
 */
export function componentsOf(
  services: Array<{ id: string; name: string; description?: string; createdAt: string; updatedAt: string }>,
  incidents: PublicIncident[],
  inMaintenance: Set<string>,
): Component[] {
  return services.map((s, position) => {
    let status: ComponentStatus = inMaintenance.has(s.id) ? 'under_maintenance' : 'operational';
    let updatedAt = s.updatedAt;
    for (const i of incidents) {
      if (i.serviceId !== s.id || i.status === 'resolved') continue;
      if (SEVERITY_OF[i.componentStatus] > SEVERITY_OF[status]) status = i.componentStatus;
      if (i.updatedAt > updatedAt) updatedAt = i.updatedAt;
    }
    return {
      id: s.id,
      name: s.name,
      ...(s.description ? { description: s.description } : {}),
      status,
      createdAt: s.createdAt,
      updatedAt,
      position: position + 1,
    };
  });
}

const DESCRIPTIONS: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
  maintenance: 'Service Under Maintenance',
};

/** The page's overall status, from its components (as Statuspage computes it). */
export function pageStatus(components: Component[]): { indicator: Indicator; description: string } {
  const worst = components.reduce(
    (w, c) => (SEVERITY_OF[c.status] > SEVERITY_OF[w] ? c.status : w),
    'operational' as ComponentStatus,
  );
  const indicator: Indicator = worst === 'under_maintenance' ? 'maintenance' : impactOf(worst);
  return { indicator, description: DESCRIPTIONS[indicator] };
}

/** Minutes of impact per service inside [from, to): what availability counts as public downtime. */
export function impactIntervalsWithin(
  incidents: PublicIncident[],
  serviceId: string,
  from: Date,
  to: Date,
  statuses: ComponentStatus[] = ['major_outage', 'partial_outage'],
): Array<{ start: string; end: string; incidentId: string; status: ComponentStatus }> {
  const out: Array<{ start: string; end: string; incidentId: string; status: ComponentStatus }> = [];
  for (const i of incidents) {
    if (i.serviceId !== serviceId) continue;
    for (const iv of i.impactIntervals) {
      if (!statuses.includes(iv.status)) continue;
      const start = Math.max(Date.parse(iv.start), from.getTime());
      const end = Math.min(iv.end ? Date.parse(iv.end) : to.getTime(), to.getTime());
      if (end > start)
        out.push({
          start: new Date(start).toISOString(),
          end: new Date(end).toISOString(),
          incidentId: i.incidentId,
          status: iv.status,
        });
    }
  }
  return out;
}

/**
 * How much of a minute in each component status counts as downtime of the service (decision 0053,
 * after Atlassian Statuspage's uptime rule): a major outage all of it, a partial outage 30 %,
 * degraded performance and maintenance none.
 */
export const DOWNTIME_WEIGHT: Partial<Record<ComponentStatus, number>> = { major_outage: 1, partial_outage: 0.3 };

/** The declared impact on one service inside [from, to), weighted for availability. */
export function impactDowntime(
  incidents: PublicIncident[],
  serviceId: string,
  from: Date,
  to: Date,
): Array<{ incidentId: string; start: string; end: string; weight: number }> {
  const statuses = Object.keys(DOWNTIME_WEIGHT) as ComponentStatus[];
  return impactIntervalsWithin(incidents, serviceId, from, to, statuses).map((i) => ({
    incidentId: i.incidentId,
    start: i.start,
    end: i.end,
    weight: DOWNTIME_WEIGHT[i.status]!,
  }));
}

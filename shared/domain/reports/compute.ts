// The monthly report's arithmetic. Availability per service: its down intervals (probes down, P1/P2
// incidents, status-page impact weighted as decision 0053 says: the same union
// GET /services/{id}/availability counts) clipped to the month in the report's time zone, with maintenance windows cut out of both the downtime and the measured time;
// the SLA allows (100 - target) % of the month's minutes outside maintenance. Incidents reuse the
// response metrics (shared/domain/oncall/metrics.ts), tickets the ticket report per queue. Pure.
import { responseReport } from '../oncall/metrics';
import {
  clip,
  downIntervals,
  subtract,
  union,
  weightedMinutesOf,
  weightedUnion,
  type Interval,
  type WeightedInterval,
} from '../probes/availability';
import { monthBounds } from './month';
import type {
  AlertRow,
  CheckRow,
  MonthlyReport,
  ReportAlertInput,
  ReportCheckInput,
  ReportInput,
  ReportSloInput,
  ServiceRow,
  SloRow,
} from './model';

const MINUTE = 60_000;
export const NOISIEST_ALERTS = 10;
export const CHECK_ROWS = 25;

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
const minutesOf = (xs: Interval[]) => xs.reduce((a, i) => a + (i.end - i.start), 0) / MINUTE;

export { subtract, union };

export interface Availability {
  downtimeMinutes: number;
  maintenanceMinutes: number;
  measuredMinutes: number;
  availabilityPercent: number;
  allowedDowntimeMinutes: number;
  slaMet: boolean;
}

/**
 * Availability over [from, until) of a month [from, to). Maintenance is neither up nor down; the
 * allowance is the SLA's share of the whole month outside maintenance. A down interval counts its
 * `weight` (default 1) of each minute; overlapping ones count once, at the highest weight.
 */
export function serviceAvailability(
  s: { down: Array<Interval & { weight?: number }>; maintenance: Interval[]; slaTarget: number },
  from: number,
  until: number,
  to: number,
): Availability {
  const maintenanceMonth = union(clip(s.maintenance, from, to));
  const maintenance = clip(maintenanceMonth, from, until);
  const pieces = weightedUnion(clip(s.down, from, until).map((d) => ({ ...d, weight: d.weight ?? 1 })));
  const down: WeightedInterval[] = pieces.flatMap((p) =>
    subtract([p], maintenance).map((i) => ({ ...i, weight: p.weight })),
  );
  const downtime = weightedMinutesOf(down);
  const measured = (until - from) / MINUTE - minutesOf(maintenance);
  const allowed = ((100 - s.slaTarget) / 100) * ((to - from) / MINUTE - minutesOf(maintenanceMonth));
  return {
    downtimeMinutes: round2(downtime),
    maintenanceMinutes: round2(minutesOf(maintenance)),
    measuredMinutes: round2(measured),
    availabilityPercent: measured > 0 ? round4((1 - downtime / measured) * 100) : 100,
    allowedDowntimeMinutes: round2(allowed),
    slaMet: downtime <= allowed + 1e-9,
  };
}

export function sloRow(s: ReportSloInput): SloRow {
  const row: SloRow = {
    id: s.id,
    name: s.name,
    service: s.service,
    sli: s.sli,
    objective: s.objective,
    events: s.total,
  };
  if (s.total <= 0) return row;
  const attainment = (s.good / s.total) * 100;
  const budget = s.total * (1 - s.objective / 100);
  return {
    ...row,
    attainmentPercent: round4(attainment),
    met: attainment >= s.objective - 1e-9,
    budgetUsedPercent: round2(((s.total - s.good) / budget) * 100),
  };
}

export function checkRow(c: ReportCheckInput, from: number, until: number): CheckRow {
  const down = clip(downIntervals(c.statusBefore, c.flips, until), from, until);
  const downMinutes = minutesOf(down);
  const period = (until - from) / MINUTE;
  return {
    kind: c.kind,
    id: c.id,
    name: c.name,
    ...(c.service ? { service: c.service } : {}),
    downMinutes: round2(downMinutes),
    outages: down.length,
    healthPercent: period > 0 ? round4((1 - downMinutes / period) * 100) : 100,
  };
}

/** Alerts grouped by integration and dedup key, most received first. */
export function noisiestAlerts(alerts: ReportAlertInput[], n = NOISIEST_ALERTS): AlertRow[] {
  const byKey = new Map<string, AlertRow>();
  for (const a of alerts) {
    const k = `${a.integrationId}\u0000${a.dedupKey}`;
    const row = byKey.get(k);
    if (row) {
      row.alerts++;
      row.received += a.count;
    } else
      byKey.set(k, {
        integrationId: a.integrationId,
        dedupKey: a.dedupKey,
        summary: a.summary,
        severity: a.severity,
        ...(a.service ? { service: a.service } : {}),
        alerts: 1,
        received: a.count,
      });
  }
  return [...byKey.values()]
    .sort((a, b) => b.received - a.received || b.alerts - a.alerts || a.dedupKey.localeCompare(b.dedupKey))
    .slice(0, n);
}

export function computeMonthlyReport(input: ReportInput): MonthlyReport {
  const { from, to } = monthBounds(input.month, input.timeZone);
  const until = Math.min(to, Math.max(from, input.now.getTime()));
  const incidents = input.incidents.filter((i) => !i.mergedInto);
  const byService = new Map(responseReport(incidents, 'service').groups.map((g) => [g.key, g]));

  const probeDown = new Map<string, Interval[]>();
  for (const c of input.checks)
    if (c.kind === 'probe' && c.service)
      probeDown.set(c.service, [...(probeDown.get(c.service) ?? []), ...downIntervals(c.statusBefore, c.flips, until)]);

  let down = 0;
  let measured = 0;
  const services: ServiceRow[] = input.services.map((s) => {
    const incidentDown = s.incidentDowntime.map((i) => ({
      start: Date.parse(i.start),
      end: i.end ? Date.parse(i.end) : until,
    }));
    const impact = (s.impact ?? []).map((i) => ({
      start: Date.parse(i.start),
      end: Date.parse(i.end),
      weight: i.weight,
    }));
    const a = serviceAvailability(
      {
        down: [...(probeDown.get(s.id) ?? []), ...incidentDown, ...impact],
        maintenance: s.maintenance,
        slaTarget: s.slaTarget,
      },
      from,
      until,
      to,
    );
    down += a.downtimeMinutes;
    measured += a.measuredMinutes;
    const g = byService.get(s.id);
    return {
      id: s.id,
      name: s.name,
      tier: s.tier,
      slaTarget: s.slaTarget,
      ...a,
      incidents: g?.incidents ?? 0,
      ...(g?.timeToResolve.meanSeconds !== undefined ? { mttrSeconds: g.timeToResolve.meanSeconds } : {}),
    };
  });
  services.sort((a, b) => a.availabilityPercent - b.availabilityPercent || a.id.localeCompare(b.id));

  const slos = input.slos.map(sloRow).sort((a, b) => a.service.localeCompare(b.service) || a.id.localeCompare(b.id));
  const checks = input.checks
    .map((c) => checkRow(c, from, until))
    .sort((a, b) => a.healthPercent - b.healthPercent || a.id.localeCompare(b.id));
  const response = responseReport(incidents, 'severity');
  const runs = input.revenueRuns ?? [];
  const leakage = new Map<string, number>();
  for (const r of runs) leakage.set(r.currency, (leakage.get(r.currency) ?? 0) + r.leakage);

  return {
    month: input.month,
    timeZone: input.timeZone,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    until: new Date(until).toISOString(),
    complete: until >= to,
    overall: {
      services: services.length,
      slaMet: services.filter((s) => s.slaMet).length,
      slaBreached: services.filter((s) => !s.slaMet).map((s) => s.id),
      availabilityPercent: measured > 0 ? round4((1 - down / measured) * 100) : 100,
      downtimeMinutes: round2(down),
      incidents: incidents.length,
      ticketsCreated: input.tickets.total.created,
      alerts: input.alerts.length,
      slosMet: slos.filter((s) => s.met).length,
      slos: slos.length,
    },
    services,
    slos,
    incidents: { total: response.total, bySeverity: response.groups },
    tickets: input.tickets,
    checks: {
      probes: checks.filter((c) => c.kind === 'probe').length,
      jobs: checks.filter((c) => c.kind === 'job').length,
      withOutages: checks.filter((c) => c.outages > 0).length,
      rows: checks.slice(0, CHECK_ROWS),
    },
    alerts: {
      total: input.alerts.length,
      received: input.alerts.reduce((a, x) => a + x.count, 0),
      truncated: Boolean(input.alertsTruncated),
      noisiest: noisiestAlerts(input.alerts),
    },
    revenue: {
      available: input.revenueRuns !== undefined,
      runs: runs.length,
      findings: runs.reduce((a, r) => a + r.findings, 0),
      leakage: [...leakage.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, amount]) => ({ currency, amount: round2(amount) })),
      rows: runs,
    },
  };
}

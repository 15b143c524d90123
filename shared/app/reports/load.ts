// Loading one month of facts for the monthly report, in the report's time zone: services and their
// SLOs (maintenance windows, SLI sums over the month), probes and jobs with their status flips,
// incidents opened in the month and the P1/P2 downtime of each service, the impact declared on the
// status page, tickets per queue, alerts
// first received in the month. shared/domain/reports/compute.ts does the arithmetic.
import type { IncidentTimes } from '../../domain/oncall/metrics';
import { monthBounds } from '../../domain/reports/month';
import type {
  ReportAlertInput,
  ReportCheckInput,
  ReportInput,
  ReportSloInput,
  RevenueRunInput,
} from '../../domain/reports/model';
import { FINDING_CLASSES } from '../../domain/revenue/types';
import { listAlerts } from '../../store/alerts';
import { incidentDowntimeIntervals, listIncidents } from '../../store/incidents';
import { statusFlipsBetween } from '../../store/probe-history';
import { listJobs } from '../../store/probe-jobs';
import { listProbes } from '../../store/probes';
import { impactDowntime } from '../../domain/statuspage/model';
import { DEFAULT_CURRENCY, latestRunSummaries } from '../../store/revenue';
import { listServices } from '../../store/services';
import { slos as sloStore } from '../../store/slo';
import { publicIncidentsCreatedBefore } from '../../store/statuspage';
import { sloSeries } from '../slo/measure';
import { ticketReport } from '../tickets/report';
import { mapBounded } from '../map-bounded';

/** Flips decided this long after the month's end can still end a down interval inside it. */
const LATE_FLIP_MS = 86_400_000;
const CONCURRENCY = 8;
/** Reading stops here; the report then says its alert counts are a lower bound. */
export const MAX_ALERTS = 20_000;
const MAX_INCIDENTS = 20_000;

async function allPages<T>(read: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>, max: number) {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), truncated: Boolean(cursor) || items.length > max };
}

/** Reconciliation classes that are findings (the others matched). */
const FINDINGS = FINDING_CLASSES.filter((c) => c !== 'matched' && c !== 'within_tolerance');

/** The current RA run of each day of the month (RA periods are calendar days). */
async function revenueOfMonth(month: string): Promise<RevenueRunInput[]> {
  const runs = await latestRunSummaries(`${month}-01`, `${month}-31`);
  return runs.map((r) => ({
    runId: r.runId,
    period: r.period,
    status: 'succeeded',
    findings: FINDINGS.reduce((a, c) => a + (r.summary.counts[c] ?? 0), 0),
    leakage: r.summary.leakage,
    currency: r.currency ?? DEFAULT_CURRENCY,
  }));
}

export async function loadReportInput(month: string, timeZone: string, now: Date): Promise<ReportInput> {
  const { from, to } = monthBounds(month, timeZone);
  const until = Math.min(to, now.getTime());
  const [fromDate, toDate, untilDate] = [new Date(from), new Date(to), new Date(until)];

  const [services, slos, probes, jobs, published] = await Promise.all([
    listServices(),
    sloStore.all(),
    allPages((cursor) => listProbes({ limit: 200, cursor }), Infinity),
    allPages((cursor) => listJobs({ limit: 200, cursor }), Infinity),
    publicIncidentsCreatedBefore(untilDate),
  ]);
  const definitions = [
    ...probes.items.map((p) => ({ kind: 'probe' as const, id: p.id, name: p.name, service: p.service })),
    ...jobs.items.map((j) => ({ kind: 'job' as const, id: j.id, name: j.name, service: j.service })),
  ];

  const [checks, downtime, incidents, alerts, sloSums, tickets, revenueRuns] = await Promise.all([
    mapBounded(definitions, CONCURRENCY, async (d): Promise<ReportCheckInput> => {
      const f = await statusFlipsBetween(d.kind, d.id, fromDate, new Date(until + LATE_FLIP_MS));
      return { ...d, statusBefore: f.statusBefore, flips: f.flips };
    }),
    mapBounded(services, CONCURRENCY, (s) => incidentDowntimeIntervals(s.id, fromDate, untilDate)),
    allPages((cursor) => listIncidents({ from: fromDate, to: toDate, limit: 200, cursor }), MAX_INCIDENTS),
    allPages((cursor) => listAlerts({ since: fromDate, until: toDate, limit: 500, cursor }), MAX_ALERTS),
    mapBounded(slos, CONCURRENCY, async (slo): Promise<ReportSloInput> => {
      const sum = (await sloSeries(slo, from, until)).sum(from, until);
      return {
        id: slo.id,
        name: slo.name,
        service: slo.service,
        objective: slo.objective,
        sli: slo.sli.kind,
        good: sum.good,
        total: sum.total,
      };
    }),
    ticketReport(fromDate, toDate, 'queue', now),
    revenueOfMonth(month),
  ]);

  const inMonth = (iso: string) => Date.parse(iso) >= from && Date.parse(iso) < to;
  return {
    month,
    timeZone,
    now,
    services: services.map((s, i) => ({
      id: s.id,
      name: s.name,
      tier: s.tier,
      slaTarget: s.slaTarget,
      teamId: s.teamId,
      incidentDowntime: downtime[i]!.map((d) => ({ incidentId: d.incidentId, start: d.start, end: d.end })),
      maintenance: slos
        .filter((o) => o.service === s.id)
        .flatMap((o) => o.maintenance.map((m) => ({ start: Date.parse(m.start), end: Date.parse(m.end) }))),
      impact: impactDowntime(published, s.id, fromDate, untilDate),
    })),
    incidents: incidents.items.filter((i) => inMonth(i.openedAt)) satisfies IncidentTimes[],
    slos: sloSums,
    tickets,
    checks,
    alerts: alerts.items
      .filter((a) => inMonth(a.firstReceivedAt))
      .map((a): ReportAlertInput => ({
        integrationId: a.integrationId,
        dedupKey: a.dedupKey,
        summary: a.summary,
        severity: a.severity,
        ...(a.service ? { service: a.service } : {}),
        count: a.count,
      })),
    alertsTruncated: alerts.truncated,
    revenueRuns,
  };
}

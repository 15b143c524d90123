// The monthly operations and SLA report (docs/reports.md): what goes in (plain facts the app layer
// loaded for one month in one time zone) and what comes out (the figures the HTML and PDF show).
import type { IncidentTimes, ResponseGroup } from '../oncall/metrics';
import type { Interval, StatusFlip } from '../probes/availability';
import type { TicketReport } from '../tickets/reports';

export interface ReportServiceInput {
  id: string;
  name: string;
  tier: number;
  /** Monthly availability target in percent. */
  slaTarget: number;
  teamId?: string;
  /** Its P1/P2 incidents that overlap the month (open ones have no end). Together with the down
   * intervals of its probes (from `checks`) they make its downtime, as GET /services/{id}/availability counts it. */
  incidentDowntime: Array<{ incidentId: string; start: string; end?: string }>;
  /** Maintenance windows (from the service's SLOs), epoch ms: they count neither as up nor as down. */
  maintenance: Interval[];
  /** Impact declared on the status page for the service, weighted (a partial outage counts less). */
  impact?: Array<{ incidentId: string; start: string; end: string; weight: number }>;
}

/** An SLO's good and total events over the month (its maintenance minutes already left out). */
export interface ReportSloInput {
  id: string;
  name: string;
  service: string;
  objective: number;
  sli: 'ratio' | 'availability';
  good: number;
  total: number;
}

/** A probe or a heartbeat job: its status flips in the month and its status before it. */
export interface ReportCheckInput {
  kind: 'probe' | 'job';
  id: string;
  name: string;
  service?: string;
  statusBefore?: string;
  flips: StatusFlip[];
}

/** One stored alert first received in the month; `count` is how often it was received. */
export interface ReportAlertInput {
  integrationId: string;
  dedupKey: string;
  summary: string;
  severity: string;
  service?: string;
  count: number;
}

/** A revenue assurance run of the month, as the RA store summarises it. */
export interface RevenueRunInput {
  runId: string;
  period: string;
  status: string;
  findings: number;
  /** Revenue leaked (billed less than used), in the currency's major unit. */
  leakage: number;
  currency: string;
}

export interface ReportInput {
  month: string;
  timeZone: string;
  /** The running month is measured up to now. */
  now: Date;
  services: ReportServiceInput[];
  /** Incidents opened in the month (merged ones are left out of the figures). */
  incidents: IncidentTimes[];
  slos: ReportSloInput[];
  /** Tickets of the month grouped by queue (shared/domain/tickets/reports.ts). */
  tickets: TicketReport;
  checks: ReportCheckInput[];
  alerts: ReportAlertInput[];
  /** True when there were more alerts than the loader reads: the counts are a lower bound. */
  alertsTruncated?: boolean;
  /** Undefined: revenue assurance keeps no runs in this deployment. */
  revenueRuns?: RevenueRunInput[];
}

export interface ServiceRow {
  id: string;
  name: string;
  tier: number;
  slaTarget: number;
  availabilityPercent: number;
  downtimeMinutes: number;
  maintenanceMinutes: number;
  measuredMinutes: number;
  allowedDowntimeMinutes: number;
  slaMet: boolean;
  incidents: number;
  /** Mean time to resolve of the service's incidents, seconds. */
  mttrSeconds?: number;
}

export interface SloRow {
  id: string;
  name: string;
  service: string;
  sli: 'ratio' | 'availability';
  objective: number;
  /** Percent good over the month; undefined without events. */
  attainmentPercent?: number;
  met?: boolean;
  /** Percent of the month's error budget spent (over 100: exhausted). */
  budgetUsedPercent?: number;
  events: number;
}

export interface CheckRow {
  kind: 'probe' | 'job';
  id: string;
  name: string;
  service?: string;
  downMinutes: number;
  /** Times it went down in the month. */
  outages: number;
  healthPercent: number;
}

export interface AlertRow {
  integrationId: string;
  dedupKey: string;
  summary: string;
  severity: string;
  service?: string;
  /** Alerts (distinct firings) under this key in the month. */
  alerts: number;
  /** Notifications received for it, repeats included. */
  received: number;
}

export interface MonthlyReport {
  month: string;
  timeZone: string;
  from: string;
  to: string;
  /** End of what was measured: the month's end, or now while it runs. */
  until: string;
  complete: boolean;
  overall: {
    services: number;
    slaMet: number;
    slaBreached: string[];
    availabilityPercent: number;
    downtimeMinutes: number;
    incidents: number;
    ticketsCreated: number;
    alerts: number;
    slosMet: number;
    slos: number;
  };
  services: ServiceRow[];
  slos: SloRow[];
  incidents: { total: ResponseGroup; bySeverity: ResponseGroup[] };
  tickets: TicketReport;
  checks: {
    probes: number;
    jobs: number;
    withOutages: number;
    /** Least healthy first. */
    rows: CheckRow[];
  };
  alerts: { total: number; received: number; truncated: boolean; noisiest: AlertRow[] };
  revenue: {
    available: boolean;
    runs: number;
    findings: number;
    leakage: Array<{ currency: string; amount: number }>;
    rows: RevenueRunInput[];
  };
}

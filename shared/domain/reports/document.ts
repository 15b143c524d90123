// The monthly report as a document: sections of key figures, bar charts, tables and text. The HTML
// and the PDF renderers both draw this one model, so the two files always carry the same content.
import type { Stat } from '../oncall/metrics';
import type { MonthlyReport } from './model';

export type Tone = 'good' | 'bad' | 'neutral';

export interface Figure {
  label: string;
  value: string;
  tone?: Tone;
}
export interface Bar {
  label: string;
  value: number;
  /** What the bar says in words (e.g. "99.982 %"). */
  text: string;
  /** A marker on the bar's scale (e.g. the SLA target). */
  target?: number;
  tone: Tone;
}
export interface Column {
  title: string;
  align?: 'left' | 'right';
}
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'figures'; items: Figure[] }
  | { kind: 'bars'; caption: string; min: number; max: number; bars: Bar[] }
  | { kind: 'table'; columns: Column[]; rows: string[][] };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  sections: Section[];
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function monthName(month: string): string {
  const [y, m] = month.split('-');
  return `${MONTHS[Number(m) - 1]} ${y}`;
}

export const pct = (n: number | null | undefined, digits = 3): string =>
  n === undefined || n === null ? '–' : `${n.toFixed(digits)} %`;
export const num = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** 42 s, 4 m 12 s, 3 h 05 m, 2 d 4 h. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

const meanP90 = (s: Stat) => (s.count ? `${duration(s.meanSeconds)} / ${duration(s.p90Seconds)}` : '–');

export function reportDocument(r: MonthlyReport, generatedAt: string): ReportDocument {
  const sections: Section[] = [];
  const o = r.overall;
  const period = `${r.from.slice(0, 16).replace('T', ' ')} to ${r.to.slice(0, 16).replace('T', ' ')} UTC`;

  sections.push({
    id: 'summary',
    title: 'Summary',
    blocks: [
      {
        kind: 'paragraph',
        text: r.complete
          ? `The calendar month in ${r.timeZone}: ${period}.`
          : `The month is still running: measured up to ${r.until.slice(0, 16).replace('T', ' ')} UTC (${period}).`,
      },
      {
        kind: 'figures',
        items: [
          { label: 'Availability (all services)', value: pct(o.availabilityPercent) },
          {
            label: 'Services within SLA',
            value: `${o.slaMet} of ${o.services}`,
            tone: o.slaBreached.length ? 'bad' : 'good',
          },
          { label: 'Downtime', value: `${num(o.downtimeMinutes)} min` },
          { label: 'Incidents', value: String(o.incidents) },
          { label: 'SLOs met', value: `${o.slosMet} of ${o.slos}`, tone: o.slosMet < o.slos ? 'bad' : 'good' },
          { label: 'Tickets created', value: String(o.ticketsCreated) },
          { label: 'Alerts', value: String(o.alerts) },
        ],
      },
      ...(o.slaBreached.length
        ? [{ kind: 'paragraph' as const, text: `SLA breached: ${o.slaBreached.join(', ')}.` }]
        : []),
    ],
  });

  const lowest = Math.min(100, ...r.services.map((s) => Math.min(s.availabilityPercent, s.slaTarget)));
  const min = Math.max(0, Math.floor(lowest * 10 - 1) / 10);
  sections.push({
    id: 'availability',
    title: 'Availability against SLA',
    blocks: r.services.length
      ? [
          {
            kind: 'bars',
            caption: `Availability per service, scale ${min} % to 100 %; the mark is the SLA target. Maintenance windows count neither as up nor as down.`,
            min,
            max: 100,
            bars: r.services.map((s) => ({
              label: s.name,
              value: s.availabilityPercent,
              text: pct(s.availabilityPercent),
              target: s.slaTarget,
              tone: s.slaMet ? 'good' : 'bad',
            })),
          },
          {
            kind: 'table',
            columns: [
              { title: 'Service' },
              { title: 'Tier', align: 'right' },
              { title: 'SLA', align: 'right' },
              { title: 'Availability', align: 'right' },
              { title: 'Down (min)', align: 'right' },
              { title: 'Allowed (min)', align: 'right' },
              { title: 'Maint. (min)', align: 'right' },
              { title: 'Incidents', align: 'right' },
              { title: 'MTTR', align: 'right' },
              { title: 'SLA met' },
            ],
            rows: r.services.map((s) => [
              s.name,
              String(s.tier),
              pct(s.slaTarget, 2),
              pct(s.availabilityPercent),
              num(s.downtimeMinutes),
              num(s.allowedDowntimeMinutes),
              num(s.maintenanceMinutes),
              String(s.incidents),
              duration(s.mttrSeconds),
              s.slaMet ? 'yes' : 'NO',
            ]),
          },
        ]
      : [{ kind: 'paragraph', text: 'No services are defined.' }],
  });

  sections.push({
    id: 'slos',
    title: 'Service level objectives',
    blocks: r.slos.length
      ? [
          {
            kind: 'table',
            columns: [
              { title: 'SLO' },
              { title: 'Service' },
              { title: 'SLI' },
              { title: 'Objective', align: 'right' },
              { title: 'Attained', align: 'right' },
              { title: 'Budget used', align: 'right' },
              { title: 'Events', align: 'right' },
              { title: 'Met' },
            ],
            rows: r.slos.map((s) => [
              s.name,
              s.service,
              s.sli,
              pct(s.objective, 2),
              pct(s.attainmentPercent),
              s.budgetUsedPercent === undefined ? '–' : `${s.budgetUsedPercent.toFixed(1)} %`,
              num(Math.round(s.events)),
              s.met === undefined ? 'no data' : s.met ? 'yes' : 'NO',
            ]),
          },
        ]
      : [{ kind: 'paragraph', text: 'No SLOs are defined.' }],
  });

  const sev = r.incidents.bySeverity;
  const maxCount = Math.max(1, ...sev.map((g) => g.incidents));
  sections.push({
    id: 'incidents',
    title: 'Incidents',
    blocks: sev.length
      ? [
          {
            kind: 'bars',
            caption: 'Incidents opened in the month, by severity.',
            min: 0,
            max: maxCount,
            bars: sev.map((g) => ({
              label: g.key,
              value: g.incidents,
              text: String(g.incidents),
              tone: g.key === 'P1' || g.key === 'P2' ? 'bad' : 'neutral',
            })),
          },
          {
            kind: 'table',
            columns: [
              { title: 'Severity' },
              { title: 'Incidents', align: 'right' },
              { title: 'MTTD mean / p90', align: 'right' },
              { title: 'MTTA mean / p90', align: 'right' },
              { title: 'MTTR mean / p90', align: 'right' },
              { title: 'Ack within target', align: 'right' },
            ],
            rows: [...sev, r.incidents.total].map((g) => [
              g.key === 'all' ? 'All' : g.key,
              String(g.incidents),
              meanP90(g.timeToDetect),
              meanP90(g.timeToAcknowledge),
              meanP90(g.timeToResolve),
              g.acknowledgedWithinTarget.ratio === undefined
                ? '–'
                : `${(g.acknowledgedWithinTarget.ratio * 100).toFixed(1)} %`,
            ]),
          },
        ]
      : [{ kind: 'paragraph', text: 'No incidents were opened in the month.' }],
  });

  const t = r.tickets;
  sections.push({
    id: 'tickets',
    title: 'Tickets and SLA per queue',
    blocks: t.rows.length
      ? [
          {
            kind: 'table',
            columns: [
              { title: 'Queue' },
              { title: 'Created', align: 'right' },
              { title: 'Resolved', align: 'right' },
              { title: 'Backlog', align: 'right' },
              { title: 'First response in SLA', align: 'right' },
              { title: 'Resolution in SLA', align: 'right' },
            ],
            rows: [...t.rows, t.total].map((x) => [
              x.group,
              String(x.created),
              String(x.resolved),
              String(x.backlog),
              pct(x.firstResponseAttainmentPct, 1),
              pct(x.resolutionAttainmentPct, 1),
            ]),
          },
        ]
      : [{ kind: 'paragraph', text: 'No tickets were created or resolved in the month.' }],
  });

  const c = r.checks;
  sections.push({
    id: 'checks',
    title: 'Probes and jobs',
    blocks: [
      {
        kind: 'paragraph',
        text: `${c.probes} probes and ${c.jobs} heartbeat jobs; ${c.withOutages} of them went down at least once.`,
      },
      ...(c.rows.length
        ? [
            {
              kind: 'table' as const,
              columns: [
                { title: 'Check' },
                { title: 'Kind' },
                { title: 'Service' },
                { title: 'Outages', align: 'right' as const },
                { title: 'Down (min)', align: 'right' as const },
                { title: 'Healthy', align: 'right' as const },
              ],
              rows: c.rows.map((x) => [
                x.name,
                x.kind,
                x.service ?? '–',
                String(x.outages),
                num(x.downMinutes),
                pct(x.healthPercent),
              ]),
            },
          ]
        : []),
    ],
  });

  const a = r.alerts;
  sections.push({
    id: 'alerts',
    title: 'Noisiest alerts',
    blocks: [
      {
        kind: 'paragraph',
        text: `${a.total}${a.truncated ? '+' : ''} alerts first received in the month, ${a.received} notifications in all.`,
      },
      ...(a.noisiest.length
        ? [
            {
              kind: 'table' as const,
              columns: [
                { title: 'Alert' },
                { title: 'Integration' },
                { title: 'Severity' },
                { title: 'Firings', align: 'right' as const },
                { title: 'Received', align: 'right' as const },
              ],
              rows: a.noisiest.map((x) => [
                x.summary,
                x.integrationId,
                x.severity,
                String(x.alerts),
                String(x.received),
              ]),
            },
          ]
        : []),
    ],
  });

  const rv = r.revenue;
  sections.push({
    id: 'revenue',
    title: 'Revenue assurance',
    blocks: !rv.runs
      ? [{ kind: 'paragraph', text: 'Revenue assurance: no runs in the month.' }]
      : [
          {
            kind: 'figures',
            items: [
              { label: 'Runs', value: String(rv.runs) },
              { label: 'Findings', value: String(rv.findings) },
              ...rv.leakage.map((l) => ({
                label: `Leakage found (${l.currency})`,
                value: l.amount.toFixed(2),
                tone: l.amount > 0 ? ('bad' as const) : ('good' as const),
              })),
            ],
          },
          {
            kind: 'table',
            columns: [
              { title: 'Run' },
              { title: 'Period' },
              { title: 'Status' },
              { title: 'Findings', align: 'right' },
              { title: 'Leakage', align: 'right' },
            ],
            rows: rv.rows.map((x) => [
              x.runId,
              x.period,
              x.status,
              String(x.findings),
              `${x.leakage.toFixed(2)} ${x.currency}`,
            ]),
          },
        ],
  });

  return {
    title: `Operations and SLA report: ${monthName(r.month)}`,
    subtitle: `Time zone ${r.timeZone} · generated ${generatedAt.slice(0, 19).replace('T', ' ')} UTC`,
    sections,
  };
}

// The ticket report: per group (category, queue, assignee or priority) the tickets created and
// resolved in a window, the backlog at its end and how old it is, SLA attainment for first
// response and resolution, and the time tracked. Pure: facts in, rows (or CSV) out.
import type { Priority } from './sla';

export const GROUP_BY = ['category', 'queue', 'assignee', 'priority'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface GroupFacts {
  categoryId: string;
  queueId?: string;
  assigneeId?: string;
  priority: Priority;
}

export interface CreatedFact extends GroupFacts {
  createdAt: string;
  /** First-response clock outcome: true met, false missed, undefined not decided yet / no SLA. */
  firstResponseMet?: boolean;
}
export interface ResolvedFactIn extends GroupFacts {
  resolvedAt: string;
  resolutionMet?: boolean;
}
export interface BacklogFact extends GroupFacts {
  createdAt: string;
}
export interface TimeFactIn extends GroupFacts {
  minutes: number;
}

export interface ReportRow {
  group: string;
  created: number;
  resolved: number;
  backlog: number;
  backlogAvgAgeHours: number | null;
  backlogMaxAgeHours: number | null;
  firstResponseAttainmentPct: number | null;
  resolutionAttainmentPct: number | null;
  timeTrackedMinutes: number;
}

export interface TicketReport {
  from: string;
  to: string;
  groupBy: GroupBy;
  rows: ReportRow[];
  total: ReportRow;
}

export function groupKey(f: GroupFacts, by: GroupBy): string {
  switch (by) {
    case 'category':
      return f.categoryId;
    case 'queue':
      return f.queueId ?? '(no queue)';
    case 'assignee':
      return f.assigneeId ?? '(unassigned)';
    case 'priority':
      return f.priority;
  }
}

interface Acc {
  created: number;
  resolved: number;
  ages: number[];
  frMet: number;
  frDecided: number;
  resMet: number;
  resDecided: number;
  minutes: number;
}

const empty = (): Acc => ({
  created: 0,
  resolved: 0,
  ages: [],
  frMet: 0,
  frDecided: 0,
  resMet: 0,
  resDecided: 0,
  minutes: 0,
});
const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);
const hours = (ms: number) => Math.round((ms / 3600_000) * 10) / 10;

function row(group: string, a: Acc): ReportRow {
  return {
    group,
    created: a.created,
    resolved: a.resolved,
    backlog: a.ages.length,
    backlogAvgAgeHours: a.ages.length ? hours(a.ages.reduce((s, x) => s + x, 0) / a.ages.length) : null,
    backlogMaxAgeHours: a.ages.length ? hours(Math.max(...a.ages)) : null,
    firstResponseAttainmentPct: pct(a.frMet, a.frDecided),
    resolutionAttainmentPct: pct(a.resMet, a.resDecided),
    timeTrackedMinutes: a.minutes,
  };
}

export function buildReport(input: {
  from: Date;
  to: Date;
  groupBy: GroupBy;
  created: CreatedFact[];
  resolved: ResolvedFactIn[];
  backlog: BacklogFact[];
  time: TimeFactIn[];
}): TicketReport {
  const groups = new Map<string, Acc>();
  const total = empty();
  const acc = (f: GroupFacts) => {
    const k = groupKey(f, input.groupBy);
    let a = groups.get(k);
    if (!a) groups.set(k, (a = empty()));
    return [a, total];
  };
  for (const c of input.created)
    for (const a of acc(c)) {
      a.created++;
      if (c.firstResponseMet !== undefined) {
        a.frDecided++;
        if (c.firstResponseMet) a.frMet++;
      }
    }
  for (const r of input.resolved)
    for (const a of acc(r)) {
      a.resolved++;
      if (r.resolutionMet !== undefined) {
        a.resDecided++;
        if (r.resolutionMet) a.resMet++;
      }
    }
  const end = input.to.getTime();
  for (const b of input.backlog) for (const a of acc(b)) a.ages.push(Math.max(0, end - Date.parse(b.createdAt)));
  for (const t of input.time) for (const a of acc(t)) a.minutes += t.minutes;
  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    groupBy: input.groupBy,
    rows: [...groups.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([k, a]) => row(k, a)),
    total: row('(total)', total),
  };
}

const COLUMNS: Array<keyof ReportRow> = [
  'group',
  'created',
  'resolved',
  'backlog',
  'backlogAvgAgeHours',
  'backlogMaxAgeHours',
  'firstResponseAttainmentPct',
  'resolutionAttainmentPct',
  'timeTrackedMinutes',
];

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote when needed; neutralise spreadsheet formulas in text cells.
  const safe = typeof v === 'string' && /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function reportCsv(r: TicketReport): string {
  const lines = [[r.groupBy, ...COLUMNS.slice(1)].join(',')];
  for (const x of [...r.rows, r.total]) lines.push(COLUMNS.map((c) => cell(x[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

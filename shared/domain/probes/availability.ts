// Availability of a service in a calendar month (UTC): downtime is the union of the intervals in
// which one of its probes was down and of its P1/P2 incidents, clipped to the month (and to now
// for the running month), against the service's SLA target. 99.95 % allows 21.6 minutes in a
// 30-day month; 99.5 % allows 216. Pure: flips, incidents and `now` are passed in.
export interface Interval {
  start: number;
  end: number;
}

export interface SourcedInterval extends Interval {
  /** `probe:<id>` or `incident:<id>`. */
  source: string;
}

export interface StatusFlip {
  to: string;
  effectiveAt: string;
  at: string;
}

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function monthRange(month: string): { from: Date; to: Date; minutes: number } {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  const to = new Date(Date.UTC(Number(m[1]), Number(m[2]), 1));
  return { from, to, minutes: (to.getTime() - from.getTime()) / 60_000 };
}

export function currentMonth(now: Date): string {
  return now.toISOString().slice(0, 7);
}

/** Minutes of downtime an SLA target allows over `minutes`. */
export function allowedDowntimeMinutes(slaTargetPercent: number, minutes: number): number {
  return round2(((100 - slaTargetPercent) / 100) * minutes);
}

/** Down intervals of one probe from its status flips, given its status before the first one. */
export function downIntervals(statusBefore: string | undefined, flips: StatusFlip[], until: number): Interval[] {
  const sorted = [...flips].sort((a, b) => a.at.localeCompare(b.at));
  const out: Interval[] = [];
  let downSince: number | undefined = statusBefore === 'down' ? Number.NEGATIVE_INFINITY : undefined;
  for (const f of sorted) {
    const t = Date.parse(f.effectiveAt);
    if (f.to === 'down') downSince ??= t;
    else if (downSince !== undefined) {
      out.push({ start: downSince, end: Math.max(t, downSince) });
      downSince = undefined;
    }
  }
  if (downSince !== undefined) out.push({ start: downSince, end: until });
  return out;
}

export function clip<T extends Interval>(intervals: T[], from: number, to: number): T[] {
  return intervals
    .map((i) => ({ ...i, start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start);
}

/** Union of intervals, keeping which sources made up each merged interval. */
export function merge(intervals: SourcedInterval[]): Array<Interval & { sources: string[] }> {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Array<Interval & { sources: string[] }> = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) {
      last.end = Math.max(last.end, i.end);
      if (!last.sources.includes(i.source)) last.sources.push(i.source);
    } else out.push({ start: i.start, end: i.end, sources: [i.source] });
  }
  return out;
}

const minutesOf = (intervals: Interval[]) => intervals.reduce((a, i) => a + (i.end - i.start), 0) / 60_000;
const round2 = (n: number) => Math.round(n * 100) / 100;

export interface AvailabilityInput {
  serviceId: string;
  serviceName?: string;
  month: string;
  now: Date;
  /** Percent, e.g. 99.95; undefined when the service has none. */
  slaTarget?: number;
  probes: Array<{ id: string; statusBefore?: string; flips: StatusFlip[] }>;
  incidents: Array<{ incidentId: string; start: string; end?: string; severity: string }>;
}

export interface AvailabilityReport {
  serviceId: string;
  serviceName?: string;
  month: string;
  from: string;
  /** End of the measured period: the month's end, or now while the month runs. */
  until: string;
  minutesInMonth: number;
  measuredMinutes: number;
  downtimeMinutes: number;
  /** Over the measured minutes. */
  availabilityPercent: number;
  slaTarget?: number;
  /** For the whole month. */
  allowedDowntimeMinutes?: number;
  remainingDowntimeMinutes?: number;
  slaMet?: boolean;
  bySource: { probeMinutes: number; incidentMinutes: number };
  probeCount: number;
  incidentCount: number;
  intervals: Array<{ start: string; end: string; minutes: number; sources: string[] }>;
}

export const MAX_REPORTED_INTERVALS = 500;

export function availability(input: AvailabilityInput): AvailabilityReport {
  const { from, to, minutes } = monthRange(input.month);
  const until = Math.min(to.getTime(), Math.max(from.getTime(), input.now.getTime()));
  const probeIntervals: SourcedInterval[] = input.probes.flatMap((p) =>
    clip(downIntervals(p.statusBefore, p.flips, until), from.getTime(), until).map((i) => ({
      ...i,
      source: `probe:${p.id}`,
    })),
  );
  const incidentIntervals: SourcedInterval[] = clip(
    input.incidents.map((i) => ({
      start: Date.parse(i.start),
      end: i.end ? Date.parse(i.end) : until,
      source: `incident:${i.incidentId}`,
    })),
    from.getTime(),
    until,
  );
  const merged = merge([...probeIntervals, ...incidentIntervals]);
  const measuredMinutes = (until - from.getTime()) / 60_000;
  const downtime = minutesOf(merged);
  const report: AvailabilityReport = {
    serviceId: input.serviceId,
    serviceName: input.serviceName,
    month: input.month,
    from: from.toISOString(),
    until: new Date(until).toISOString(),
    minutesInMonth: minutes,
    measuredMinutes: round2(measuredMinutes),
    downtimeMinutes: round2(downtime),
    availabilityPercent: measuredMinutes > 0 ? Math.round((1 - downtime / measuredMinutes) * 1e6) / 1e4 : 100,
    bySource: {
      probeMinutes: round2(minutesOf(merge(probeIntervals))),
      incidentMinutes: round2(minutesOf(merge(incidentIntervals))),
    },
    probeCount: input.probes.length,
    incidentCount: input.incidents.length,
    intervals: merged.slice(0, MAX_REPORTED_INTERVALS).map((i) => ({
      start: new Date(i.start).toISOString(),
      end: new Date(i.end).toISOString(),
      minutes: round2((i.end - i.start) / 60_000),
      sources: i.sources,
    })),
  };
  if (input.slaTarget !== undefined) {
    const allowed = allowedDowntimeMinutes(input.slaTarget, minutes);
    report.slaTarget = input.slaTarget;
    report.allowedDowntimeMinutes = allowed;
    report.remainingDowntimeMinutes = round2(Math.max(0, allowed - downtime));
    report.slaMet = downtime <= allowed + 1e-9;
  }
  return report;
}

// Availability of a service in a calendar month (UTC): downtime is the union of the intervals in
// which one of its probes was down, of its P1/P2 incidents and of the impact declared on the status
// page (a partial outage weighs PARTIAL_OUTAGE_WEIGHT, decision 0053), clipped to the month (and to
// now for the running month), against the service's SLA target. Where sources overlap, the minute
// counts once, at the highest weight; maintenance windows (of the service's SLOs) count neither as up
// nor as down, as in the monthly report. 99.95 % allows 21.6 minutes in a 30-day month; 99.5 % allows
// 216. Pure: flips, incidents, impact and `now` are passed in.
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

/** Union of intervals (sources dropped). */
export function union(xs: Interval[]): Interval[] {
  return merge(xs.map((x) => ({ start: x.start, end: x.end, source: '' }))).map(({ start, end }) => ({ start, end }));
}

/** `xs` with every part that lies in one of `masks` removed (both as unions). */
export function subtract(xs: Interval[], masks: Interval[]): Interval[] {
  const m = union(masks);
  const out: Interval[] = [];
  for (const x of union(xs)) {
    let start = x.start;
    for (const k of m) {
      if (k.end <= start || k.start >= x.end) continue;
      if (k.start > start) out.push({ start, end: k.start });
      start = Math.max(start, k.end);
      if (start >= x.end) break;
    }
    if (start < x.end) out.push({ start, end: x.end });
  }
  return out;
}

/** An interval of downtime that counts `weight` (0..1) of each of its minutes. */
export interface WeightedInterval extends Interval {
  weight: number;
}

/**
 * The weighted union: disjoint pieces, in order, each carrying the highest weight of the intervals
 * that cover it (so overlapping sources count once); adjacent pieces of one weight are joined and
 * zero-weight parts left out.
 */
export function weightedUnion(intervals: WeightedInterval[]): WeightedInterval[] {
  const xs = intervals.filter((i) => i.end > i.start && i.weight > 0);
  const cuts = [...new Set(xs.flatMap((i) => [i.start, i.end]))].sort((a, b) => a - b);
  const out: WeightedInterval[] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    const [start, end] = [cuts[k]!, cuts[k + 1]!];
    const weight = xs.reduce((w, i) => (i.start <= start && i.end >= end ? Math.max(w, i.weight) : w), 0);
    if (weight === 0) continue;
    const last = out[out.length - 1];
    if (last && last.end === start && last.weight === weight) last.end = end;
    else out.push({ start, end, weight });
  }
  return out;
}

/** Minutes of downtime in weighted intervals (assumed disjoint, as weightedUnion gives them). */
export const weightedMinutesOf = (intervals: WeightedInterval[]) =>
  intervals.reduce((a, i) => a + (i.end - i.start) * i.weight, 0) / 60_000;

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
  /** Maintenance windows of the service (epoch ms): neither up nor down, and outside the SLA's allowance. */
  maintenance?: Interval[];
  /** Impact declared on the status page for the service: weight 1 for a major outage, less for a partial one. */
  impact?: Array<{ incidentId: string; start: string; end: string; weight: number }>;
}

export interface AvailabilityReport {
  serviceId: string;
  serviceName?: string;
  month: string;
  from: string;
  /** End of the measured period: the month's end, or now while the month runs. */
  until: string;
  minutesInMonth: number;
  /** Minutes of the measured period, maintenance left out. */
  measuredMinutes: number;
  /** Maintenance windows (of the service's SLOs) in the measured period: neither up nor down. */
  maintenanceMinutes: number;
  downtimeMinutes: number;
  /** Over the measured minutes. */
  availabilityPercent: number;
  slaTarget?: number;
  /** For the whole month outside maintenance. */
  allowedDowntimeMinutes?: number;
  remainingDowntimeMinutes?: number;
  slaMet?: boolean;
  /** Each source on its own (they may overlap); statusPageMinutes are weighted. */
  bySource: { probeMinutes: number; incidentMinutes: number; statusPageMinutes: number };
  probeCount: number;
  incidentCount: number;
  /** Where the service was down in whole or in part (`minutes` is the length; a stretch that only a
   * `statuspage:` partial outage covers counts its weight of that in downtimeMinutes). */
  intervals: Array<{ start: string; end: string; minutes: number; sources: string[] }>;
}

export const MAX_REPORTED_INTERVALS = 500;

export function availability(input: AvailabilityInput): AvailabilityReport {
  const { from, to, minutes } = monthRange(input.month);
  const until = Math.min(to.getTime(), Math.max(from.getTime(), input.now.getTime()));
  const maintenanceMonth = union(clip(input.maintenance ?? [], from.getTime(), to.getTime()));
  const maintenance = clip(maintenanceMonth, from.getTime(), until);
  /** Clipped to the measured period, maintenance cut out. */
  const measured = <T extends Interval>(xs: T[]): T[] =>
    clip(xs, from.getTime(), until).flatMap((x) => subtract([x], maintenance).map((i) => ({ ...x, ...i })));
  const probeIntervals: SourcedInterval[] = measured(
    input.probes.flatMap((p) =>
      downIntervals(p.statusBefore, p.flips, until).map((i) => ({ ...i, source: `probe:${p.id}` })),
    ),
  );
  const incidentIntervals: SourcedInterval[] = measured(
    input.incidents.map((i) => ({
      start: Date.parse(i.start),
      end: i.end ? Date.parse(i.end) : until,
      source: `incident:${i.incidentId}`,
    })),
  );
  const impactIntervals: Array<SourcedInterval & WeightedInterval> = measured(
    (input.impact ?? []).map((i) => ({
      start: Date.parse(i.start),
      end: Date.parse(i.end),
      weight: i.weight,
      source: `statuspage:${i.incidentId}`,
    })),
  );
  const merged = merge([...probeIntervals, ...incidentIntervals, ...impactIntervals]);
  const measuredMinutes = (until - from.getTime()) / 60_000 - minutesOf(maintenance);
  const downtime = weightedMinutesOf(
    weightedUnion([...probeIntervals, ...incidentIntervals].map((i) => ({ ...i, weight: 1 })).concat(impactIntervals)),
  );
  const report: AvailabilityReport = {
    serviceId: input.serviceId,
    serviceName: input.serviceName,
    month: input.month,
    from: from.toISOString(),
    until: new Date(until).toISOString(),
    minutesInMonth: minutes,
    measuredMinutes: round2(measuredMinutes),
    maintenanceMinutes: round2(minutesOf(maintenance)),
    downtimeMinutes: round2(downtime),
    availabilityPercent: measuredMinutes > 0 ? Math.round((1 - downtime / measuredMinutes) * 1e6) / 1e4 : 100,
    bySource: {
      probeMinutes: round2(minutesOf(merge(probeIntervals))),
      incidentMinutes: round2(minutesOf(merge(incidentIntervals))),
      statusPageMinutes: round2(weightedMinutesOf(weightedUnion(impactIntervals))),
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
    const allowed = allowedDowntimeMinutes(input.slaTarget, minutes - minutesOf(maintenanceMonth));
    report.slaTarget = input.slaTarget;
    report.allowedDowntimeMinutes = allowed;
    report.remainingDowntimeMinutes = round2(Math.max(0, allowed - downtime));
    report.slaMet = downtime <= allowed + 1e-9;
  }
  return report;
}

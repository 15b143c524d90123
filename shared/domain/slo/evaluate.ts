// Error budgets and multiwindow, multi-burn-rate alerts (Google SRE workbook, ch. 5): the SLI and
// budget left over the SLO's window, the burn rate over 5m/30m/1h/6h/3d, and which condition
// holds: page on 1h/5m at 14.4x or 6h/30m at 6x, ticket on 3d/6h at 1x. A low-traffic guard
// keeps a condition quiet unless its long window saw `alerting.minEvents` events, so a trickle of
// failures does not page while a trickle that lasts still tickets. Maintenance minutes count
// neither as good nor as total. Pure: the minute counts and `now` are passed in.
import { DateTime } from 'luxon';
import { floorMinute, MINUTE } from './minute';
import type { MaintenanceWindow, MinutePoint, Slo, SloWindow } from './model';

export { floorMinute };

const HOUR = 60 * MINUTE;

export type BurnWindowName = '5m' | '30m' | '1h' | '6h' | '3d';
export const BURN_WINDOWS: Record<BurnWindowName, number> = {
  '5m': 5 * MINUTE,
  '30m': 30 * MINUTE,
  '1h': HOUR,
  '6h': 6 * HOUR,
  '3d': 72 * HOUR,
};

export interface BurnCondition {
  name: 'page-fast' | 'page-slow' | 'ticket';
  action: 'page' | 'ticket';
  long: BurnWindowName;
  short: BurnWindowName;
  factor: number;
}

export const BURN_CONDITIONS: BurnCondition[] = [
  { name: 'page-fast', action: 'page', long: '1h', short: '5m', factor: 14.4 },
  { name: 'page-slow', action: 'page', long: '6h', short: '30m', factor: 6 },
  { name: 'ticket', action: 'ticket', long: '3d', short: '6h', factor: 1 },
];

/** How far back an evaluation must read: the longest burn window or the budget window. */
export function lookbackStart(slo: Pick<Slo, 'window' | 'timeZone'>, now: number): number {
  return Math.min(budgetWindow(slo, now).start, floorMinute(now) + MINUTE - BURN_WINDOWS['3d']);
}

/** The budget window that contains `now`: [start, end) in epoch ms. Rolling windows end at now. */
export function budgetWindow(
  slo: { window: SloWindow; timeZone: string },
  now: number,
): { start: number; end: number; label: string } {
  const local = DateTime.fromMillis(now, { zone: slo.timeZone });
  if (slo.window.kind === 'rolling') {
    const end = floorMinute(now) + MINUTE;
    // N calendar days back in the zone's wall time: across a DST change the window is an hour
    // shorter or longer, as the people reading it count days.
    const start = floorMinute(
      DateTime.fromMillis(end, { zone: slo.timeZone }).minus({ days: slo.window.days }).toMillis(),
    );
    return { start, end, label: `rolling ${slo.window.days}d` };
  }
  const unit = slo.window.unit;
  const from = local.startOf(unit);
  const to = from.plus(unit === 'month' ? { months: 1 } : { months: 3 });
  const label = unit === 'month' ? from.toFormat('yyyy-LL') : `${from.year}-Q${from.quarter}`;
  return { start: from.toMillis(), end: to.toMillis(), label };
}

/**
 * Minute counts as prefix sums over [start, end): a window's sums in O(1). Maintenance minutes
 * (whose start falls inside a maintenance window) are dropped from both good and total.
 */
export class MinuteSeries {
  readonly start: number;
  readonly end: number;
  private readonly good: Float64Array;
  private readonly total: Float64Array;

  constructor(points: Iterable<MinutePoint>, start: number, end: number, maintenance: MaintenanceWindow[] = []) {
    this.start = floorMinute(start);
    this.end = Math.max(this.start, floorMinute(end));
    const n = (this.end - this.start) / MINUTE;
    const good = new Float64Array(n + 1);
    const total = new Float64Array(n + 1);
    const masks = maintenance.map((m) => ({ start: Date.parse(m.start), end: Date.parse(m.end) }));
    for (const p of points) {
      const i = (floorMinute(p.minute) - this.start) / MINUTE;
      if (i < 0 || i >= n) continue;
      if (masks.some((m) => p.minute >= m.start && p.minute < m.end)) continue;
      good[i + 1]! += p.good;
      total[i + 1]! += p.total;
    }
    for (let i = 1; i <= n; i++) {
      good[i]! += good[i - 1]!;
      total[i]! += total[i - 1]!;
    }
    this.good = good;
    this.total = total;
  }

  private index(t: number): number {
    const i = Math.round((Math.min(Math.max(floorMinute(t), this.start), this.end) - this.start) / MINUTE);
    return i;
  }

  /** Sums of the minutes whose start lies in [from, to). */
  sum(from: number, to: number): { good: number; total: number } {
    const a = this.index(from);
    const b = this.index(to);
    if (b <= a) return { good: 0, total: 0 };
    return { good: this.good[b]! - this.good[a]!, total: this.total[b]! - this.total[a]! };
  }
}

export interface BurnRate {
  window: BurnWindowName;
  /** Error rate divided by the error budget rate (1 - objective); 0 with no events. */
  burnRate: number;
  errorRate: number;
  events: number;
}

export interface ConditionState {
  name: BurnCondition['name'];
  action: BurnCondition['action'];
  firing: boolean;
  /** Both windows burn fast enough, but the long window saw fewer events than the guard asks. */
  guarded: boolean;
  long: BurnWindowName;
  short: BurnWindowName;
  factor: number;
}

export type SloStatus = 'no-data' | 'ok' | 'ticket' | 'page';

export interface SloEvaluation {
  at: string;
  status: SloStatus;
  window: { start: string; end: string; label: string };
  /** Percent of good events in the budget window so far (undefined with no events). */
  sli?: number;
  good: number;
  total: number;
  /** Fraction of the error budget left (1 = whole, 0 = spent, below 0 = overspent). */
  budgetRemaining: number;
  /** Bad events the budget still allows at the current volume. */
  budgetEventsLeft: number;
  burnRates: BurnRate[];
  conditions: ConditionState[];
}

const round = (n: number, d = 6) => Math.round(n * 10 ** d) / 10 ** d;

export function burnRate(sums: { good: number; total: number }, objective: number): number {
  if (sums.total <= 0) return 0;
  const errorRate = (sums.total - sums.good) / sums.total;
  return errorRate / (1 - objective / 100);
}

/** Evaluate an SLO at `now` from a series that covers at least lookbackStart(slo, now) .. now. */
export function evaluateSlo(slo: Slo, series: MinuteSeries, now: number): SloEvaluation {
  const end = floorMinute(now) + MINUTE;
  const budgetRate = 1 - slo.objective / 100;
  const burnRates = (Object.keys(BURN_WINDOWS) as BurnWindowName[]).map((w) => {
    const s = series.sum(end - BURN_WINDOWS[w], end);
    return {
      window: w,
      burnRate: round(burnRate(s, slo.objective), 4),
      errorRate: s.total > 0 ? round((s.total - s.good) / s.total) : 0,
      events: s.total,
    };
  });
  const byWindow = Object.fromEntries(burnRates.map((b) => [b.window, b])) as Record<BurnWindowName, BurnRate>;
  const conditions = BURN_CONDITIONS.map((c) => {
    const burning = byWindow[c.long].burnRate >= c.factor && byWindow[c.short].burnRate >= c.factor;
    const enough = byWindow[c.long].events >= slo.alerting.minEvents;
    return {
      name: c.name,
      action: c.action,
      firing: slo.alerting.enabled && burning && enough,
      guarded: burning && !enough,
      long: c.long,
      short: c.short,
      factor: c.factor,
    };
  });
  const bw = budgetWindow(slo, now);
  const sums = series.sum(bw.start, Math.min(bw.end, end));
  const bad = sums.total - sums.good;
  const budgetRemaining = sums.total > 0 ? 1 - bad / sums.total / budgetRate : 1;
  const status: SloStatus = conditions.some((c) => c.firing && c.action === 'page')
    ? 'page'
    : conditions.some((c) => c.firing)
      ? 'ticket'
      : sums.total === 0 && byWindow['3d'].events === 0
        ? 'no-data'
        : 'ok';
  return {
    at: new Date(now).toISOString(),
    status,
    window: { start: new Date(bw.start).toISOString(), end: new Date(bw.end).toISOString(), label: bw.label },
    ...(sums.total > 0 ? { sli: round((sums.good / sums.total) * 100) } : {}),
    good: sums.good,
    total: sums.total,
    budgetRemaining: round(budgetRemaining),
    budgetEventsLeft: Math.max(0, round(sums.total * budgetRate - bad, 2)),
    burnRates,
    conditions,
  };
}

export interface HistoryPoint {
  /** Start of the step. */
  at: string;
  good: number;
  total: number;
  sli?: number;
  /** Budget left at the end of the step, in the budget window that contains that instant. */
  budgetRemaining: number;
  /** Burn rate over the step itself. */
  burnRate: number;
}

/** Per-step points for charts over [from, to): SLI, burn and the budget left as it was then. */
export function sloHistory(
  slo: Slo,
  series: MinuteSeries,
  from: number,
  to: number,
  stepMinutes: number,
): HistoryPoint[] {
  const step = stepMinutes * MINUTE;
  const out: HistoryPoint[] = [];
  const budgetRate = 1 - slo.objective / 100;
  for (let t = floorMinute(from); t < to; t += step) {
    const s = series.sum(t, t + step);
    const stepEnd = Math.min(t + step, to);
    const bw = budgetWindow(slo, stepEnd - MINUTE);
    const b = series.sum(bw.start, stepEnd);
    out.push({
      at: new Date(t).toISOString(),
      good: s.good,
      total: s.total,
      ...(s.total > 0 ? { sli: round((s.good / s.total) * 100) } : {}),
      budgetRemaining: b.total > 0 ? round(1 - (b.total - b.good) / b.total / budgetRate) : 1,
      burnRate: round(burnRate(s, slo.objective), 4),
    });
  }
  return out;
}

/** Availability as an SLI: one event per minute, good in proportion to the minute not spent down. */
export function availabilityPoints(
  down: Array<{ start: number; end: number }>,
  from: number,
  to: number,
): MinutePoint[] {
  const start = floorMinute(from);
  const n = Math.max(0, (floorMinute(to) - start) / MINUTE);
  const downMs = new Float64Array(n);
  for (const d of down) {
    const a = Math.max(d.start, start);
    const b = Math.min(d.end, start + n * MINUTE);
    for (let t = a; t < b;) {
      const i = Math.floor((t - start) / MINUTE);
      const next = Math.min(b, start + (i + 1) * MINUTE);
      downMs[i]! += next - t;
      t = next;
    }
  }
  const out: MinutePoint[] = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = { minute: start + i * MINUTE, good: 1 - Math.min(downMs[i]!, MINUTE) / MINUTE, total: 1 };
  return out;
}

// Volume anomalies (issue 12 §4): daily (or hourly) usage volumes per series (side × service ×
// direction) checked against the same weekday's recent baseline with robust statistics. A period
// is flagged when its robust z-score, 0.6745·(x − median)/MAD over the same weekday (and hour) of
// the previous `weeks` weeks, reaches `threshold`; a minimum-volume gate keeps tiny series quiet.
// Pure: periods are strings (`YYYY-MM-DD` or `YYYY-MM-DDTHH`), nothing reads the clock.
import * as z from 'zod';
import { startEpochMs } from './mediation';
import type { UsageRecord } from './types';

export const anomalyConfigSchema = z
  .object({
    granularity: z.enum(['day', 'hour']).default('day'),
    /** How many previous same weekdays form the baseline. */
    weeks: z.number().int().min(2).max(52).default(6),
    /** Fewer baseline points than this: the period is not judged. */
    minBaseline: z.number().int().min(2).max(52).default(4),
    /** |robust z| at or above this flags the period. */
    threshold: z.number().positive().max(100).default(4),
    /** Neither the baseline median nor the value reaches this: not judged (tiny series do not alarm). */
    minVolume: z.number().min(0).default(1000),
    /** MAD floor as a share of the median, so a flat baseline does not turn every wobble into an alarm. */
    minMadShare: z.number().min(0).max(1).default(0.02),
  })
  .strict();
export type AnomalyConfig = z.infer<typeof anomalyConfigSchema>;
export const DEFAULT_ANOMALY_CONFIG: AnomalyConfig = anomalyConfigSchema.parse({});

export interface VolumePoint {
  /** e.g. `network:voice:mo`. */
  series: string;
  /** `YYYY-MM-DD` (day) or `YYYY-MM-DDTHH` (hour). */
  period: string;
  volume: number;
}

export interface AnomalyVerdict extends VolumePoint {
  status: 'flagged' | 'normal' | 'insufficient_history' | 'below_minimum_volume';
  median?: number;
  mad?: number;
  z?: number;
  /** For a flagged period: below (drop, e.g. lost files) or above (spike) its baseline. */
  kind?: 'drop' | 'spike';
}

const PERIOD = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}))?$/;
const DAY_MS = 86_400_000;

/** Epoch ms of a period string, or NaN. */
export function periodMs(period: string): number {
  const m = PERIOD.exec(period);
  if (m === null) return Number.NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), m[4] === undefined ? 0 : Number(m[4]));
  // Date.UTC rolls 2026-02-31 over to March: such a period is not a date.
  const d = new Date(t);
  return d.getUTCDate() === Number(m[3]) && d.getUTCMonth() === Number(m[2]) - 1 ? t : Number.NaN;
}

function periodString(ms: number, granularity: AnomalyConfig['granularity']): string {
  const iso = new Date(ms).toISOString();
  return granularity === 'day' ? iso.slice(0, 10) : iso.slice(0, 13);
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Judges one value against its baseline values. */
export function judge(
  value: number,
  baseline: readonly number[],
  config: AnomalyConfig,
): Omit<AnomalyVerdict, keyof VolumePoint> {
  if (baseline.length < config.minBaseline) return { status: 'insufficient_history' };
  const med = median(baseline);
  const rawMad = median(baseline.map((x) => Math.abs(x - med)));
  if (med < config.minVolume && value < config.minVolume)
    return { status: 'below_minimum_volume', median: med, mad: rawMad };
  const mad = Math.max(rawMad, config.minMadShare * med, Number.EPSILON);
  const z = (0.6745 * (value - med)) / mad;
  const rounded = Math.round(z * 100) / 100;
  if (Math.abs(z) >= config.threshold) {
    return { status: 'flagged', median: med, mad, z: rounded, kind: z < 0 ? 'drop' : 'spike' };
  }
  return { status: 'normal', median: med, mad, z: rounded };
}

/**
 * Judges every point against the same weekday (and hour) of the previous `weeks` weeks of its
 * series. A missing period in the baseline is just absent (a lost day is judged when it is the
 * one being looked at, as a volume of 0 if the caller fills it).
 */
export function detectAnomalies(
  points: readonly VolumePoint[],
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): AnomalyVerdict[] {
  const bySeries = new Map<string, Map<string, number>>();
  for (const p of points) {
    let m = bySeries.get(p.series);
    if (m === undefined) bySeries.set(p.series, (m = new Map()));
    m.set(p.period, (m.get(p.period) ?? 0) + p.volume);
  }
  const out: AnomalyVerdict[] = [];
  for (const [series, values] of [...bySeries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const period of [...values.keys()].sort()) {
      const t = periodMs(period);
      if (Number.isNaN(t)) continue;
      const baseline: number[] = [];
      for (let w = 1; w <= config.weeks; w++) {
        const v = values.get(periodString(t - w * 7 * DAY_MS, config.granularity));
        if (v !== undefined) baseline.push(v);
      }
      const volume = values.get(period)!;
      out.push({ series, period, volume, ...judge(volume, baseline, config) });
    }
  }
  return out;
}

export interface BacktestReport {
  granularity: AnomalyConfig['granularity'];
  series: number;
  periods: number;
  judged: number;
  flagged: number;
  /** Share of judged periods flagged. */
  flaggedShare: number;
  insufficientHistory: number;
  belowMinimumVolume: number;
  flags: { series: string; period: string; volume: number; median: number; z: number; kind: 'drop' | 'spike' }[];
  config: AnomalyConfig;
}

/** How many periods the detector would have flagged over past volumes (to tune its thresholds). */
export function backtestVolumes(
  points: readonly VolumePoint[],
  config: AnomalyConfig = DEFAULT_ANOMALY_CONFIG,
): BacktestReport {
  const verdicts = detectAnomalies(points, config);
  const flags = verdicts
    .filter((v) => v.status === 'flagged')
    .map((v) => ({ series: v.series, period: v.period, volume: v.volume, median: v.median!, z: v.z!, kind: v.kind! }));
  const judged = verdicts.filter((v) => v.status === 'flagged' || v.status === 'normal').length;
  return {
    granularity: config.granularity,
    series: new Set(verdicts.map((v) => v.series)).size,
    periods: verdicts.length,
    judged,
    flagged: flags.length,
    flaggedShare: judged === 0 ? 0 : Math.round((flags.length / judged) * 1e4) / 1e4,
    insufficientHistory: verdicts.filter((v) => v.status === 'insufficient_history').length,
    belowMinimumVolume: verdicts.filter((v) => v.status === 'below_minimum_volume').length,
    flags,
    config,
  };
}

/**
 * Volumes (record counts) of usage records per `${side}:${service}:${direction}` and period, the period taken in
 * `timeZone` (the operator's business day). Records without a readable start time are skipped and
 * counted.
 */
export function volumesOf(
  records: Iterable<UsageRecord>,
  side: string,
  granularity: AnomalyConfig['granularity'],
  timeZone: string,
  into: Map<string, number> = new Map(),
): { volumes: Map<string, number>; skipped: number } {
  let skipped = 0;
  const cut = granularity === 'day' ? 10 : 13;
  const fmt = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  const hourCache = new Map<number, string>();
  for (const r of records) {
    const ms = startEpochMs(r.startTime, timeZone);
    if (Number.isNaN(ms)) {
      skipped++;
      continue;
    }
    const hour = Math.floor(ms / 3_600_000);
    let local = hourCache.get(hour);
    if (local === undefined) {
      const parts = Object.fromEntries(fmt.formatToParts(new Date(hour * 3_600_000)).map((p) => [p.type, p.value]));
      local = `${parts.year}-${parts.month}-${parts.day}T${parts.hour}`;
      hourCache.set(hour, local);
    }
    const key = `${side}:${r.service}:${r.direction}\u0000${local.slice(0, cut)}`;
    into.set(key, (into.get(key) ?? 0) + 1);
  }
  return { volumes: into, skipped };
}

/** The map volumesOf fills, as points. */
export function volumePoints(volumes: Map<string, number>): VolumePoint[] {
  return [...volumes].map(([k, volume]) => {
    const [series, period] = k.split('\u0000') as [string, string];
    return { series, period, volume };
  });
}

// Volume anomalies: same-weekday baseline, median and MAD, the robust z threshold, the minimum
// volume gate, the MAD floor on a flat baseline, and volumes built from records in a time zone.
import {
  DEFAULT_ANOMALY_CONFIG,
  anomalyConfigSchema,
  backtestVolumes,
  detectAnomalies,
  judge,
  median,
  periodMs,
  volumePoints,
  volumesOf,
  type VolumePoint,
} from '../../../shared/domain/revenue/anomalies';
import type { UsageRecord } from '../../../shared/domain/revenue';

const weekly = (
  series: string,
  firstMonday: string,
  weeks: number,
  perWeekday: number[],
  over: Record<string, number> = {},
) => {
  const out: VolumePoint[] = [];
  const t0 = periodMs(firstMonday);
  for (let d = 0; d < weeks * 7; d++) {
    const period = new Date(t0 + d * 86_400_000).toISOString().slice(0, 10);
    out.push({ series, period, volume: over[period] ?? perWeekday[d % 7]! + ((d * 13) % 50) });
  }
  return out;
};

test('median and the robust z of a value against its baseline', () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  const v = judge(1300, [1000, 1010, 990, 1020, 980], DEFAULT_ANOMALY_CONFIG);
  // median 1000, MAD 10 (floored to 2% of the median: 20) → z = 0.6745·300/20 ≈ 10.1
  expect(v).toMatchObject({ status: 'flagged', kind: 'spike', median: 1000, mad: 20, z: 10.12 });
  expect(judge(1010, [1000, 1010, 990, 1020, 980], DEFAULT_ANOMALY_CONFIG).status).toBe('normal');
});

test('the baseline is the same weekday: a quiet Sunday is not an anomaly, a quiet Tuesday is', () => {
  const days = [10_000, 10_000, 10_000, 10_000, 10_000, 4_000, 3_500]; // Monday … Sunday
  const points = weekly('network:voice:mo', '2026-09-07', 8, days, { '2026-10-27': 4_000 });
  const flagged = detectAnomalies(points).filter((v) => v.status === 'flagged');
  expect(flagged.map((v) => [v.period, v.kind])).toEqual([['2026-10-27', 'drop']]);
});

test('too little history is not judged; tiny series are gated by the minimum volume', () => {
  const tiny = weekly('billing:sms:mt', '2026-09-07', 8, [5, 5, 5, 5, 5, 5, 5], { '2026-10-27': 500 });
  const report = backtestVolumes(tiny);
  expect(report.flagged).toBe(0);
  expect(report.insufficientHistory).toBe(28);
  expect(report.belowMinimumVolume).toBe(28);
  // With the gate lowered, the day at 500 (ten times the usual) shows.
  expect(backtestVolumes(tiny, anomalyConfigSchema.parse({ minVolume: 0 })).flags).toEqual([
    expect.objectContaining({ period: '2026-10-27', kind: 'spike' }),
  ]);
});

test('hourly: the same hour of the same weekday', () => {
  const points: VolumePoint[] = [];
  for (let w = 0; w < 6; w++) {
    for (const h of ['09', '10']) {
      const day = new Date(periodMs('2026-10-05') + w * 7 * 86_400_000).toISOString().slice(0, 10);
      points.push({ series: 's', period: `${day}T${h}`, volume: h === '09' ? 2000 + w : w === 5 ? 100 : 5000 + w });
    }
  }
  const r = backtestVolumes(points, anomalyConfigSchema.parse({ granularity: 'hour' }));
  expect(r.flags).toEqual([expect.objectContaining({ period: '2026-11-09T10', kind: 'drop' })]);
});

test('periods that are not dates are refused', () => {
  expect(periodMs('2026-02-31')).toBeNaN();
  expect(periodMs('2026-11-02T10')).toBe(Date.UTC(2026, 10, 2, 10));
});

test('volumes of records per side, service, direction and local day', () => {
  const r = (startTime: string, direction = 'mo'): UsageRecord => ({
    recordId: startTime,
    subscriber: '1',
    service: 'voice',
    direction,
    startTime,
    quantity: 1,
    charge: 0,
  });
  const { volumes, skipped } = volumesOf(
    [r('2026-11-02T22:30:00Z'), r('2026-11-02T23:30:00Z'), r('2026-11-02T10:00:00+01:00', 'mt'), r('nope')],
    'network',
    'day',
    'Europe/Berlin',
  );
  expect(skipped).toBe(1);
  expect(volumePoints(volumes).sort((a, b) => (a.period + a.series < b.period + b.series ? -1 : 1))).toEqual([
    { series: 'network:voice:mo', period: '2026-11-02', volume: 1 },
    { series: 'network:voice:mt', period: '2026-11-02', volume: 1 },
    { series: 'network:voice:mo', period: '2026-11-03', volume: 1 },
  ]);
});

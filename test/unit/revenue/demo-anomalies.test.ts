// The demo's volume history gives the volume-anomaly control a baseline (issue 12 §4): over the
// eight imported weeks nothing is flagged, and yesterday — which lost two thirds of its data
// sessions on both sides — is flagged as a drop in the four data series and only there; voice and
// SMS are judged normal against their baseline. Deterministic for any demo "now".
import { Readable } from 'node:stream';
import { readUsageRecords } from '../../../shared/adapters/usage-files';
import { backtestVolumes, detectAnomalies, volumePoints, volumesOf } from '../../../shared/domain/revenue/anomalies';
import { DEMO_DAY_RECORDS, demoUsageDay, demoVolumeHistory } from '../../../infra/local/demo/revenue';

async function dayVolumes(period: string, day: ReturnType<typeof demoUsageDay>) {
  const volumes = new Map<string, number>();
  for (const side of ['billing', 'network'] as const)
    volumesOf(await readUsageRecords(Readable.from([Buffer.from(day[side])])), side, 'day', 'UTC', volumes);
  return volumePoints(volumes);
}

describe('demo volume history', () => {
  const yesterday = '2026-11-29';
  const history = demoVolumeHistory(yesterday);

  it('covers eight weeks before the three delivered days, twelve series a day, near 1,200 each', () => {
    expect(history).toHaveLength(56);
    expect(history[0]!.period).toBe('2026-11-26');
    expect(history.at(-1)!.period).toBe('2026-10-02');
    for (const h of history) {
      expect(h.volumes).toHaveLength(12);
      for (const v of h.volumes) expect(Math.abs(v.volume - 1200)).toBeLessThanOrEqual(36);
    }
    expect(demoVolumeHistory(yesterday)).toEqual(history);
  });

  it('flags nothing in the history itself (backtest), so the control is quiet on ordinary days', () => {
    const report = backtestVolumes(history.flatMap((h) => h.volumes));
    expect(report.judged).toBeGreaterThan(0);
    expect(report.flagged).toBe(0);
  });

  it("flags yesterday's lost data sessions as a drop on both sides, and only them", async () => {
    const own = await dayVolumes(yesterday, demoUsageDay(yesterday, { records: DEMO_DAY_RECORDS, lostData: true }));
    const verdicts = detectAnomalies([...history.flatMap((h) => h.volumes), ...own]).filter(
      (v) => v.period === yesterday,
    );
    expect(verdicts).toHaveLength(12);
    const flagged = verdicts.filter((v) => v.status === 'flagged');
    expect(flagged.map((v) => [v.series, v.kind])).toEqual([
      ['billing:data:mo', 'drop'],
      ['billing:data:mt', 'drop'],
      ['network:data:mo', 'drop'],
      ['network:data:mt', 'drop'],
    ]);
    expect(verdicts.filter((v) => v.status === 'normal')).toHaveLength(8);
    // An ordinary demo day is judged normal everywhere.
    const day = '2026-11-28';
    const ordinary = await dayVolumes(day, demoUsageDay(day, { records: DEMO_DAY_RECORDS }));
    const judged = detectAnomalies([...history.flatMap((h) => h.volumes), ...ordinary]).filter((v) => v.period === day);
    expect(judged.map((v) => v.status)).toEqual(Array(12).fill('normal'));
  });
});

// Response metrics: per-incident times, mean and p90, grouping and the acknowledgement target.
import { responseReport, responseTimes, stat, type IncidentTimes } from '../../../shared/domain/oncall/metrics';

const inc = (n: number, over: Partial<IncidentTimes>): IncidentTimes => ({
  id: `i${n}`,
  number: n,
  severity: 'P1',
  teamId: 'platform',
  serviceId: 'billing-api',
  detectedAt: '2026-11-01T10:00:00Z',
  openedAt: '2026-11-01T10:01:00Z',
  ...over,
});

describe('response metrics', () => {
  it('measures detect from the first alert, acknowledge and resolve from opening', () => {
    expect(
      responseTimes(inc(1, { acknowledgedAt: '2026-11-01T10:04:00Z', resolvedAt: '2026-11-01T11:01:00Z' })),
    ).toMatchObject({
      timeToDetectSeconds: 60,
      timeToAcknowledgeSeconds: 180,
      timeToResolveSeconds: 3600,
    });
    expect(responseTimes(inc(2, {})).timeToAcknowledgeSeconds).toBeUndefined();
  });

  it('p90 is the nearest-rank 90th percentile; mean is rounded', () => {
    expect(stat([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).toEqual({ count: 10, meanSeconds: 6, p90Seconds: 9 });
    expect(stat([undefined, 7])).toEqual({ count: 1, meanSeconds: 7, p90Seconds: 7 });
    expect(stat([])).toEqual({ count: 0 });
  });

  it('groups by severity, counts acknowledgements within the severity target and leaves merged incidents out', () => {
    const at = (min: number) => new Date(Date.parse('2026-11-01T10:01:00Z') + min * 60000).toISOString();
    const r = responseReport(
      [
        inc(1, { acknowledgedAt: at(3), resolvedAt: at(30) }),
        inc(2, { acknowledgedAt: at(9), resolvedAt: at(60) }),
        inc(3, {}),
        inc(4, { severity: 'P3', acknowledgedAt: at(20) }),
        inc(5, { severity: 'P3', acknowledgedAt: at(1), resolvedAt: at(2), mergedInto: 'i4' }),
      ],
      'severity',
    );
    expect(r.total).toMatchObject({
      incidents: 4,
      acknowledged: 3,
      resolved: 2,
      acknowledgedWithinTarget: { count: 2, ratio: 0.5 },
    });
    const p1 = r.groups.find((g) => g.key === 'P1')!;
    expect(p1).toMatchObject({
      incidents: 3,
      acknowledged: 2,
      timeToAcknowledge: { count: 2, meanSeconds: 360, p90Seconds: 540 },
      acknowledgedWithinTarget: { count: 1 },
    });
    expect(r.groups.find((g) => g.key === 'P3')).toMatchObject({
      incidents: 1,
      acknowledgedWithinTarget: { count: 1, ratio: 1 },
    });
    expect(responseReport([inc(1, { acknowledgedAt: at(9) })], 'team', 10).groups[0]).toMatchObject({
      key: 'platform',
      acknowledgedWithinTarget: { count: 1 },
    });
  });
});

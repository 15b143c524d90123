// Availability arithmetic: SLA allowances, the union of probe and incident downtime, clipping to
// the month and to now.
import {
  allowedDowntimeMinutes,
  availability,
  downIntervals,
  monthRange,
} from '../../../shared/domain/probes/availability';

const flip = (to: string, effectiveAt: string, at = effectiveAt) => ({ to, effectiveAt, at });

describe('SLA allowances', () => {
  it('99.95 % allows 21.6 minutes in a 30-day month; 99.5 % allows 216', () => {
    expect(allowedDowntimeMinutes(99.95, 30 * 1440)).toBe(21.6);
    expect(allowedDowntimeMinutes(99.5, 30 * 1440)).toBe(216);
  });

  it('months have their real length (UTC)', () => {
    expect(monthRange('2026-02').minutes).toBe(28 * 1440);
    expect(monthRange('2026-11').minutes).toBe(30 * 1440);
    expect(monthRange('2026-12').to.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});

describe('downtime', () => {
  const now = new Date('2026-12-15T00:00:00.000Z');

  it('counts a probe down interval from its effective start to its recovery', () => {
    const r = availability({
      serviceId: 'billing-api',
      month: '2026-11',
      now,
      slaTarget: 99.95,
      probes: [
        {
          id: 'p1',
          statusBefore: 'up',
          flips: [
            flip('down', '2026-11-10T10:00:00.000Z', '2026-11-10T10:02:00.000Z'),
            flip('up', '2026-11-10T10:30:00.000Z'),
          ],
        },
      ],
      incidents: [],
    });
    expect(r.downtimeMinutes).toBe(30);
    expect(r.availabilityPercent).toBe(99.9306);
    expect(r.allowedDowntimeMinutes).toBe(21.6);
    expect(r.slaMet).toBe(false);
    expect(r.intervals).toEqual([
      { start: '2026-11-10T10:00:00.000Z', end: '2026-11-10T10:30:00.000Z', minutes: 30, sources: ['probe:p1'] },
    ]);
  });

  it('does not count overlapping probe and incident downtime twice', () => {
    const r = availability({
      serviceId: 's',
      month: '2026-11',
      now,
      slaTarget: 99.5,
      probes: [
        { id: 'p1', flips: [flip('down', '2026-11-10T10:00:00.000Z'), flip('up', '2026-11-10T10:30:00.000Z')] },
        { id: 'p2', flips: [flip('down', '2026-11-10T10:20:00.000Z'), flip('up', '2026-11-10T10:40:00.000Z')] },
      ],
      incidents: [
        { incidentId: 'i1', start: '2026-11-10T10:35:00.000Z', end: '2026-11-10T11:00:00.000Z', severity: 'P1' },
      ],
    });
    expect(r.downtimeMinutes).toBe(60);
    expect(r.bySource).toEqual({ probeMinutes: 40, incidentMinutes: 25 });
    expect(r.intervals[0]!.sources).toEqual(['probe:p1', 'probe:p2', 'incident:i1']);
    expect(r.slaMet).toBe(true);
    expect(r.remainingDowntimeMinutes).toBe(156);
  });

  it('clips to the month: down since before it, still down after it', () => {
    const r = availability({
      serviceId: 's',
      month: '2026-11',
      now,
      probes: [
        { id: 'p1', statusBefore: 'down', flips: [flip('up', '2026-11-01T00:10:00.000Z')] },
        { id: 'p2', flips: [flip('down', '2026-11-30T23:50:00.000Z')] },
      ],
      incidents: [
        { incidentId: 'i1', start: '2026-10-31T23:00:00.000Z', end: '2026-11-01T00:05:00.000Z', severity: 'P2' },
      ],
    });
    expect(r.downtimeMinutes).toBe(20);
    expect(r.slaTarget).toBeUndefined();
  });

  it('measures the running month up to now; an open incident counts until now', () => {
    const r = availability({
      serviceId: 's',
      month: '2026-12',
      now,
      slaTarget: 99.9,
      probes: [],
      incidents: [{ incidentId: 'i1', start: '2026-12-14T23:00:00.000Z', severity: 'P1' }],
    });
    expect(r.until).toBe(now.toISOString());
    expect(r.measuredMinutes).toBe(14 * 1440);
    expect(r.downtimeMinutes).toBe(60);
    expect(r.allowedDowntimeMinutes).toBe(44.64);
  });

  it('no data means 100 %', () => {
    const r = availability({ serviceId: 's', month: '2026-11', now, probes: [], incidents: [] });
    expect(r.availabilityPercent).toBe(100);
    expect(r.downtimeMinutes).toBe(0);
  });

  it('paused and new periods are not downtime', () => {
    expect(
      downIntervals(
        'down',
        [
          flip('paused', '2026-11-02T00:00:00.000Z'),
          flip('new', '2026-11-03T00:00:00.000Z'),
          flip('up', '2026-11-03T00:01:00.000Z'),
        ],
        Infinity,
      ),
    ).toEqual([{ start: Number.NEGATIVE_INFINITY, end: Date.parse('2026-11-02T00:00:00.000Z') }]);
  });
});

// Availability arithmetic: SLA allowances, the union of probe, incident and status-page downtime
// (partial outages weighted), clipping to the month and to now.
import {
  allowedDowntimeMinutes,
  availability,
  downIntervals,
  monthRange,
  weightedUnion,
} from '../../../shared/domain/probes/availability';
import { applyStatusUpdate, impactDowntime } from '../../../shared/domain/statuspage/model';

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
    expect(r.bySource).toEqual({ probeMinutes: 40, incidentMinutes: 25, statusPageMinutes: 0 });
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

describe('impact declared on the status page', () => {
  const now = new Date('2026-12-15T00:00:00.000Z');
  const at = (hhmm: string) => `2026-11-10T${hhmm}:00.000Z`;
  // A public incident on billing-api: major outage 10:00-10:30, partial outage 10:30-11:30, resolved.
  const incident = { id: 'i9', title: 'Invoices late', serviceId: 'billing-api' };
  let pub = applyStatusUpdate(
    undefined,
    incident,
    { status: 'investigating', body: 'Down.', componentStatus: 'major_outage' },
    'u1',
    at('10:00'),
  ).next;
  pub = applyStatusUpdate(
    pub,
    incident,
    { status: 'monitoring', body: 'Mostly back.', componentStatus: 'partial_outage' },
    'u2',
    at('10:30'),
  ).next;
  pub = applyStatusUpdate(pub, incident, { status: 'resolved', body: 'Fixed.' }, 'u3', at('11:30')).next;
  const month = monthRange('2026-11');
  const impact = impactDowntime([pub], 'billing-api', month.from, month.to);

  it('counts a major outage whole and a partial outage at 30 % (Statuspage weights)', () => {
    expect(impact).toEqual([
      { incidentId: 'i9', start: at('10:00'), end: at('10:30'), weight: 1 },
      { incidentId: 'i9', start: at('10:30'), end: at('11:30'), weight: 0.3 },
    ]);
    const r = availability({ serviceId: 'billing-api', month: '2026-11', now, probes: [], incidents: [], impact });
    expect(r.downtimeMinutes).toBe(30 + 18);
    expect(r.bySource).toEqual({ probeMinutes: 0, incidentMinutes: 0, statusPageMinutes: 48 });
    expect(r.intervals).toEqual([{ start: at('10:00'), end: at('11:30'), minutes: 90, sources: ['statuspage:i9'] }]);
    expect(impactDowntime([pub], 'other-service', month.from, month.to)).toEqual([]);
  });

  it('counts a minute that an incident and the declared impact share once, at the full weight', () => {
    const r = availability({
      serviceId: 'billing-api',
      month: '2026-11',
      now,
      probes: [],
      // The P1 covers the major outage and the first 20 minutes of the partial one.
      incidents: [{ incidentId: 'i9', start: at('09:55'), end: at('10:50'), severity: 'P1' }],
      impact,
    });
    // 09:55-10:50 whole (55) + 10:50-11:30 at 0.3 (12).
    expect(r.downtimeMinutes).toBe(67);
    expect(r.bySource).toEqual({ probeMinutes: 0, incidentMinutes: 55, statusPageMinutes: 48 });
    expect(r.intervals[0]!.sources).toEqual(['incident:i9', 'statuspage:i9']);
  });

  it("leaves maintenance out of the downtime, the measured minutes and the SLA's allowance", () => {
    const r = availability({
      serviceId: 'billing-api',
      month: '2026-11',
      now,
      slaTarget: 99.95,
      probes: [],
      incidents: [],
      impact,
      // 10:20-11:20: the last 10 minutes of the major outage and 50 of the partial one.
      maintenance: [{ start: Date.parse(at('10:20')), end: Date.parse(at('11:20')) }],
    });
    expect(r.downtimeMinutes).toBe(20 + 3);
    expect(r.maintenanceMinutes).toBe(60);
    expect(r.measuredMinutes).toBe(30 * 1440 - 60);
    expect(r.allowedDowntimeMinutes).toBe(allowedDowntimeMinutes(99.95, 30 * 1440 - 60));
    expect(r.intervals.map((i) => [i.start, i.end])).toEqual([
      [at('10:00'), at('10:20')],
      [at('11:20'), at('11:30')],
    ]);
  });

  it('gives each stretch the highest weight of the intervals that cover it', () => {
    expect(
      weightedUnion([
        { start: 0, end: 10, weight: 0.3 },
        { start: 5, end: 15, weight: 1 },
        { start: 12, end: 20, weight: 0.3 },
        { start: 30, end: 40, weight: 0 },
      ]),
    ).toEqual([
      { start: 0, end: 5, weight: 0.3 },
      { start: 5, end: 15, weight: 1 },
      { start: 15, end: 20, weight: 0.3 },
    ]);
  });
});

// Error budgets and burn-rate alerts: the arithmetic over each window, DST, budget resets at the
// boundary of a calendar window in the service's zone, maintenance exclusion, the low-traffic guard.
import {
  MinuteSeries,
  availabilityPoints,
  budgetWindow,
  evaluateSlo,
  lookbackStart,
  sloHistory,
} from '../../../shared/domain/slo/evaluate';
import { createSloSchema, type MinutePoint, type Slo } from '../../../shared/domain/slo/model';

const MIN = 60_000;
const HOUR = 60 * MIN;

function slo(over: Partial<Slo> = {}): Slo {
  const base = createSloSchema.parse({
    name: 'Checkout success',
    service: 'billing-api',
    objective: 99.9,
    window: { kind: 'rolling', days: 30 },
    sli: { kind: 'ratio' },
  });
  return { ...base, id: 'checkout', createdAt: '', updatedAt: '', version: 1, ...over };
}

/** `perMinute` events each minute in [from, to), `bad` of them failing. */
function traffic(from: number, to: number, perMinute: number, bad = 0): MinutePoint[] {
  const out: MinutePoint[] = [];
  for (let t = from; t < to; t += MIN) out.push({ minute: t, good: perMinute - bad, total: perMinute });
  return out;
}

function evaluate(s: Slo, points: MinutePoint[], now: number) {
  return evaluateSlo(s, new MinuteSeries(points, lookbackStart(s, now), now + MIN, s.maintenance), now);
}

describe('burn rates per window', () => {
  const now = Date.parse('2026-11-30T12:00:30Z');
  const nowMinute = Date.parse('2026-11-30T12:00:00Z');

  it('a clean day burns nothing and keeps the whole budget', () => {
    const e = evaluate(slo(), traffic(nowMinute - 24 * HOUR, nowMinute + MIN, 100), now);
    expect(e.status).toBe('ok');
    expect(e.burnRates.every((b) => b.burnRate === 0)).toBe(true);
    expect(e.budgetRemaining).toBe(1);
    expect(e.sli).toBe(100);
  });

  it('a burn rate is the error rate over the error budget rate, per window', () => {
    // 1 % errors in the last 5 minutes, nothing before: 5m burns 10x, 1h burns 10x * 5/60.
    const points = [
      ...traffic(nowMinute - 3 * HOUR, nowMinute - 4 * MIN, 100),
      ...traffic(nowMinute - 4 * MIN, nowMinute + MIN, 100, 1),
    ];
    const e = evaluate(slo(), points, now);
    const rate = (w: string) => e.burnRates.find((b) => b.window === w)!.burnRate;
    expect(rate('5m')).toBeCloseTo(10, 6);
    expect(rate('1h')).toBeCloseTo((10 * 5) / 60, 4);
    expect(rate('6h')).toBeCloseTo((10 * 5) / 181, 4); // only 3 hours and a minute of traffic exist
    expect(e.status).toBe('ok');
  });

  it('a full outage pages on 1h/5m at 14.4x within its first minute', () => {
    const points = [...traffic(nowMinute - 2 * HOUR, nowMinute, 100), ...traffic(nowMinute, nowMinute + MIN, 100, 100)];
    const e = evaluate(slo(), points, now);
    expect(e.conditions.find((c) => c.name === 'page-fast')!.firing).toBe(true);
    expect(e.status).toBe('page');
  });

  it('a slow burn at 6x over 6h/30m pages; at 2x over 3d/6h it only tickets', () => {
    const six = evaluate(slo(), traffic(nowMinute - 7 * HOUR, nowMinute + MIN, 1000, 7), now);
    expect(six.conditions.map((c) => [c.name, c.firing])).toEqual([
      ['page-fast', false],
      ['page-slow', true],
      ['ticket', true],
    ]);
    expect(six.status).toBe('page');
    const two = evaluate(slo(), traffic(nowMinute - 72 * HOUR, nowMinute + MIN, 1000, 2), now);
    expect(two.status).toBe('ticket');
  });

  it('the page resolves once the short window is clean again, even while the long one still burns', () => {
    const points = [
      ...traffic(nowMinute - 2 * HOUR, nowMinute - 10 * MIN, 100),
      ...traffic(nowMinute - 10 * MIN, nowMinute - 5 * MIN, 100, 100),
      ...traffic(nowMinute - 5 * MIN, nowMinute + MIN, 100),
    ];
    const e = evaluate(slo(), points, now);
    expect(e.burnRates.find((b) => b.window === '1h')!.burnRate).toBeGreaterThan(14.4);
    expect(e.conditions.find((c) => c.name === 'page-fast')!.firing).toBe(false);
  });

  it('windows are fixed durations across a DST change; the rolling budget window counts calendar days in the zone', () => {
    // Europe/Berlin leaves summer time on 2026-10-25 at 03:00 local: that day has 25 hours.
    const s = slo({ timeZone: 'Europe/Berlin', window: { kind: 'rolling', days: 7 } });
    const at = Date.parse('2026-10-28T10:00:00Z');
    const w = budgetWindow(s, at);
    expect((w.end - w.start) / HOUR).toBe(7 * 24 + 1);
    const e = evaluate(s, traffic(at - 8 * 24 * HOUR, at + MIN, 10, 1), at);
    // 10 % errors everywhere: every burn window burns 100x whatever the clock did.
    expect(e.burnRates.map((b) => b.burnRate)).toEqual([100, 100, 100, 100, 100]);
    expect(e.total).toBe((7 * 24 + 1) * 60 * 10);
    // In spring the same week is an hour shorter.
    expect(
      (budgetWindow(s, Date.parse('2026-03-31T10:00:00Z')).end -
        budgetWindow(s, Date.parse('2026-03-31T10:00:00Z')).start) /
        HOUR,
    ).toBe(7 * 24 - 1);
  });
});

describe('budget window and resets', () => {
  it('a calendar month starts at midnight in the service zone, and the budget is whole again there', () => {
    const s = slo({ timeZone: 'America/New_York', window: { kind: 'calendar', unit: 'month' } });
    // New York midnight on 1 December is 05:00 UTC.
    const before = Date.parse('2026-12-01T04:59:00Z');
    const after = Date.parse('2026-12-01T05:01:00Z');
    expect(budgetWindow(s, before)).toMatchObject({ label: '2026-11', start: Date.parse('2026-11-01T04:00:00Z') });
    expect(budgetWindow(s, after)).toMatchObject({
      label: '2026-12',
      start: Date.parse('2026-12-01T05:00:00Z'),
      end: Date.parse('2027-01-01T05:00:00Z'),
    });
    // A bad November (0.2 % errors, twice the budget): overspent at 04:59 UTC, whole at 05:01.
    const points = traffic(Date.parse('2026-11-20T00:00:00Z'), Date.parse('2026-12-01T05:00:00Z'), 1000, 2);
    points.push(...traffic(Date.parse('2026-12-01T05:00:00Z'), after + MIN, 1000));
    expect(evaluate(s, points, before).budgetRemaining).toBeCloseTo(-1, 6);
    const fresh = evaluate(s, points, after);
    expect(fresh.budgetRemaining).toBe(1);
    expect(fresh.window.label).toBe('2026-12');
  });

  it('a quarter starts on the first day of January, April, July or October in the zone', () => {
    const s = slo({ timeZone: 'Asia/Tokyo', window: { kind: 'calendar', unit: 'quarter' } });
    expect(budgetWindow(s, Date.parse('2026-11-30T00:00:00Z'))).toMatchObject({
      label: '2026-Q4',
      start: Date.parse('2026-09-30T15:00:00Z'),
      end: Date.parse('2026-12-31T15:00:00Z'),
    });
  });

  it('budget left is 1 - error rate / budget rate: half the budget spent at half the allowed errors', () => {
    const now = Date.parse('2026-11-15T00:00:00Z');
    const s = slo({ window: { kind: 'rolling', days: 1 } });
    const e = evaluate(s, traffic(now - 24 * HOUR, now + MIN, 2000, 1), now);
    expect(e.budgetRemaining).toBeCloseTo(0.5, 6);
    expect(e.sli).toBeCloseTo(99.95, 6);
  });
});

describe('maintenance windows', () => {
  it('minutes inside a maintenance window count neither as good nor as total', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    const s = slo({
      maintenance: [{ start: '2026-11-30T11:00:00Z', end: '2026-11-30T11:30:00Z', reason: 'upgrade' }],
    });
    const points = [
      ...traffic(now - 3 * HOUR, now - HOUR, 100),
      ...traffic(now - HOUR, now - 30 * MIN, 100, 100), // the upgrade: everything fails
      ...traffic(now - 30 * MIN, now + MIN, 100),
    ];
    const e = evaluate(s, points, now);
    expect(e.status).toBe('ok');
    expect(e.budgetRemaining).toBe(1);
    expect(e.total).toBe((3 * 60 - 30 + 1) * 100);
    // Counted, the half hour of failures would have spent the budget many times over and ticket.
    const without = evaluate({ ...s, maintenance: [] }, points, now);
    expect(without.status).toBe('ticket');
    expect(without.budgetRemaining).toBeLessThan(0);
  });
});

describe('low-traffic guard', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');

  it('a trickle of failures does not page (too few events in the hour)', () => {
    // One request every 10 minutes, all failing, for an hour: burns 1000x, 6 events.
    const points = traffic(now - HOUR + MIN, now + MIN, 0).map((p, i, all) =>
      (all.length - 1 - i) % 10 === 0 ? { ...p, total: 1 } : p,
    );
    const e = evaluate(slo(), points, now);
    const fast = e.conditions.find((c) => c.name === 'page-fast')!;
    expect(fast).toMatchObject({ firing: false, guarded: true });
    expect(e.status).toBe('ok');
  });

  it('a trickle that lasts three days gathers enough events to ticket, still without paging', () => {
    const points = traffic(now - 72 * HOUR + MIN, now + MIN, 0).map((p, i, all) =>
      (all.length - 1 - i) % 10 === 0 ? { ...p, total: 1 } : p,
    );
    const e = evaluate(slo(), points, now);
    expect(e.conditions.map((c) => [c.name, c.firing, c.guarded])).toEqual([
      ['page-fast', false, true],
      ['page-slow', false, true],
      ['ticket', true, false],
    ]);
    expect(e.status).toBe('ticket');
  });

  it('alerting disabled: conditions are computed but never fire', () => {
    const points = traffic(now - 2 * HOUR, now + MIN, 100, 100);
    const e = evaluate(slo({ alerting: { enabled: false, minEvents: 50 } }), points, now);
    expect(e.status).toBe('ok');
    expect(e.burnRates[0]!.burnRate).toBe(1000);
  });
});

describe('history and availability', () => {
  it('history steps carry their own SLI and the budget left as it was then', () => {
    const now = Date.parse('2026-11-30T03:00:00Z');
    const s = slo({ window: { kind: 'rolling', days: 1 } });
    const points = [...traffic(now - 3 * HOUR, now - HOUR, 1000), ...traffic(now - HOUR, now, 1000, 1)];
    const h = sloHistory(s, new MinuteSeries(points, lookbackStart(s, now), now), now - 3 * HOUR, now, 60);
    expect(h.map((p) => p.sli)).toEqual([100, 100, 99.9]);
    expect(h.map((p) => p.burnRate)).toEqual([0, 0, 1]);
    expect(h[2]!.budgetRemaining).toBeCloseTo(1 - 1 / 3, 6);
  });

  it('availability gives one event per minute, good for the part of it not spent down', () => {
    const from = Date.parse('2026-11-30T00:00:00Z');
    const pts = availabilityPoints([{ start: from + 90_000, end: from + 4 * MIN }], from, from + 5 * MIN);
    expect(pts.map((p) => p.good)).toEqual([1, 0.5, 0, 0, 1]);
    expect(pts.every((p) => p.total === 1)).toBe(true);
  });
});

describe('definitions', () => {
  const input = { name: 'x', service: 'svc', window: { kind: 'rolling', days: 30 }, sli: { kind: 'ratio' } };
  it.each([0, 100, -1, 100.5])('objective %p is outside (0, 100): rejected on objective', (objective) => {
    const r = createSloSchema.safeParse({ ...input, objective });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['objective']);
  });

  it('a time zone the window cannot be expressed in is rejected on timeZone', () => {
    const r = createSloSchema.safeParse({ ...input, objective: 99, timeZone: 'Mars/Olympus' });
    expect(r.error!.issues[0]!.path).toEqual(['timeZone']);
  });

  it('a maintenance window that ends before it starts is rejected on its end', () => {
    const r = createSloSchema.safeParse({
      ...input,
      objective: 99,
      maintenance: [{ start: '2026-11-30T02:00:00Z', end: '2026-11-30T01:00:00Z' }],
    });
    expect(r.error!.issues[0]!.path).toEqual(['maintenance', 0, 'end']);
  });
});

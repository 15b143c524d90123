// EventBridge schedule expressions as the local runtime reads them (UTC; AWS cron fields).
import { catalog } from '../../../infra/catalog';
import { InvalidScheduleExpressionError, parseScheduleExpression } from '../../../infra/local/schedules';

const after = new Date('2026-11-21T23:31:10Z'); // a Saturday

function firings(expression: string, n = 3): string[] {
  const s = parseScheduleExpression(expression);
  const out: string[] = [];
  let d: Date | undefined = after;
  for (let i = 0; i < n; i++) {
    d = s.next(d);
    if (!d) break;
    out.push(d.toISOString());
  }
  return out;
}

describe('rate()', () => {
  it('fires every period from when the rule starts', () => {
    expect(firings('rate(5 minutes)')).toEqual([
      '2026-11-21T23:36:10.000Z',
      '2026-11-21T23:41:10.000Z',
      '2026-11-21T23:46:10.000Z',
    ]);
    expect(firings('rate(1 hour)', 1)).toEqual(['2026-11-22T00:31:10.000Z']);
    expect(firings('rate(2 days)', 1)).toEqual(['2026-11-23T23:31:10.000Z']);
  });

  it('refuses the wrong number for the unit, as EventBridge does', () => {
    expect(() => parseScheduleExpression('rate(1 minutes)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('rate(5 seconds)')).toThrow(InvalidScheduleExpressionError);
  });
});

describe('cron()', () => {
  it('runs steps in UTC', () => {
    expect(firings('cron(0/5 * * * ? *)')).toEqual([
      '2026-11-21T23:35:00.000Z',
      '2026-11-21T23:40:00.000Z',
      '2026-11-21T23:45:00.000Z',
    ]);
  });

  it('reads day-of-week 1-7 as SUN-SAT', () => {
    expect(firings('cron(15 10 ? * 1 *)', 1)).toEqual(['2026-11-22T10:15:00.000Z']); // Sunday
    expect(firings('cron(0 9 ? * 2-6 *)', 2)).toEqual(['2026-11-23T09:00:00.000Z', '2026-11-24T09:00:00.000Z']); // Mon, Tue
    expect(firings('cron(0 9 ? * MON-FRI *)', 1)).toEqual(['2026-11-23T09:00:00.000Z']);
  });

  it('supports # (nth weekday) and L (last)', () => {
    expect(firings('cron(0 9 ? * 2#1 *)', 2)).toEqual(['2026-12-07T09:00:00.000Z', '2027-01-04T09:00:00.000Z']); // first Monday
    expect(firings('cron(0 18 ? * 6L *)', 1)).toEqual(['2026-11-27T18:00:00.000Z']); // last Friday
    expect(firings('cron(0 0 L * ? *)', 2)).toEqual(['2026-11-30T00:00:00.000Z', '2026-12-31T00:00:00.000Z']);
  });

  it('supports W (nearest weekday) and LW (last weekday)', () => {
    // 2027-02-15 is a Monday; 2027-05-15 a Saturday (→ Friday 14th); 2026-11-30 a Monday.
    expect(firings('cron(0 8 15W * ? *)', 6)).toContain('2027-05-14T08:00:00.000Z');
    expect(firings('cron(0 8 LW * ? *)', 3)).toEqual([
      '2026-11-30T08:00:00.000Z',
      '2026-12-31T08:00:00.000Z',
      '2027-01-29T08:00:00.000Z',
    ]);
  });

  it('honours the year field', () => {
    expect(firings('cron(0 12 1 1 ? 2028)')).toEqual(['2028-01-01T12:00:00.000Z']);
    expect(firings('cron(0 12 1 1 ? 2020)')).toEqual([]);
  });

  it('refuses expressions EventBridge refuses', () => {
    expect(() => parseScheduleExpression('cron(* * * * *)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('cron(0 9 * * MON *)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('cron(0 9 ? * 8 *)')).toThrow(InvalidScheduleExpressionError);
    expect(() => parseScheduleExpression('every 5 minutes')).toThrow(InvalidScheduleExpressionError);
  });
});

it('parses every schedule the catalog declares', () => {
  for (const fn of catalog.functions)
    for (const t of fn.triggers)
      if (t.kind === 'schedule') expect(parseScheduleExpression(t.expression).next(after)).toBeInstanceOf(Date);
});

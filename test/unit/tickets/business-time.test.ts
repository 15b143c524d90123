// SLA clock math, pure: business hours across days, holidays, pauses and daylight-saving changes.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import {
  ALWAYS_OPEN,
  addBusinessMs,
  businessMsBetween,
  calendarSchema,
  isWorkingTime,
  type BusinessCalendar,
} from '../../../shared/domain/tickets/business-time';

const H = 3600_000;
const M = 60_000;

const weekdays = (periods: Array<{ start: string; end: string }>) => ({
  mon: periods,
  tue: periods,
  wed: periods,
  thu: periods,
  fri: periods,
});

const berlinOffice: BusinessCalendar = {
  id: 'berlin',
  name: 'Berlin office',
  timeZone: 'Europe/Berlin',
  workingHours: weekdays([{ start: '09:00', end: '17:00' }]),
  holidays: [],
};

/** A local wall time in a zone, as a Date. */
const local = (iso: string, zone = 'Europe/Berlin') => DateTime.fromISO(iso, { zone }).toJSDate();
const localIso = (d: Date, zone = 'Europe/Berlin') => DateTime.fromJSDate(d, { zone }).toFormat("yyyy-LL-dd'T'HH:mm");

describe('business time within working hours', () => {
  it('counts only working hours of one day', () => {
    expect(businessMsBetween(berlinOffice, local('2026-11-23T08:00'), local('2026-11-23T18:00'))).toBe(8 * H);
    expect(businessMsBetween(berlinOffice, local('2026-11-23T10:30'), local('2026-11-23T12:00'))).toBe(90 * M);
  });

  it('carries a deadline over the weekend: Friday 16:00 + 4 h is Monday 12:00', () => {
    const due = addBusinessMs(berlinOffice, local('2026-11-20T16:00'), 4 * H);
    expect(localIso(due)).toBe('2026-11-23T12:00');
    expect(businessMsBetween(berlinOffice, local('2026-11-20T16:00'), due)).toBe(4 * H);
  });

  it('starts counting at the next opening when created outside hours', () => {
    expect(localIso(addBusinessMs(berlinOffice, local('2026-11-23T07:00'), 30 * M))).toBe('2026-11-23T09:30');
    expect(localIso(addBusinessMs(berlinOffice, local('2026-11-21T10:00'), 1 * H))).toBe('2026-11-23T10:00'); // Saturday
  });

  it('skips a lunch break between two working periods', () => {
    const split: BusinessCalendar = {
      ...berlinOffice,
      workingHours: weekdays([
        { start: '09:00', end: '12:00' },
        { start: '13:00', end: '17:00' },
      ]),
    };
    expect(localIso(addBusinessMs(split, local('2026-11-23T11:00'), 2 * H))).toBe('2026-11-23T14:00');
    expect(businessMsBetween(split, local('2026-11-23T09:00'), local('2026-11-23T17:00'))).toBe(7 * H);
  });

  it('a deadline landing on closing time is closing time, not the next opening', () => {
    expect(localIso(addBusinessMs(berlinOffice, local('2026-11-23T09:00'), 8 * H))).toBe('2026-11-23T17:00');
  });

  it('spans several days and weeks', () => {
    // 3 working days of 8 h = 24 business hours from Wednesday 09:00 → Friday 17:00
    expect(localIso(addBusinessMs(berlinOffice, local('2026-11-25T09:00'), 24 * H))).toBe('2026-11-27T17:00');
    expect(businessMsBetween(berlinOffice, local('2026-11-23T00:00'), local('2026-12-07T00:00'))).toBe(80 * H);
  });
});

describe('holidays', () => {
  const withHolidays: BusinessCalendar = { ...berlinOffice, holidays: ['2026-12-24', '2026-12-25'] };

  it('skips a holiday: Wednesday 16:00 + 2 h is Monday 10:00 over Christmas Thursday/Friday', () => {
    expect(localIso(addBusinessMs(withHolidays, local('2026-12-23T16:00'), 2 * H))).toBe('2026-12-28T10:00');
  });

  it('counts no time on a holiday', () => {
    expect(businessMsBetween(withHolidays, local('2026-12-24T00:00'), local('2026-12-26T00:00'))).toBe(0);
    expect(isWorkingTime(withHolidays, local('2026-12-24T10:00'))).toBe(false);
    expect(isWorkingTime(withHolidays, local('2026-12-23T10:00'))).toBe(true);
  });

  it('holidays are local dates of the calendar’s zone', () => {
    const tokyo: BusinessCalendar = { ...berlinOffice, timeZone: 'Asia/Tokyo', holidays: ['2026-11-23'] };
    // Monday 2026-11-23 09:00 in Tokyo is Monday 01:00 in Berlin: the Tokyo holiday applies.
    expect(
      businessMsBetween(tokyo, local('2026-11-23T09:00', 'Asia/Tokyo'), local('2026-11-23T17:00', 'Asia/Tokyo')),
    ).toBe(0);
  });
});

describe('daylight-saving changes', () => {
  it('a round-the-clock calendar counts the 23-hour spring-forward day as 23 hours', () => {
    const berlin24: BusinessCalendar = { ...ALWAYS_OPEN, timeZone: 'Europe/Berlin' };
    expect(businessMsBetween(berlin24, local('2026-03-29T00:00'), local('2026-03-30T00:00'))).toBe(23 * H);
    expect(businessMsBetween(berlin24, local('2026-10-25T00:00'), local('2026-10-26T00:00'))).toBe(25 * H);
  });

  it('24 business hours over the spring-forward night end one wall-clock hour later', () => {
    const berlin24: BusinessCalendar = { ...ALWAYS_OPEN, timeZone: 'Europe/Berlin' };
    expect(localIso(addBusinessMs(berlin24, local('2026-03-28T12:00'), 24 * H))).toBe('2026-03-29T13:00');
    expect(localIso(addBusinessMs(berlin24, local('2026-10-24T12:00'), 24 * H))).toBe('2026-10-25T11:00');
  });

  it('office hours stay 09:00-17:00 local across the change (New York, March 8 2026)', () => {
    const ny: BusinessCalendar = { ...berlinOffice, id: 'ny', timeZone: 'America/New_York' };
    // Friday 16:00 EST + 2 h → Monday 10:00 EDT: the UTC offset changed over the weekend.
    const due = addBusinessMs(ny, local('2026-03-06T16:00', 'America/New_York'), 2 * H);
    expect(localIso(due, 'America/New_York')).toBe('2026-03-09T10:00');
    expect(due.toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('a working period that spans the skipped hour is one hour shorter', () => {
    const night: BusinessCalendar = { ...berlinOffice, workingHours: { sun: [{ start: '01:00', end: '04:00' }] } };
    expect(businessMsBetween(night, local('2026-03-29T00:00'), local('2026-03-29T12:00'))).toBe(2 * H);
    expect(businessMsBetween(night, local('2026-10-25T00:00'), local('2026-10-25T12:00'))).toBe(4 * H);
  });
});

describe('properties', () => {
  const calendars = fc.constantFrom<BusinessCalendar>(
    berlinOffice,
    { ...berlinOffice, timeZone: 'America/New_York', holidays: ['2026-11-26'] },
    { ...ALWAYS_OPEN, timeZone: 'Australia/Sydney' },
    {
      ...berlinOffice,
      workingHours: {
        ...weekdays([
          { start: '08:00', end: '12:30' },
          { start: '13:15', end: '18:00' },
        ]),
        sat: [{ start: '10:00', end: '14:00' }],
      },
    },
  );
  const instants = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') });

  it('businessMsBetween(start, addBusinessMs(start, d)) = d', () => {
    fc.assert(
      fc.property(calendars, instants, fc.integer({ min: 1, max: 200 * H }), (cal, start, d) => {
        const s = new Date(start);
        expect(businessMsBetween(cal, s, addBusinessMs(cal, s, d))).toBe(d);
      }),
      { numRuns: 200 },
    );
  });

  it('business time is additive over a split point and never more than wall time', () => {
    fc.assert(
      fc.property(calendars, instants, instants, instants, (cal, a, b, c) => {
        const [x, y, z] = [a, b, c].sort((p, q) => p - q).map((n) => new Date(n)) as [Date, Date, Date];
        const whole = businessMsBetween(cal, x, z);
        expect(whole).toBe(businessMsBetween(cal, x, y) + businessMsBetween(cal, y, z));
        expect(whole).toBeLessThanOrEqual(z.getTime() - x.getTime());
      }),
      { numRuns: 100 },
    );
  });
});

describe('calendar validation', () => {
  it('rejects an unknown time zone, a closed week and periods that end before they start', () => {
    const r = calendarSchema.safeParse({
      id: 'x',
      name: 'X',
      timeZone: 'Mars/Olympus',
      workingHours: { mon: [{ start: '17:00', end: '09:00' }] },
    });
    expect(r.success).toBe(false);
    const fields = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
    expect(fields).toEqual(expect.arrayContaining(['timeZone', 'workingHours.mon.0.end']));
    expect(calendarSchema.safeParse({ id: 'x', name: 'X', timeZone: 'UTC', workingHours: {} }).success).toBe(false);
  });

  it('accepts 24:00 as the end of a day', () => {
    expect(
      calendarSchema.safeParse({
        id: 'x',
        name: 'X',
        timeZone: 'UTC',
        workingHours: { sat: [{ start: '20:00', end: '24:00' }] },
      }).success,
    ).toBe(true);
  });
});

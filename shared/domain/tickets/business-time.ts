// Business-time arithmetic for SLA clocks: how much working time lies between two instants, and
// which instant comes after a given amount of working time, in a calendar's own time zone with
// its working hours and holidays. Pure: instants in, instants out; daylight-saving changes are
// handled by building each day's working intervals in the calendar's zone (luxon).
import { DateTime } from 'luxon';
import * as z from 'zod';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:mm (00:00-24:00)');

export const workingPeriodSchema = z
  .object({ start: hhmm, end: hhmm })
  .refine((p) => minutesOf(p.start) < minutesOf(p.end), { message: 'start must be before end', path: ['end'] });

export const calendarObjectSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  timeZone: z.string().refine((tz) => DateTime.local().setZone(tz).isValid, 'not an IANA time zone'),
  workingHours: z.partialRecord(z.enum(WEEKDAYS), z.array(workingPeriodSchema).max(6)),
  /** Local dates (YYYY-MM-DD) on which no working time counts. */
  holidays: z.array(z.iso.date()).max(1000).default([]),
});
export const calendarSchema = calendarObjectSchema.refine(
  (c) => Object.values(c.workingHours).some((p) => (p ?? []).length > 0),
  {
    message: 'a calendar needs at least one working period',
    path: ['workingHours'],
  },
);
export type BusinessCalendar = z.infer<typeof calendarSchema>;

/** Round the clock, every day: business time equals elapsed time. */
export const ALWAYS_OPEN: BusinessCalendar = {
  id: '24x7',
  name: 'Around the clock',
  timeZone: 'UTC',
  workingHours: Object.fromEntries(WEEKDAYS.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
  holidays: [],
};

/** How far a computation may walk, in days: past this the calendar is effectively closed. */
const MAX_DAYS = 3 * 366;

function minutesOf(t: string): number {
  const [h, m] = t.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

/** The instant at local wall time `minutes` after midnight of `day` (24:00 = next midnight). */
function localInstant(day: DateTime, minutes: number): number {
  const base = day.startOf('day');
  if (minutes >= 24 * 60) return base.plus({ days: 1 }).toMillis();
  // fromObject puts a time that falls in a spring-forward gap at the first valid instant after it.
  return DateTime.fromObject(
    { year: base.year, month: base.month, day: base.day, hour: Math.floor(minutes / 60), minute: minutes % 60 },
    { zone: base.zone },
  ).toMillis();
}

/** Working intervals [start, end) in epoch ms for one local day; none on a holiday. */
function intervalsOn(cal: BusinessCalendar, day: DateTime, holidays: Set<string>): Array<[number, number]> {
  if (holidays.has(day.toISODate()!)) return [];
  const periods = cal.workingHours[WEEKDAYS[day.weekday - 1]!] ?? [];
  return periods
    .map((p) => [localInstant(day, minutesOf(p.start)), localInstant(day, minutesOf(p.end))] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
}

function zoneDay(cal: BusinessCalendar, ms: number): DateTime {
  const d = DateTime.fromMillis(ms, { zone: cal.timeZone });
  if (!d.isValid) throw new Error(`Calendar ${cal.id}: time zone ${cal.timeZone} is not valid`);
  return d.startOf('day');
}

/** Working time, in milliseconds, between two instants (0 when `to` is not after `from`). */
export function businessMsBetween(cal: BusinessCalendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (!(b > a)) return 0;
  const holidays = new Set(cal.holidays);
  let total = 0;
  let day = zoneDay(cal, a);
  const last = zoneDay(cal, b);
  // Long spans are counted day by day; a span longer than MAX_DAYS is capped (no SLA runs that long).
  for (let i = 0; day <= last && i <= MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    for (const [s, e] of intervalsOn(cal, day, holidays)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

export class ClosedCalendarError extends Error {
  override readonly name = 'ClosedCalendarError';
}

/**
 * The instant at which `ms` of working time has passed since `start`. With ms <= 0 it is
 * `start` itself. A deadline that lands exactly on the end of a working period is that end.
 */
export function addBusinessMs(cal: BusinessCalendar, start: Date, ms: number): Date {
  const a = start.getTime();
  if (ms <= 0) return new Date(a);
  const holidays = new Set(cal.holidays);
  let remaining = ms;
  let day = zoneDay(cal, a);
  for (let i = 0; i <= MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    for (const [s, e] of intervalsOn(cal, day, holidays)) {
      const lo = Math.max(s, a);
      if (e <= lo) continue;
      if (remaining <= e - lo) return new Date(lo + remaining);
      remaining -= e - lo;
    }
  }
  throw new ClosedCalendarError(
    `Calendar ${cal.id} has no working time within ${MAX_DAYS} days of ${start.toISOString()}`,
  );
}

/** Whether `at` falls inside working time. */
export function isWorkingTime(cal: BusinessCalendar, at: Date): boolean {
  const t = at.getTime();
  return intervalsOn(cal, zoneDay(cal, t), new Set(cal.holidays)).some(([s, e]) => t >= s && t < e);
}

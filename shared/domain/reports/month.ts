// Calendar months in a time zone: a report for "2026-03" in Europe/Berlin covers local midnight of
// 1 March to local midnight of 1 April (744 hours minus the DST hour: 743). Pure: `now` is passed in.
import { DateTime, IANAZone } from 'luxon';
import { MONTH_PATTERN } from '../probes/availability';

export { MONTH_PATTERN };

export interface MonthBounds {
  month: string;
  timeZone: string;
  /** Epoch ms of the first local midnight of the month. */
  from: number;
  /** Epoch ms of the first local midnight of the next month. */
  to: number;
  minutes: number;
}

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export function monthBounds(month: string, timeZone: string): MonthBounds {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  if (!isTimeZone(timeZone)) throw new Error(`not a time zone: ${timeZone}`);
  const start = DateTime.fromObject({ year: Number(m[1]), month: Number(m[2]), day: 1 }, { zone: timeZone });
  const from = start.toMillis();
  const to = start.plus({ months: 1 }).toMillis();
  return { month, timeZone, from, to, minutes: (to - from) / 60_000 };
}

/** The month that contains `now` in the zone ("2026-03"). */
export function monthAt(now: Date, timeZone: string): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).toFormat('yyyy-LL');
}

/** The month before the one that contains `now` in the zone. */
export function previousMonth(now: Date, timeZone: string): string {
  return DateTime.fromJSDate(now, { zone: timeZone }).startOf('month').minus({ months: 1 }).toFormat('yyyy-LL');
}

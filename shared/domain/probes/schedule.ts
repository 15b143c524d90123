// When a job is next expected to succeed. Cron schedules are wall-clock times in the job's IANA
// time zone (cron-parser applies the zone's daylight-saving rules: a 02:30 run on the night
// clocks spring forward is expected at 03:30, and on the night they fall back it is expected
// once, at the first 02:30); periods are elapsed time. Pure: the reference time is passed in.
import { CronExpressionParser } from 'cron-parser';
import type { JobSchedule } from './definitions';

/** The first expected time strictly after `after`. */
export function nextExpectedAt(schedule: JobSchedule, after: Date): Date {
  if (schedule.kind === 'period') return new Date(after.getTime() + schedule.minutes * 60_000);
  const it = CronExpressionParser.parse(schedule.expression, { currentDate: after, tz: schedule.timezone });
  return it.next().toDate();
}

/** The last expected time at or before `at` (for display: "the 02:00 run"). */
export function previousExpectedAt(schedule: JobSchedule, at: Date): Date | undefined {
  if (schedule.kind === 'period') return undefined;
  const it = CronExpressionParser.parse(schedule.expression, {
    currentDate: new Date(at.getTime() + 1),
    tz: schedule.timezone,
  });
  try {
    return it.prev().toDate();
  } catch {
    return undefined;
  }
}

/** Human description used in alert summaries. */
export function describeSchedule(schedule: JobSchedule): string {
  if (schedule.kind === 'cron') return `cron "${schedule.expression}" (${schedule.timezone})`;
  const m = schedule.minutes;
  if (m % 1440 === 0) return `every ${m / 1440} day${m === 1440 ? '' : 's'}`;
  if (m % 60 === 0) return `every ${m / 60} hour${m === 60 ? '' : 's'}`;
  return `every ${m} minute${m === 1 ? '' : 's'}`;
}

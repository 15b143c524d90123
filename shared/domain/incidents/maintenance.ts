// Maintenance windows: per service, one-off or a recurring cron in a time zone. Apart from
// silences.ts (which re-exports this) so that a feature reading maintenance windows, such as the
// status page, does not bundle the silences' RE2 matchers (issue 15). Pure.
import { CronExpressionParser } from 'cron-parser';
import * as z from 'zod';

const iso = z.iso.datetime({ offset: true });

function validCron(expr: string, tz: string): boolean {
  try {
    CronExpressionParser.parse(expr, { tz });
    return true;
  } catch {
    return false;
  }
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const createMaintenanceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('one-off'),
      serviceId: z.string().min(1).max(255),
      name: z.string().trim().min(1).max(200),
      startsAt: iso,
      endsAt: iso,
      comment: z.string().max(2000).optional(),
    })
    .refine((m) => Date.parse(m.endsAt) > Date.parse(m.startsAt), {
      path: ['endsAt'],
      message: 'must be after startsAt',
    }),
  z
    .object({
      kind: z.literal('recurring'),
      serviceId: z.string().min(1).max(255),
      name: z.string().trim().min(1).max(200),
      /** Five-field cron of the window's start, in `timezone` (e.g. "0 2 * * SUN"). */
      cron: z.string().min(9).max(100),
      timezone: z.string().min(1).max(64).refine(validZone, 'an IANA time zone such as Europe/London'),
      durationMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60),
      comment: z.string().max(2000).optional(),
    })
    .refine((m) => validCron(m.cron, validZone(m.timezone) ? m.timezone : 'UTC'), {
      path: ['cron'],
      message: 'not a valid cron expression',
    }),
]);
export type CreateMaintenance = z.infer<typeof createMaintenanceSchema>;
export type MaintenanceWindow = CreateMaintenance & { id: string; createdBy: string; createdAt: string };

/** Is the window open at `now`? Recurring windows are evaluated in their own time zone (DST-safe). */
export function maintenanceActive(w: MaintenanceWindow, now: Date): boolean {
  if (w.kind === 'one-off') return Date.parse(w.startsAt) <= now.getTime() && now.getTime() < Date.parse(w.endsAt);
  // The most recent start at or before now (cron-parser's prev() is exclusive of currentDate).
  const it = CronExpressionParser.parse(w.cron, { currentDate: new Date(now.getTime() + 1000), tz: w.timezone });
  const start = it.prev().getTime();
  return start <= now.getTime() && now.getTime() < start + w.durationMinutes * 60000;
}

export function activeMaintenance(
  windows: MaintenanceWindow[],
  serviceId: string | undefined,
  now: Date,
): MaintenanceWindow | undefined {
  if (!serviceId) return undefined;
  return windows.find((w) => w.serviceId === serviceId && maintenanceActive(w, now));
}

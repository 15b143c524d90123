// Maintenance windows: per service, one-off or a recurring cron in a time zone. Apart from
// silences.ts (which re-exports this) so that a feature reading maintenance windows, such as the
// status page, does not bundle the silences' matchers (issue 15). Pure.
//
// No cron engine is imported here: cron-parser with its luxon is ~100 KB minified (issue 15,
// decision 0011). Parsing a window checks its shape and zone; the app layer, where windows are
// loaded, compiles the recurring windows' schedules with a cron engine it loads on first need
// (shared/app/incidents/maintenance.ts: `prepareMaintenance`, `requireValidCron` for requests) and
// hands them in here (`useSchedules`). Evaluating a schedule that was never compiled throws.
import * as z from 'zod';

const iso = z.iso.datetime({ offset: true });

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
  z.object({
    kind: z.literal('recurring'),
    serviceId: z.string().min(1).max(255),
    name: z.string().trim().min(1).max(200),
    /** Five-field cron of the window's start, in `timezone` (e.g. "0 2 * * SUN"); checked by `cronIssue`. */
    cron: z.string().min(9).max(100),
    timezone: z.string().min(1).max(64).refine(validZone, 'an IANA time zone such as Europe/London'),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    comment: z.string().max(2000).optional(),
  }),
]);
export type CreateMaintenance = z.infer<typeof createMaintenanceSchema>;
export type MaintenanceWindow = CreateMaintenance & { id: string; createdBy: string; createdAt: string };
type Recurring = Pick<Extract<CreateMaintenance, { kind: 'recurring' }>, 'cron' | 'timezone'>;

/** A recurring window's compiled schedule. */
export interface CronSchedule {
  /** The most recent start at or before `atMs` (epoch ms). */
  lastStartAtOrBefore(atMs: number): number;
}
/** Compiles a cron expression in a time zone; throws on one it cannot run. */
export type CronCompiler = (cron: string, timezone: string) => CronSchedule;

const keyOf = (w: Recurring) => `${w.timezone}\0${w.cron}`;
/** Compiled schedules by zone and expression: a memo per process, filled through `useSchedules`. */
const schedules = new Map<string, CronSchedule>();
const MAX_SCHEDULES = 1000;

const recurring = (windows: MaintenanceWindow[]): Recurring[] =>
  windows.filter((w): w is Extract<MaintenanceWindow, { kind: 'recurring' }> => w.kind === 'recurring');

/** The recurring windows whose schedule is not compiled yet (none for one-off windows). */
export function uncompiledSchedules(windows: MaintenanceWindow[]): Recurring[] {
  return recurring(windows).filter((w) => !schedules.has(keyOf(w)));
}

/** Compile the recurring windows' schedules not compiled yet with `compile` and keep them for evaluation. */
export function useSchedules(windows: MaintenanceWindow[], compile: CronCompiler): void {
  const missing = uncompiledSchedules(windows);
  if (!missing.length) return;
  if (schedules.size + missing.length > MAX_SCHEDULES) {
    const keep = new Set(recurring(windows).map(keyOf));
    for (const k of [...schedules.keys()]) if (!keep.has(k)) schedules.delete(k);
  }
  for (const w of missing) schedules.set(keyOf(w), compile(w.cron, w.timezone));
}

/** Why a recurring window's cron cannot run (compiled with `compile`), or undefined when it can. */
export function cronIssue(w: Recurring, compile: CronCompiler): string | undefined {
  try {
    compile(w.cron, validZone(w.timezone) ? w.timezone : 'UTC');
    return undefined;
  } catch {
    return 'not a valid cron expression';
  }
}

/** Is the window open at `now`? Recurring windows are evaluated in their own time zone (DST-safe). */
export function maintenanceActive(w: MaintenanceWindow, now: Date): boolean {
  if (w.kind === 'one-off') return Date.parse(w.startsAt) <= now.getTime() && now.getTime() < Date.parse(w.endsAt);
  const schedule = schedules.get(keyOf(w));
  if (!schedule)
    throw new Error(`The schedule of maintenance window ${w.id} was not compiled before use (useSchedules).`);
  const start = schedule.lastStartAtOrBefore(now.getTime());
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

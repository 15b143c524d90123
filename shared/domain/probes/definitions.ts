// What an operator defines: service probes (HTTP(S), TCP, DNS) and monitored jobs/daemons.
// These zod schemas validate the ops API and are the OpenAPI description, so a field's rules
// live here once. Pure: no I/O.
import { IANAZone } from 'luxon';
import { CronExpressionParser } from 'cron-parser';
import * as z from 'zod';
import { refIdSchema, slugSchema } from './ids';
import { labelsSchema, updateProbeSchema } from './probe-specs';
import { parseResolver } from './resolver';

export * from './probe-specs';
export { parseResolver, refIdSchema, slugSchema };

// ---------------------------------------------------------------------------------------------
// Jobs and daemons

export const isValidTimeZone = (tz: string) => IANAZone.isValidZone(tz);

/** Five-field cron (minute hour day-of-month month day-of-week), read in the job's time zone. */
export function cronProblem(expression: string, timezone: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return 'five fields: minute hour day-of-month month day-of-week';
  try {
    CronExpressionParser.parse(expression, { tz: timezone, currentDate: new Date('2024-01-01T00:00:00Z') }).next();
    return undefined;
  } catch (err) {
    return `not a valid cron expression: ${(err as Error).message}`;
  }
}

export const scheduleSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('cron'),
      expression: z.string().min(9).max(200),
      timezone: z.string().max(64).default('UTC'),
    })
    .superRefine((s, ctx) => {
      if (!isValidTimeZone(s.timezone))
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'an IANA time zone such as Europe/Paris' });
      else {
        const p = cronProblem(s.expression, s.timezone);
        if (p) ctx.addIssue({ code: 'custom', path: ['expression'], message: p });
      }
    }),
  z.object({
    kind: z.literal('period'),
    /** Expected every this many minutes (elapsed time, not wall clock). */
    minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 35),
  }),
]);
export type JobSchedule = z.output<typeof scheduleSchema>;

export const errorRatioSchema = z
  .object({
    warningPercent: z.number().min(0).max(100).default(5),
    criticalPercent: z.number().min(0).max(100).default(10),
    /** Runs (and windows) with fewer processed records are not judged. */
    minVolume: z.number().int().min(0).max(1e12).default(100),
    /** Rolling window over which errored/processed is also judged. */
    windowMinutes: z
      .number()
      .int()
      .min(60)
      .max(60 * 24 * 7)
      .default(1440),
  })
  .refine((e) => e.warningPercent <= e.criticalPercent, {
    path: ['warningPercent'],
    message: 'must not be above criticalPercent',
  });
export type ErrorRatioSpec = z.output<typeof errorRatioSchema>;

const categoryLike = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9 _/-]*$/, 'a word such as Transmission, Load, Extract, Billing, Backup');

export const JOB_TYPES_SUGGESTED = [
  'Transmission',
  'Load',
  'Extract',
  'Transform',
  'Daemon',
  'Backup',
  'Report',
] as const;
export const JOB_CATEGORIES_SUGGESTED = [
  'Provisioning',
  'Billing',
  'Rating',
  'Collections',
  'Mediation',
  'Backup',
  'Reporting',
] as const;

export const createJobSchema = z.object({
  id: slugSchema.optional(),
  name: z.string().trim().min(1).max(200),
  /** Transmission (e.g. the OCS adaptor), Load (from generic format), Extract (to generic format)… */
  type: categoryLike,
  /** Provisioning, Billing, Rating, Collections, Backup… */
  category: categoryLike,
  /** What the job does, for the person paged at night. */
  activity: z.string().max(2000).default(''),
  team: refIdSchema,
  service: refIdSchema.optional(),
  schedule: scheduleSchema,
  /** After the expected time: late at once, down after this many minutes. */
  graceMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 7)
    .default(30),
  /** A run (start ping) not finished within this many minutes is too long. */
  maxRunMinutes: z
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 7)
    .optional(),
  /** The Normal probe: errored/processed thresholds; absent = not judged. */
  errorRatio: errorRatioSchema.optional(),
  labels: labelsSchema,
});
export type CreateJob = z.input<typeof createJobSchema>;
export type JobSpec = z.output<typeof createJobSchema>;

export const updateJobSchema = updateProbeSchema;

/** Counts and a log excerpt a ping may carry (query string or body). */
export const LOG_EXCERPT_MAX = 1000;
const count = z.coerce.number().int('a whole number').min(0).max(1e12);
export const pingPayloadSchema = z
  .object({
    processed: count.optional(),
    errored: count.optional(),
    log: z.string().optional(),
  })
  .refine((p) => p.errored === undefined || p.processed === undefined || p.errored <= p.processed, {
    path: ['errored'],
    message: 'must not be more than processed',
  });
export type PingPayload = z.output<typeof pingPayloadSchema>;

export const PING_KINDS = ['success', 'start', 'fail'] as const;
export type PingKind = (typeof PING_KINDS)[number];

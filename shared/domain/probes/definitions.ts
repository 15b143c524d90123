// What an operator defines: service probes (HTTP(S), TCP, DNS) and monitored jobs/daemons.
// These zod schemas validate the ops API and are the OpenAPI description, so a field's rules
// live here once. Pure: no I/O.
import { IANAZone } from 'luxon';
import { CronExpressionParser } from 'cron-parser';
import { isIP } from 'node:net';
import * as z from 'zod';

/** Ids chosen by people: lower-case slug, as integration ids. */
export const slugSchema = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

/** Service and team ids as other features use them; `#` is reserved (it separates key parts). */
export const refIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, dots, colons, underscores and dashes');

const labelsSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a label name: letters, digits and underscores'),
    z.string().max(256),
  )
  .refine((l) => Object.keys(l).length <= 20, 'at most 20 labels')
  .optional();

const commonProbeFields = {
  id: slugSchema.optional(),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  /** Owning service (its availability counts this probe's downtime). */
  service: refIdSchema.optional(),
  team: refIdSchema.optional(),
  intervalMinutes: z.number().int().min(1).max(60).default(5),
  timeoutSeconds: z.number().int().min(1).max(30).default(10),
  /** Consecutive failed checks before an up (or new) probe goes down. */
  failuresBeforeDown: z.number().int().min(1).max(10).default(2),
  /** Consecutive good checks before a down probe comes back up. */
  successesBeforeUp: z.number().int().min(1).max(10).default(1),
  /** Extra labels carried by this probe's alerts (routing, silences). */
  labels: labelsSchema,
};

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const jsonScalar = z.union([z.string().max(1024), z.number(), z.boolean(), z.null()]);

export const httpProbeSchema = z.object({
  kind: z.literal('http'),
  ...commonProbeFields,
  url: z
    .string()
    .max(2048)
    .refine((u) => {
      try {
        const p = new URL(u);
        return (p.protocol === 'http:' || p.protocol === 'https:') && p.hostname !== '';
      } catch {
        return false;
      }
    }, 'an absolute http:// or https:// URL'),
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: z
    .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name'), z.string().max(4096))
    .refine((h) => Object.keys(h).length <= 30, 'at most 30 headers')
    .default({}),
  body: z.string().max(65536).optional(),
  /** Accepted status codes; empty means any 2xx. Redirects are not followed. */
  expectedStatus: z.array(z.number().int().min(100).max(599)).max(20).default([]),
  bodyContains: z.string().min(1).max(1024).optional(),
  /** `$.a.b[0].c` must equal the value (JSON scalar). */
  jsonPath: z
    .object({
      path: z
        .string()
        .regex(/^\$(\.[A-Za-z_$][\w$-]*|\[\d+\]|\["[^"]+"\])*$/, 'a JSON path like $.status or $.items[0].state'),
      equals: jsonScalar,
    })
    .optional(),
  /** A slower answer counts as a failed check. */
  latencyThresholdMs: z.number().int().min(1).max(60000).optional(),
  tls: z
    .object({
      /** Verify the server certificate (default true); false still reads its expiry. */
      verify: z.boolean().default(true),
      /** PEM of a private CA to trust, in addition to the public ones. */
      ca: z.string().max(32768).optional(),
      /** Alert (warning) when the certificate expires within this many days; 0 turns it off. */
      expiryWarningDays: z.number().int().min(0).max(365).default(14),
    })
    .default({ verify: true, expiryWarningDays: 14 }),
});

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .refine(
    (h) =>
      isIP(h) !== 0 ||
      /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/.test(
        h,
      ),
    'a host name or IP address',
  );

export const tcpProbeSchema = z.object({
  kind: z.literal('tcp'),
  ...commonProbeFields,
  host: hostSchema,
  port: z.number().int().min(1).max(65535),
});

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;

/** `1.2.3.4`, `1.2.3.4:5353`, `::1` or `[::1]:5353`. */
export const resolverSchema = z
  .string()
  .max(64)
  .refine(
    (r) => parseResolver(r) !== undefined,
    'an IP address, optionally with :port (IPv6 in brackets when a port is given)',
  );

export function parseResolver(r: string): { host: string; port: number } | undefined {
  const bracket = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(r);
  if (bracket)
    return isIP(bracket[1]!) === 6 && validPort(bracket[2])
      ? { host: bracket[1]!, port: Number(bracket[2] ?? 53) }
      : undefined;
  if (isIP(r) !== 0) return { host: r, port: 53 };
  const v4 = /^([0-9.]+):(\d{1,5})$/.exec(r);
  if (v4 && isIP(v4[1]!) === 4 && validPort(v4[2])) return { host: v4[1]!, port: Number(v4[2]) };
  return undefined;
}

function validPort(p: string | undefined): boolean {
  return p === undefined || (Number(p) >= 1 && Number(p) <= 65535);
}

export const dnsProbeSchema = z.object({
  kind: z.literal('dns'),
  ...commonProbeFields,
  hostname: hostSchema,
  recordType: z.enum(DNS_RECORD_TYPES).default('A'),
  /** One of the answers must equal this (names compare case-insensitively, without the final dot). */
  expected: z.string().min(1).max(1024).optional(),
  /** Resolver to ask instead of the system's. */
  resolver: resolverSchema.optional(),
});

export const createProbeSchema = z.discriminatedUnion('kind', [httpProbeSchema, tcpProbeSchema, dnsProbeSchema]);
export type CreateProbe = z.input<typeof createProbeSchema>;
export type ProbeSpec = z.output<typeof createProbeSchema>;
export type HttpProbeSpec = z.output<typeof httpProbeSchema>;
export type TcpProbeSpec = z.output<typeof tcpProbeSchema>;
export type DnsProbeSpec = z.output<typeof dnsProbeSchema>;
export type ProbeKind = ProbeSpec['kind'];

/** PATCH: any field but id and kind, plus the version read (optimistic lock). The merged result is validated as a whole. */
export const updateProbeSchema = z
  .object({ version: z.number().int().positive() })
  .catchall(z.unknown())
  .superRefine((v, ctx) => {
    for (const k of ['id', 'kind'])
      if (k in v)
        ctx.addIssue({ code: 'custom', path: [k], message: `${k} cannot change; create a new probe instead` });
    if (Object.keys(v).length < 2)
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'Nothing to change: give at least one field besides version.',
      });
  });

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

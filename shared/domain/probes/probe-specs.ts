// Service probes (HTTP(S), TCP, DNS) as an operator defines them: the probe half of
// definitions.ts (which re-exports it), apart from the jobs' cron schedules so that the probe
// store and the features reading probes do not bundle cron-parser. Pure: no I/O.
import { isIP } from 'node:net';
import * as z from 'zod';
import { refIdSchema, slugSchema } from './ids';
import { parseResolver } from './resolver';

export const labelsSchema = z
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

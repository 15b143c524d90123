// Operations of the probe, job, ping and availability routes (functions/ops-probes,
// functions/pings, functions/availability), from the same zod schemas the handlers validate with.
import * as z from 'zod';
import {
  createJobSchema,
  createProbeSchema,
  pingPayloadSchema,
  updateJobSchema,
  updateProbeSchema,
} from '../../domain/probes/definitions';
import {
  availabilityQuerySchema,
  listJobsQuerySchema,
  listProbesQuerySchema,
  pingQuerySchema,
} from '../../domain/probes/queries';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const probeState = z.object({
  status: z.enum(['new', 'up', 'down', 'paused']),
  statusSince: z.string(),
  reason: z.string().optional(),
  consecutiveFailures: z.number().int(),
  consecutiveSuccesses: z.number().int(),
  lastCheckAt: z.string().optional(),
  lastResult: z.record(z.string(), z.unknown()).optional(),
  certificate: z
    .object({
      validTo: z.string(),
      subject: z.string().optional(),
      daysLeft: z.number(),
      expiring: z.boolean(),
      since: z.string(),
    })
    .optional(),
  nextDueAt: z.string().optional(),
  revision: z.number().int(),
});
const probeMeta = z.object({
  id: z.string(),
  status: z.enum(['new', 'up', 'down', 'paused']),
  statusSince: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
});
const probeDefinition = z.intersection(createProbeSchema, probeMeta).meta({ id: 'ProbeDefinition' });
const probe = z.intersection(createProbeSchema, probeMeta.extend({ state: probeState })).meta({ id: 'Probe' });

const jobState = z.object({
  status: z.enum(['new', 'up', 'late', 'down', 'paused']),
  statusSince: z.string(),
  reason: z.enum(['not-on-time', 'too-long', 'failed']).optional(),
  lastSuccessAt: z.string().optional(),
  lastStartAt: z.string().optional(),
  lastFailAt: z.string().optional(),
  lastPingAt: z.string().optional(),
  expectedAt: z.string().optional(),
  nextCheckAt: z.string().optional(),
  errorLevel: z.enum(['ok', 'warning', 'critical']),
  errorReason: z.string().optional(),
  lastRun: z.record(z.string(), z.unknown()).optional(),
  revision: z.number().int(),
});
const pingUrls = z.object({ success: z.string(), start: z.string(), fail: z.string() });
const jobDefinition = createJobSchema
  .extend({
    id: z.string(),
    pingKey: z.string().describe('The secret of the ping URLs (rotate with POST /jobs/{id}/rotate-key).'),
    pingUrls,
    status: jobState.shape.status,
    statusSince: z.string(),
    errorLevel: jobState.shape.errorLevel,
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'JobDefinition' });
const job = jobDefinition.extend({ pingPath: z.string(), state: jobState }).meta({ id: 'Job' });

const flip = z
  .object({
    subjectKind: z.enum(['probe', 'job']),
    subjectId: z.string(),
    condition: z.enum(['status', 'certificate', 'errors', 'deleted']),
    from: z.string(),
    to: z.string(),
    reason: z.string().optional(),
    effectiveAt: z.string(),
    at: z.string(),
    revision: z.number().int(),
  })
  .meta({ id: 'ProbeFlip' });
const result = z
  .object({
    probeId: z.string(),
    ok: z.boolean(),
    reason: z.string(),
    at: z.string(),
    latencyMs: z.number().optional(),
    statusCode: z.number().int().optional(),
    certificateValidTo: z.string().optional(),
  })
  .meta({ id: 'ProbeResult' });
const ping = z
  .object({
    jobId: z.string(),
    kind: z.enum(['success', 'start', 'fail']),
    at: z.string(),
    processed: z.number().optional(),
    errored: z.number().optional(),
    log: z.string().optional(),
    sourceIp: z.string().optional(),
  })
  .meta({ id: 'JobPing' });

const availabilityReport = z
  .object({
    serviceId: z.string(),
    serviceName: z.string().optional(),
    month: z.string(),
    from: z.string(),
    until: z.string(),
    minutesInMonth: z.number(),
    measuredMinutes: z.number().describe('Minutes of the measured period, maintenance left out.'),
    maintenanceMinutes: z
      .number()
      .describe("Maintenance windows of the service's SLOs in the measured period: neither up nor down."),
    downtimeMinutes: z.number(),
    availabilityPercent: z.number(),
    slaTarget: z.number().optional(),
    allowedDowntimeMinutes: z.number().optional(),
    remainingDowntimeMinutes: z.number().optional(),
    slaMet: z.boolean().optional(),
    bySource: z
      .object({
        probeMinutes: z.number(),
        incidentMinutes: z.number(),
        statusPageMinutes: z
          .number()
          .describe('Impact declared on the status page: a major outage counts whole, a partial outage 30 %.'),
      })
      .describe('Each source on its own (they may overlap; downtimeMinutes counts an overlap once).'),
    probeCount: z.number().int(),
    incidentCount: z.number().int(),
    intervals: z.array(
      z.object({ start: z.string(), end: z.string(), minutes: z.number(), sources: z.array(z.string()) }),
    ),
  })
  .meta({ id: 'Availability' });

const tagP = 'Probes';
const tagJ = 'Jobs';
const read = <const P extends string, Q extends z.ZodObject | undefined = undefined>(
  path: P,
  summary: string,
  tag: string,
  schema: z.ZodType,
  query?: Q,
) =>
  ({
    method: 'get',
    path,
    summary,
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: query as Q,
    responses: { 200: { description: 'OK', schema }, ...errors(401, 403, 404, 422) },
  }) as const satisfies Operation;
const act = <const P extends string>(
  path: P,
  summary: string,
  tag: string,
  schema: z.ZodType,
  role: 'responder' | 'admin',
) =>
  ({
    method: 'post',
    path,
    summary,
    tag,
    auth: 'jwt',
    role,
    responses: { 200: { description: 'After the action', schema }, ...errors(401, 403, 404, 409) },
  }) as const satisfies Operation;

/** functions/pings: the handler reads the query and an optional body (JSON or any text) itself. */
export const pingOperations = (['', '/start', '/fail'] as const).flatMap((suffix) =>
  (['get', 'post'] as const).map(
    (method) =>
      ({
        method,
        path: `/pings/{key}${suffix}` as const,
        summary: `Ping a job: ${suffix === '' ? 'success' : suffix.slice(1)} (the key in the URL is the credential)`,
        tag: 'Pings',
        auth: 'public',
        input: 'handler' as const,
        query: pingQuerySchema,
        body: method === 'post' ? pingPayloadSchema : undefined,
        bodyDescription:
          'Optional. JSON {processed, errored, log}, or any text as the log excerpt (first 1000 characters kept). The same fields may be query parameters.',
        responses: {
          200: {
            description: 'Recorded',
            schema: z.object({
              ok: z.literal(true),
              received: z.enum(['success', 'start', 'fail']),
              at: z.string(),
              status: z.string(),
            }),
          },
          ...errors(404, 413, 422, 429, 503),
        },
      }) satisfies Operation,
  ),
);

/** functions/ops-probes */
export const probeOperations = [
  {
    method: 'post',
    path: '/probes',
    summary: 'Create a service probe (HTTP(S), TCP or DNS)',
    tag: tagP,
    auth: 'jwt',
    role: 'admin',
    body: createProbeSchema,
    responses: { 201: { description: 'Created', schema: probe }, ...errors(400, 401, 403, 409, 422) },
  },
  read('/probes', 'List probes (by service, then id)', tagP, page(probeDefinition), listProbesQuerySchema),
  read('/probes/{id}', 'Get a probe with its state', tagP, probe),
  {
    method: 'patch',
    path: '/probes/{id}',
    summary: 'Change a probe: any fields but id and kind, plus the version read (null removes an optional field)',
    tag: tagP,
    auth: 'jwt',
    role: 'admin',
    body: updateProbeSchema,
    responses: { 200: { description: 'Changed', schema: probe }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/probes/{id}',
    summary: 'Delete a probe; its firing alerts resolve',
    tag: tagP,
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) },
  },
  act('/probes/{id}/pause', 'Pause a probe: no checks, its alerts resolve', tagP, probe, 'responder'),
  act(
    '/probes/{id}/resume',
    'Resume a probe: checked at once, status new until the first result',
    tagP,
    probe,
    'responder',
  ),
  read('/probes/{id}/results', 'Check results, newest first (kept 35 days)', tagP, page(result), pageQuerySchema),
  read(
    '/probes/{id}/flips',
    'Status and certificate changes, newest first (kept 400 days)',
    tagP,
    page(flip),
    pageQuerySchema,
  ),
  {
    method: 'post',
    path: '/jobs',
    summary: 'Register a job or daemon; the answer carries its ping URLs',
    tag: tagJ,
    auth: 'jwt',
    role: 'admin',
    body: createJobSchema,
    responses: { 201: { description: 'Created', schema: job }, ...errors(400, 401, 403, 409, 422) },
  },
  read(
    '/jobs',
    'List jobs (filter by service, team, category, type, status)',
    tagJ,
    page(jobDefinition),
    listJobsQuerySchema,
  ),
  read('/jobs/{id}', 'Get a job with its state', tagJ, job),
  {
    method: 'patch',
    path: '/jobs/{id}',
    summary: 'Change a job: any fields but id, plus the version read; its state is re-evaluated',
    tag: tagJ,
    auth: 'jwt',
    role: 'admin',
    body: updateJobSchema,
    responses: { 200: { description: 'Changed', schema: job }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/jobs/{id}',
    summary: 'Delete a job; its ping URLs stop working and its firing alerts resolve',
    tag: tagJ,
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) },
  },
  act('/jobs/{id}/pause', 'Pause a job: pings are kept, no lateness, its alerts resolve', tagJ, job, 'responder'),
  act('/jobs/{id}/resume', 'Resume a job: lateness counts from the next expected time', tagJ, job, 'responder'),
  act('/jobs/{id}/rotate-key', 'Issue a new ping key; the old URLs stop working at once', tagJ, job, 'admin'),
  read('/jobs/{id}/pings', 'Pings, newest first (kept 30 days)', tagJ, page(ping), pageQuerySchema),
  read(
    '/jobs/{id}/flips',
    'Status and error-level changes, newest first (kept 400 days)',
    tagJ,
    page(flip),
    pageQuerySchema,
  ),
] as const satisfies readonly Operation[];

/** functions/availability */
export const availabilityOperations = [
  read(
    '/services/{id}/availability',
    'Availability of a service in a month (downtime from probes and P1/P2 incidents, against its SLA)',
    'Availability',
    availabilityReport,
    availabilityQuerySchema,
  ),
  read(
    '/reports/availability',
    'Availability of every service in a month, worst first',
    'Availability',
    z.object({
      month: z.string(),
      services: z.array(availabilityReport.omit({ intervals: true }).extend({ tier: z.number().int().optional() })),
      breached: z.array(z.string()),
    }),
    availabilityQuerySchema,
  ),
] as const satisfies readonly Operation[];

// Operations of the revenue assurance routes (functions/ops-revenue; docs/revenue-assurance.md).
import * as z from 'zod';
import { CONTROL_IDS, raControlsSchema } from '../../domain/revenue/controls';
import { FINDING_CLASSES, SERVICES, reconcileConfigSchema } from '../../domain/revenue/types';
import { cursorSchema, limitSchema, noQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const T = 'Revenue assurance';
const period = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day, YYYY-MM-DD')
  .describe('The day reconciled (UTC), YYYY-MM-DD');
const money = z.number();
const perClass = z.record(z.enum(FINDING_CLASSES), z.number());
const classTotals = z.object({ counts: perClass, money: perClass });
const sideCounts = z.object({ billing: z.number().int(), network: z.number().int() });
const summary = classTotals
  .extend({
    byService: z.record(z.string(), classTotals).describe('Per `service:direction`, e.g. `voice:mo`'),
    billingRevenue: money,
    leakage: money.describe('missing_in_billing plus the positive values of quantity_mismatch and rating_error'),
    leakagePct: z.number().describe('leakage / billingRevenue × 100'),
    records: sideCounts,
    filtered: sideCounts,
    aggregated: sideCounts,
    rejected: z.number().int(),
    partitions: z.number().int(),
  })
  .meta({ id: 'RaRunSummary' });
const control = z.object({
  control: z.enum(CONTROL_IDS),
  breached: z.boolean(),
  summary: z.string(),
  details: z.record(z.string(), z.unknown()),
});
const run = z
  .object({
    id: z.string(),
    period,
    status: z.enum(['running', 'succeeded', 'failed', 'superseded']),
    trigger: z.object({ kind: z.enum(['api', 'schedule']), by: z.string() }),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    executionArn: z.string().optional(),
    partitions: z.number().int().optional(),
    currency: z.string().optional(),
    files: z.object({ billing: z.array(z.string()), network: z.array(z.string()) }).optional(),
    badLines: z
      .record(
        z.enum(['billing', 'network']),
        z.object({
          count: z.number().int(),
          logs: z.array(z.string()).describe('Error logs in the RA bucket (errors/…): line and reason of each'),
        }),
      )
      .optional(),
    summary: summary.optional(),
    controls: z.array(control).optional(),
    error: z.object({ kind: z.string(), message: z.string() }).optional(),
    supersededBy: z.string().optional().describe('The later run of the same period that replaced this one'),
    version: z.number().int(),
  })
  .meta({ id: 'RaRun' });
const sideRecord = z.object({
  quantity: z.number(),
  charge: z.number(),
  startTime: z.string(),
  unit: z.string().optional(),
  line: z.number().int().optional(),
});
const finding = z
  .object({
    recordId: z.string(),
    class: z.enum(FINDING_CLASSES),
    service: z.enum(SERVICES),
    direction: z.string(),
    subscriber: z.string(),
    side: z.enum(['billing', 'network']).optional().describe('The side of a duplicate copy'),
    partition: z.number().int(),
    billing: sideRecord.optional(),
    network: sideRecord.optional(),
    value: money.describe('network charge − billing charge: positive is under-billed'),
  })
  .meta({ id: 'RaFinding' });

export const startRaRunSchema = z.object({ period }).strict();
export const listRaRunsQuerySchema = z.object({ period: period.optional(), limit: limitSchema, cursor: cursorSchema });
export const findingsQuerySchema = z.object({
  class: z.enum(FINDING_CLASSES.filter((c) => c !== 'matched') as [string, ...string[]]).optional(),
  service: z.enum(SERVICES).optional(),
  direction: z.string().min(1).max(32).optional(),
  format: z.enum(['json', 'csv']).optional().describe('csv: every matching finding as findings.csv (no paging)'),
  limit: limitSchema,
  cursor: cursorSchema,
});
const day = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a day, YYYY-MM-DD');
export const volumesQuerySchema = z.object({
  from: day.optional().describe('First day (UTC), YYYY-MM-DD, inclusive'),
  to: day.optional().describe('Last day (UTC), YYYY-MM-DD, inclusive; not before from'),
  series: z
    .string()
    .regex(/^[a-z0-9_-]+(:[a-z0-9_-]+){0,2}$/, 'a series or its start: side[:service[:direction]], e.g. network:voice')
    .optional()
    .describe('Only this series or those under it (network, network:voice, network:voice:mo)'),
  limit: limitSchema.describe('Days per page'),
  cursor: cursorSchema,
});
const volumePoint = z.object({
  series: z.string().describe('side:service:direction, e.g. network:voice:mo'),
  period: z.string().describe('The day, YYYY-MM-DD'),
  volume: z.number().describe('Records that day'),
});
const storedVolumes = z
  .object({
    period,
    source: z
      .enum(['run', 'history'])
      .describe('run: the current run of the day; history: volumes imported from before the stored runs'),
    runId: z.string().optional(),
    volumes: z.array(volumePoint),
  })
  .meta({ id: 'RaStoredVolumes' });

export const putRaSettingsSchema = z
  .object({
    reconcile: reconcileConfigSchema.default(reconcileConfigSchema.parse({})),
    controls: raControlsSchema.default(raControlsSchema.parse({})),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code')
      .default('EUR')
      .describe('The currency of the charges in the files'),
    version: z.number().int().min(0).describe('The version you read (0: none stored yet); a stale one gets 409.'),
  })
  .strict();
const settings = z
  .object({
    reconcile: z.record(z.string(), z.unknown()),
    controls: raControlsSchema,
    currency: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'RaSettings' });

/** functions/ops-revenue */
export const revenueOperations = [
  {
    method: 'post',
    path: '/ra/runs',
    summary:
      'Start the reconciliation run of a day (both sides’ files Load finished for that day); Idempotency-Key answers the same run',
    tag: T,
    auth: 'jwt',
    role: 'responder',
    body: startRaRunSchema,
    responses: {
      202: {
        description: 'Started (Location: the run); with a repeated Idempotency-Key, the run it started',
        schema: run,
      },
      ...errors(400, 401, 403, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/ra/runs',
    summary: 'Runs, newest period first (optionally of one period)',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: listRaRunsQuerySchema,
    responses: { 200: { description: 'A page of runs', schema: page(run) }, ...errors(400, 401, 403) },
  },
  {
    method: 'get',
    path: '/ra/runs/{id}',
    summary: 'A run: counts and money per class, per service and direction, leakage % of revenue, controls',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: { 200: { description: 'The run', schema: run }, ...errors(400, 401, 403, 404) },
  },
  {
    method: 'get',
    path: '/ra/runs/{id}/findings',
    summary:
      'A run’s findings (every record not matched exactly), filtered by class, service and direction; CSV with format=csv or Accept: text/csv',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: findingsQuerySchema,
    responses: {
      200: { description: 'A page of findings (or the CSV)', schema: page(finding) },
      ...errors(400, 401, 403, 404, 409),
    },
  },
  {
    method: 'get',
    path: '/ra/volumes',
    summary:
      'Stored daily volumes per series (each day’s current run, else its imported history), oldest first: what the anomaly control judged, for the backtest (`npm run ra -- volumes export`)',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: volumesQuerySchema,
    responses: {
      200: { description: 'A page of days, each with its volumes', schema: page(storedVolumes) },
      ...errors(400, 401, 403),
    },
  },
  {
    method: 'get',
    path: '/ra/settings',
    summary: 'RA settings: reconcile configuration (tolerances, mediation), controls’ thresholds, currency',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    query: noQuerySchema,
    responses: { 200: { description: 'The settings in force', schema: settings }, ...errors(401, 403) },
  },
  {
    method: 'put',
    path: '/ra/settings',
    summary: 'Replace the RA settings (at the version read); later runs use them',
    tag: T,
    auth: 'jwt',
    role: 'admin',
    body: putRaSettingsSchema,
    responses: { 200: { description: 'Stored', schema: settings }, ...errors(400, 401, 403, 409, 422) },
  },
] as const satisfies readonly Operation[];

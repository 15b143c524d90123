// Operations of the SLO routes (functions/ops-slo), from the same zod schemas the handler
// validates with (shared/domain/slo/model.ts).
import * as z from 'zod';
import { createSloSchema, pushSliEventsSchema, updateSloSchema } from '../../domain/slo/model';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const tag = 'SLOs';

const sloMeta = z.object({ id: z.string(), createdAt: z.string(), updatedAt: z.string(), version: z.number().int() });
const sloDefinition = createSloSchema.omit({ id: true }).extend(sloMeta.shape).meta({ id: 'Slo' });

const burnRate = z.object({
  window: z.enum(['5m', '30m', '1h', '6h', '3d']),
  burnRate: z.number().describe('Error rate over the window divided by the budget rate (1 - objective).'),
  errorRate: z.number(),
  events: z.number(),
});
const condition = z.object({
  name: z.enum(['page-fast', 'page-slow', 'ticket']),
  action: z.enum(['page', 'ticket']),
  firing: z.boolean(),
  guarded: z.boolean().describe('Burning, but the long window saw fewer events than alerting.minEvents.'),
  long: z.string(),
  short: z.string(),
  factor: z.number(),
});
export const sloEvaluationSchema = z
  .object({
    at: z.string(),
    status: z.enum(['no-data', 'ok', 'ticket', 'page']),
    window: z.object({ start: z.string(), end: z.string(), label: z.string() }),
    sli: z.number().optional().describe('Percent of good events in the budget window so far.'),
    good: z.number(),
    total: z.number(),
    budgetRemaining: z.number().describe('Fraction of the error budget left: 1 whole, 0 spent, below 0 overspent.'),
    budgetEventsLeft: z.number(),
    burnRates: z.array(burnRate),
    conditions: z.array(condition),
  })
  .meta({ id: 'SloEvaluation' });
const sloTicket = z
  .object({
    episode: z.number().int().describe('Slow-burn episodes of this SLO so far; each opened one ticket.'),
    state: z.enum(['open', 'resolving', 'resolved']),
    openedAt: z.string(),
    ticketId: z.string().optional(),
    ticketNumber: z.number().int().optional(),
    resolvingAt: z.string().optional(),
    reason: z.enum(['recovered', 'paged', 'deleted']).optional(),
  })
  .describe('The ticket of the latest slow burn (3d/6h at 1x): open while it burns, resolved by itself after.')
  .meta({ id: 'SloTicket' });
const sloWithStatus = sloDefinition
  .extend({ evaluation: sloEvaluationSchema, ticket: sloTicket.optional() })
  .meta({ id: 'SloWithStatus' });

const historyPoint = z.object({
  at: z.string(),
  good: z.number(),
  total: z.number(),
  sli: z.number().optional(),
  budgetRemaining: z.number(),
  burnRate: z.number(),
});

const isoInstant = z.iso.datetime({ offset: true });
export const sloHistoryQuerySchema = z.object({
  from: isoInstant.optional().describe('Default: 24 hours before `to`.'),
  to: isoInstant.optional().describe('Default: now.'),
  stepMinutes: z.coerce.number().int().min(1).max(1440).default(60),
});

/** functions/ops-slo */
export const sloOperations = [
  {
    method: 'post',
    path: '/slos',
    summary: 'Create an SLO (ratio of pushed good/total events, or availability from probes and incidents)',
    tag,
    auth: 'jwt',
    role: 'admin',
    body: createSloSchema,
    responses: { 201: { description: 'Created', schema: sloDefinition }, ...errors(400, 401, 403, 409, 422) },
  },
  {
    method: 'get',
    path: '/slos',
    summary: 'List SLOs',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema,
    responses: { 200: { description: 'OK', schema: page(sloDefinition) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/slos/{id}',
    summary: 'Get an SLO with its SLI, budget left, burn rate per window and status now',
    tag,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'OK', schema: sloWithStatus }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/slos/{id}',
    summary: 'Change an SLO (the SLI kind and service stay), with the version read',
    tag,
    auth: 'jwt',
    role: 'admin',
    body: updateSloSchema,
    responses: { 200: { description: 'Changed', schema: sloDefinition }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/slos/{id}',
    summary: 'Delete an SLO; its burn-rate alerts resolve',
    tag,
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  },
  {
    method: 'post',
    path: '/slos/{id}/events',
    summary: 'Push good/total counts per minute for a ratio SLO; a repeat of (source, minute) replaces, never adds',
    tag,
    auth: 'jwt',
    role: 'responder',
    body: pushSliEventsSchema,
    responses: {
      200: {
        description: 'Stored',
        schema: z.object({ source: z.string(), minutes: z.number().int(), from: z.string(), to: z.string() }),
      },
      ...errors(400, 401, 403, 404, 422),
    },
  },
  {
    method: 'get',
    path: '/slos/{id}/history',
    summary: 'SLI, burn rate and budget left per step, for charts (at most 2000 points)',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: sloHistoryQuerySchema,
    responses: {
      200: {
        description: 'OK',
        schema: z.object({
          sloId: z.string(),
          from: z.string(),
          to: z.string(),
          stepMinutes: z.number(),
          points: z.array(historyPoint),
        }),
      },
      ...errors(401, 403, 404, 422),
    },
  },
  {
    method: 'post',
    path: '/slos/openslo',
    summary:
      'Import SLOs from an OpenSLO v1 bundle (YAML documents or JSON): SLO, SLI, Service, AlertPolicy, AlertCondition',
    tag,
    auth: 'jwt',
    role: 'admin',
    input: 'handler',
    body: z.string(),
    bodyDescription:
      'OpenSLO v1 as YAML (one or more documents; application/yaml) or JSON (an object or an array). Every SLO is checked before any is stored: one that does not validate is a 422 naming the field (documents[i]...).',
    responses: {
      201: { description: 'Created', schema: z.object({ items: z.array(sloDefinition) }) },
      ...errors(400, 401, 403, 409, 413, 422),
    },
  },
  {
    method: 'get',
    path: '/slos/{id}/openslo',
    summary: 'Export an SLO as an OpenSLO v1 bundle (YAML by default, ?format=json)',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: z.object({ format: z.enum(['yaml', 'json']).default('yaml') }),
    responses: {
      200: { description: 'The bundle: Service, SLI, AlertConditions and AlertPolicy (when alerting), SLO' },
      ...errors(401, 403, 404, 422),
    },
  },
] as const satisfies readonly Operation[];

// Operations of the rule, silence and maintenance-window routes (functions/ops-rules), apart from
// incidents.ts so that the incident and service functions do not bundle these schemas (issue 15).
// The schemas check shapes; the RE2 patterns and cron expressions are checked by the handler with
// engines loaded on first need (shared/app/incidents/patterns.ts, maintenance.ts).
import * as z from 'zod';
import { rulesetSchema } from '../../domain/incidents/rules';
import { createMaintenanceSchema, createSilenceSchema } from '../../domain/incidents/silences';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const silence = z
  .object({
    id: z.string(),
    matchers: z.array(z.unknown()),
    startsAt: z.string(),
    endsAt: z.string(),
    comment: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'Silence' });

const putRulesSchema = z.object({
  version: z.number().int().min(0).describe('The version you edited (0 for the first); a stale one gets 409.'),
  comment: z.string().max(2000).optional(),
  rules: rulesetSchema,
});

/** functions/ops-rules */
export const ruleOperations = [
  {
    method: 'get',
    path: '/rules',
    summary: 'The current incident rules (history=true for past versions)',
    tag: 'Rules',
    auth: 'jwt',
    role: 'viewer',
    query: z.object({ history: z.enum(['true', 'false']).optional() }),
    responses: {
      200: { description: 'Rules', schema: z.object({ version: z.number().int(), rules: rulesetSchema }) },
      ...errors(401, 403),
    },
  },
  {
    method: 'put',
    path: '/rules',
    summary: 'Replace the incident rules (validated; optimistic lock on version)',
    tag: 'Rules',
    auth: 'jwt',
    role: 'admin',
    body: putRulesSchema,
    responses: {
      200: {
        description: 'Stored as a new version',
        schema: z.object({ version: z.number().int(), rules: rulesetSchema }),
      },
      ...errors(400, 401, 403, 409, 422),
    },
  },
  {
    method: 'post',
    path: '/silences',
    summary: 'Silence alerts matching the matchers until endsAt',
    tag: 'Rules',
    auth: 'jwt',
    role: 'responder',
    body: createSilenceSchema,
    responses: { 201: { description: 'Created', schema: silence }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/silences',
    summary: 'List silences (active=true for the ones in force)',
    tag: 'Rules',
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema.extend({ active: z.enum(['true', 'false']).optional() }),
    responses: { 200: { description: 'A page', schema: page(silence) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/silences/{id}',
    summary: 'Get a silence',
    tag: 'Rules',
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The silence', schema: silence }, ...errors(401, 403, 404) },
  },
  {
    method: 'post',
    path: '/silences/{id}/expire',
    summary: 'End a silence now',
    tag: 'Rules',
    auth: 'jwt',
    role: 'responder',
    responses: { 200: { description: 'Expired', schema: silence }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/maintenance-windows',
    summary: 'Create a one-off or recurring (cron, time zone) maintenance window for a service',
    tag: 'Rules',
    auth: 'jwt',
    role: 'responder',
    body: createMaintenanceSchema,
    responses: { 201: { description: 'Created' }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/maintenance-windows',
    summary: 'List maintenance windows',
    tag: 'Rules',
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema,
    responses: { 200: { description: 'A page' }, ...errors(401, 403, 422) },
  },
  {
    method: 'delete',
    path: '/maintenance-windows/{id}',
    summary: 'Delete a maintenance window',
    tag: 'Rules',
    auth: 'jwt',
    role: 'responder',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404) },
  },
] as const satisfies readonly Operation[];

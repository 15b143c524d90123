// Operations of the incident and service routes (functions/ops-incidents, ops-services); the rule
// routes (ops-rules) are in rules.ts, so that these functions do not bundle the rule schemas.
import * as z from 'zod';
import { incidentSnapshotSchema } from '../../../events/incidents';
import { createServiceSchema, createTeamSchema, updateServiceSchema, updateTeamSchema } from '../../domain/services';
import {
  ackBodySchema,
  incidentQuerySchema,
  mergeBodySchema,
  noteBodySchema,
  pageQuerySchema,
  reassignBodySchema,
  resolveBodySchema,
  severityBodySchema,
} from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const incident = incidentSnapshotSchema
  .extend({ routeId: z.string(), groupKey: z.string(), notifiedAt: z.string().optional() })
  .meta({ id: 'Incident' });
const timelineEntry = z.object({
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }),
  kind: z.string(),
  message: z.string(),
  reason: z.string().optional(),
});
const alertLink = z.object({
  alertId: z.string(),
  summary: z.string(),
  status: z.string(),
  relation: z.enum(['member', 'related']),
  joinedAt: z.string(),
  movedTo: z
    .string()
    .optional()
    .describe('A related alert placed on its own incident when this (upstream) incident resolved'),
});
const incidentTicket = z.object({
  ticketId: z.string(),
  ticketNumber: z.number().int().optional(),
  linkedAt: z.string().optional(),
  followUp: z
    .boolean()
    .describe('The follow-up ticket opened by rule (on opening, or when raised to a matching severity)'),
});
const team = createTeamSchema
  .extend({ version: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'Team' });
const service = createServiceSchema
  .extend({ version: z.number().int(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: 'Service' });
const action = <const P extends string, B extends z.ZodType>(path: P, summary: string, body: B) =>
  ({
    method: 'post',
    path,
    summary,
    tag: 'Incidents',
    auth: 'jwt',
    role: 'responder',
    body,
    responses: {
      200: { description: 'The incident after the action', schema: incident },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  }) as const satisfies Operation;

/** functions/ops-incidents */
export const incidentOperations = [
  {
    method: 'get',
    path: '/incidents',
    summary: 'List incidents, newest first',
    tag: 'Incidents',
    auth: 'jwt',
    role: 'viewer',
    query: incidentQuerySchema,
    responses: { 200: { description: 'A page', schema: page(incident) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/incidents/{id}',
    summary: 'An incident with its alerts, timeline and tickets',
    tag: 'Incidents',
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: {
        description: 'The incident',
        schema: incident.extend({
          alerts: z.array(alertLink),
          timeline: z.array(timelineEntry),
          tickets: z.array(incidentTicket),
        }),
      },
      ...errors(401, 403, 404),
    },
  },
  action('/incidents/{id}/acknowledge', 'Acknowledge (stops escalation)', ackBodySchema),
  action('/incidents/{id}/resolve', 'Resolve with an optional resolution note', resolveBodySchema),
  action('/incidents/{id}/reassign', 'Reassign to another team', reassignBodySchema),
  action('/incidents/{id}/severity', 'Change severity', severityBodySchema),
  action('/incidents/{id}/merge', 'Merge this incident into another (this one resolves)', mergeBodySchema),
  {
    ...action('/incidents/{id}/notes', 'Add a note to the timeline', noteBodySchema),
    responses: { 201: { description: 'Noted', schema: incident }, ...errors(400, 401, 403, 404, 422) },
  },
] as const satisfies readonly Operation[];

/** functions/ops-services */
export const serviceOperations = [
  {
    method: 'post',
    path: '/teams',
    summary: 'Create a team',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    body: createTeamSchema,
    responses: { 201: { description: 'Created', schema: team }, ...errors(400, 401, 403, 409, 422) },
  },
  {
    method: 'get',
    path: '/teams',
    summary: 'List teams',
    tag: 'Services',
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(team) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/teams/{id}',
    summary: 'Get a team',
    tag: 'Services',
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The team', schema: team }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/teams/{id}',
    summary: 'Change a team',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    body: updateTeamSchema,
    responses: { 200: { description: 'Changed', schema: team }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/teams/{id}',
    summary: 'Delete a team that owns no service',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 422) },
  },
  {
    method: 'post',
    path: '/services',
    summary: 'Create a service',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    body: createServiceSchema,
    responses: { 201: { description: 'Created', schema: service }, ...errors(400, 401, 403, 409, 422) },
  },
  {
    method: 'get',
    path: '/services',
    summary: 'List services',
    tag: 'Services',
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(service) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/services/{id}',
    summary: 'Get a service',
    tag: 'Services',
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The service', schema: service }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/services/{id}',
    summary: 'Change a service (dependencies are checked for cycles)',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    body: updateServiceSchema,
    responses: { 200: { description: 'Changed', schema: service }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/services/{id}',
    summary: 'Delete a service nothing depends on',
    tag: 'Services',
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 422) },
  },
] as const satisfies readonly Operation[];

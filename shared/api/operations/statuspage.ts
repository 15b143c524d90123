// Operations of the public status page (functions/status-page): public updates posted from an
// incident (responders), and the page itself without sign-in: Atlassian Statuspage's API v2 JSON,
// an HTML page and an Atom feed.
import * as z from 'zod';
import { COMPONENT_STATUSES, PUBLIC_INCIDENT_STATUSES, statusUpdateBodySchema } from '../../domain/statuspage/model';
import { errors, type Operation } from '../operation';

const T = 'Status page';
const page = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  time_zone: z.string(),
  updated_at: z.string(),
});
const component = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(COMPONENT_STATUSES),
    created_at: z.string(),
    updated_at: z.string(),
    position: z.number().int(),
    description: z.string().nullable(),
    page_id: z.string(),
    group: z.boolean(),
    group_id: z.string().nullable(),
    only_show_if_degraded: z.boolean(),
  })
  .meta({ id: 'StatusComponent' });
const incidentUpdate = z
  .object({
    id: z.string(),
    status: z.enum(PUBLIC_INCIDENT_STATUSES),
    body: z.string(),
    incident_id: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    display_at: z.string(),
    affected_components: z.array(
      z.object({ code: z.string(), name: z.string(), old_status: z.string(), new_status: z.string() }),
    ),
  })
  .meta({ id: 'StatusIncidentUpdate' });
const incident = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(PUBLIC_INCIDENT_STATUSES),
    impact: z.enum(['none', 'minor', 'major', 'critical']),
    created_at: z.string(),
    updated_at: z.string(),
    monitoring_at: z.string().nullable(),
    resolved_at: z.string().nullable(),
    shortlink: z.string(),
    page_id: z.string(),
    incident_updates: z.array(incidentUpdate),
    components: z.array(component),
  })
  .meta({ id: 'StatusIncident' });
const status = z.object({
  indicator: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  description: z.string(),
});

export const statusPageOperations = [
  {
    method: 'post',
    path: '/incidents/{id}/status-updates',
    summary:
      'Post a public status update on an incident (shown on the status page, sent to the service’s stakeholder subscribers; Idempotency-Key honoured)',
    tag: T,
    auth: 'jwt',
    role: 'responder',
    body: statusUpdateBodySchema,
    responses: {
      201: {
        description: 'Posted (a retry with the same Idempotency-Key answers the same and publishes nothing more)',
        schema: z.object({ incident, update: incidentUpdate, delivered: z.number().int() }),
      },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/incidents/{id}/status-updates',
    summary: 'An incident’s public status updates, newest first',
    tag: T,
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: {
        description: 'The updates (empty when none was posted)',
        schema: z.object({ items: z.array(incidentUpdate) }),
      },
      ...errors(401, 403, 404),
    },
  },
  {
    method: 'get',
    path: '/api/v2/summary.json',
    summary: 'Status page summary (Statuspage API v2): components, unresolved incidents, overall status; no sign-in',
    tag: T,
    auth: 'public',
    responses: {
      200: {
        description: 'Summary',
        schema: z.object({
          page,
          components: z.array(component),
          incidents: z.array(incident),
          scheduled_maintenances: z.array(z.unknown()),
          status,
        }),
      },
    },
  },
  {
    method: 'get',
    path: '/api/v2/status.json',
    summary: 'Status page overall status (Statuspage API v2); no sign-in',
    tag: T,
    auth: 'public',
    responses: { 200: { description: 'Status', schema: z.object({ page, status }) } },
  },
  {
    method: 'get',
    path: '/api/v2/incidents.json',
    summary: 'Status page incidents, the 50 most recent, resolved ones included (Statuspage API v2); no sign-in',
    tag: T,
    auth: 'public',
    responses: { 200: { description: 'Incidents', schema: z.object({ page, incidents: z.array(incident) }) } },
  },
  {
    method: 'get',
    path: '/status',
    summary: 'The public status page (HTML, no script, no sign-in)',
    tag: T,
    auth: 'public',
    responses: { 200: { description: 'text/html page', schema: z.string() } },
  },
  {
    method: 'get',
    path: '/status/history.atom',
    summary: 'The status page’s incident history as an Atom feed; no sign-in',
    tag: T,
    auth: 'public',
    responses: { 200: { description: 'application/atom+xml feed', schema: z.string() } },
  },
] as const satisfies readonly Operation[];

// Operations of alert intake: monitor webhooks and PagerDuty Events v2 (functions/ingest), the
// integrations that authenticate them (functions/ops-integrations), the alerts (functions/ops-alerts),
// and the OpenAPI document itself (functions/openapi).
import * as z from 'zod';
import { canonicalAlertSchema } from '../../domain/alert';
import { createIntegrationSchema, updateIntegrationSchema } from '../../domain/integration';
import { genericPayloadSchema } from '../../domain/normalizers/generic';
import { alertDispositionKinds, listAlertsQuerySchema, pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const integrationSchema = z
  .object({
    id: z.string(),
    type: z.string(),
    name: z.string(),
    service: z.string().optional(),
    enabled: z.boolean(),
    allowedTopicArns: z.array(z.string()),
    tokenHint: z.string(),
    webhookPath: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .meta({ id: 'Integration' });

const storedAlertSchema = canonicalAlertSchema
  .omit({ action: true })
  .extend({
    id: z.string(),
    integrationId: z.string(),
    count: z.number().int(),
    firstReceivedAt: z.string(),
    lastReceivedAt: z.string(),
    firstPayloadId: z.string(),
    lastPayloadId: z.string(),
    acknowledgedAt: z.string().optional(),
    resolvedAt: z.string().optional(),
    revision: z.number().int(),
    disposition: z
      .object({
        kind: z.enum(alertDispositionKinds),
        reason: z
          .string()
          .describe('silenced by …, maintenance window …, inhibited by …, correlated: …, grouped by …, storm guard: …'),
        incidentId: z.string().optional(),
        silenceId: z.string().optional(),
        maintenanceId: z.string().optional(),
        inhibitedBy: z.string().optional().describe('The alert that inhibits this one'),
        ruleId: z.string().optional(),
        at: z.string().optional(),
        resolvedAt: z.string().optional(),
        storm: z.boolean().optional().describe('GET /alerts/{id}: the incident is a storm incident'),
        notificationsHeld: z.literal('flapping').optional().describe('GET /alerts/{id}: the incident is flapping'),
      })
      .meta({ id: 'AlertDisposition' }),
  })
  .meta({ id: 'Alert' });

const webhookAcceptedSchema = z.object({
  status: z.enum(['accepted', 'duplicate']),
  payloadId: z.string(),
  alerts: z.array(
    z.object({
      dedupKey: z.string(),
      outcome: z.enum(['created', 'repeated', 'acknowledged', 'resolved', 'duplicate', 'dropped']),
      alertId: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
});

const pdEventSchema = z.object({
  routing_key: z.string(),
  event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
  dedup_key: z.string().max(255).optional(),
  payload: z
    .object({
      summary: z.string().max(1024),
      source: z.string(),
      severity: z.enum(['critical', 'error', 'warning', 'info']),
      timestamp: z.string().optional(),
      component: z.string().optional(),
      group: z.string().optional(),
      class: z.string().optional(),
      custom_details: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  images: z.array(z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() })).optional(),
  links: z.array(z.object({ href: z.string(), text: z.string().optional() })).optional(),
  client: z.string().optional(),
  client_url: z.string().optional(),
});

/** functions/ingest: the handler reads each monitor's own format (the integration's type picks it). */
export const ingestOperations = [
  {
    method: 'post',
    path: '/hooks/{integrationId}',
    summary:
      'Receive a monitor webhook (Alertmanager, Grafana, Datadog, Zabbix, Nagios, CloudWatch via SNS, PagerDuty, generic JSON)',
    tag: 'Ingestion',
    auth: 'token',
    input: 'handler',
    body: genericPayloadSchema,
    bodyDescription:
      "The monitor's own payload; the integration's type picks the format. Generic JSON is shown. Token in Authorization: Bearer, X-Nocturne-Token or ?token=.",
    responses: {
      202: { description: 'Stored durably', schema: webhookAcceptedSchema },
      200: { description: 'SNS subscription confirmed' },
      ...errors(400, 401, 404, 413, 422, 429, 503),
    },
  },
  {
    method: 'post',
    path: '/v2/enqueue',
    summary: 'PagerDuty Events API v2 compatible endpoint (routing_key = integration token)',
    tag: 'Ingestion',
    auth: 'token',
    input: 'handler',
    body: pdEventSchema,
    responses: {
      202: {
        description: 'Event processed',
        schema: z.object({ status: z.literal('success'), message: z.string(), dedup_key: z.string() }),
      },
      400: {
        description: 'Invalid event',
        schema: z.object({ status: z.literal('invalid event'), message: z.string(), errors: z.array(z.string()) }),
      },
      ...errors(413, 429, 503),
    },
  },
] as const satisfies readonly Operation[];

/** functions/ops-integrations */
export const integrationOperations = [
  {
    method: 'post',
    path: '/integrations',
    summary: 'Create an integration; the answer carries its token, shown only once',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    body: createIntegrationSchema,
    responses: {
      201: { description: 'Created', schema: integrationSchema.extend({ token: z.string() }) },
      ...errors(400, 401, 403, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/integrations',
    summary: 'List integrations',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    query: pageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(integrationSchema) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/integrations/{id}',
    summary: 'Get an integration',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    responses: { 200: { description: 'The integration', schema: integrationSchema }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/integrations/{id}',
    summary: 'Change an integration (optimistic lock with version)',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    body: updateIntegrationSchema,
    responses: { 200: { description: 'Changed', schema: integrationSchema }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/integrations/{id}',
    summary: 'Delete an integration; its token stops working within 5 seconds',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Deleted' }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/integrations/{id}/rotate-token',
    summary: 'Issue a new token; the old one stops working within 5 seconds',
    tag: 'Integrations',
    auth: 'jwt',
    role: 'admin',
    responses: {
      200: { description: 'Rotated', schema: integrationSchema.extend({ token: z.string() }) },
      ...errors(401, 403, 404, 409),
    },
  },
] as const satisfies readonly Operation[];

/** functions/ops-alerts */
export const alertOperations = [
  {
    method: 'get',
    path: '/alerts',
    summary: 'List alerts, newest first',
    tag: 'Alerts',
    auth: 'jwt',
    role: 'viewer',
    query: listAlertsQuerySchema,
    responses: { 200: { description: 'A page', schema: page(storedAlertSchema) }, ...errors(401, 403, 422) },
  },
  {
    method: 'get',
    path: '/alerts/{id}',
    summary: 'Get an alert with its raw payload and what became of it (disposition)',
    tag: 'Alerts',
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: { description: 'The alert', schema: storedAlertSchema.extend({ rawPayload: z.unknown() }) },
      ...errors(401, 403, 404),
    },
  },
] as const satisfies readonly Operation[];

/** functions/openapi */
export const openapiOperations = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'Meta',
    auth: 'public',
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
  },
] as const satisfies readonly Operation[];

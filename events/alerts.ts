// Alert events (source `nocturne.alerts`), one per committed change of an alert item that a subscriber
// reads (a repeat that moves only its count and last-seen publishes none: docs/events.md).
import * as z from 'zod';
import { contractsOf, eventEnvelopeSchema } from './common';
import opened from './examples/alert-opened.json';
import repeated from './examples/alert-repeated.json';
import acknowledged from './examples/alert-acknowledged.json';
import resolved from './examples/alert-resolved.json';

export const ALERT_EVENT_SOURCE = 'nocturne.alerts';

export const ALERT_SOURCES = [
  'alertmanager',
  'grafana',
  'datadog',
  'zabbix',
  'nagios',
  'cloudwatch',
  'pagerduty',
  'generic',
] as const;
export const alertSourceSchema = z.enum(ALERT_SOURCES);
export type AlertSource = z.infer<typeof alertSourceSchema>;

export const ALERT_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export const alertSeveritySchema = z.enum(ALERT_SEVERITIES);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

export const alertLinkSchema = z.object({
  href: z.string().min(1).max(2048),
  text: z.string().max(512).optional(),
});

export const alertSnapshotSchema = z.object({
  id: z.string(),
  integrationId: z.string(),
  source: alertSourceSchema,
  dedupKey: z.string(),
  status: z.enum(['firing', 'resolved']),
  severity: alertSeveritySchema,
  summary: z.string(),
  service: z.string().optional(),
  resource: z.string().optional(),
  labels: z.record(z.string(), z.string()),
  links: z.array(alertLinkSchema),
  startsAt: z.string(),
  endsAt: z.string().optional(),
  count: z.number().int().positive(),
  firstReceivedAt: z.string(),
  lastReceivedAt: z.string(),
  acknowledgedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  revision: z.number().int().positive(),
});
export type AlertSnapshot = z.infer<typeof alertSnapshotSchema>;

export const alertEventDetailSchema = eventEnvelopeSchema.extend({ alert: alertSnapshotSchema });
export type AlertEventDetail = z.infer<typeof alertEventDetailSchema>;

export const ALERT_DETAIL_TYPES = {
  opened: 'Alert Opened',
  repeated: 'Alert Repeated',
  acknowledged: 'Alert Acknowledged',
  resolved: 'Alert Resolved',
} as const;

export const alertEventContracts = contractsOf(ALERT_EVENT_SOURCE, alertEventDetailSchema, [
  [ALERT_DETAIL_TYPES.opened, opened],
  [ALERT_DETAIL_TYPES.repeated, repeated],
  [ALERT_DETAIL_TYPES.acknowledged, acknowledged],
  [ALERT_DETAIL_TYPES.resolved, resolved],
]);

// Incident events (source `nocturne.incidents`), one per committed change of an incident.
// `notify` says whether people should hear of this change now: false while a group window is
// open, while the incident flaps, or when a storm incident already told them.
import * as z from 'zod';
import { contractsOf, eventEnvelopeSchema } from './common';
import opened from './examples/incident-opened.json';
import acknowledged from './examples/incident-acknowledged.json';
import escalated from './examples/incident-escalated.json';
import resolved from './examples/incident-resolved.json';
import reopened from './examples/incident-reopened.json';
import merged from './examples/incident-merged.json';
import severityChanged from './examples/incident-severity-changed.json';
import reassigned from './examples/incident-reassigned.json';

export const INCIDENT_EVENT_SOURCE = 'nocturne.incidents';

export const SEVERITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
export const incidentSeveritySchema = z.enum(SEVERITIES);
export const incidentStatusSchema = z.enum(['triggered', 'acknowledged', 'resolved']);

export const actorSchema = z.object({
  type: z.enum(['user', 'rule', 'system']),
  id: z.string(),
  name: z.string().optional(),
});

export const incidentSnapshotSchema = z.object({
  id: z.string(),
  number: z.number().int().positive(),
  title: z.string(),
  status: incidentStatusSchema,
  severity: incidentSeveritySchema,
  serviceId: z.string().optional(),
  teamId: z.string().optional(),
  /** When the first alert started (time to detect is measured from here). */
  detectedAt: z.string(),
  openedAt: z.string(),
  acknowledgedAt: z.string().optional(),
  resolvedAt: z.string().optional(),
  alertCount: z.number().int().nonnegative(),
  openAlertCount: z.number().int().nonnegative(),
  flapping: z.boolean(),
  /** Set on storm incidents: how many incidents were collapsed into it. */
  stormSize: z.number().int().optional(),
  mergedInto: z.string().optional(),
  revision: z.number().int().positive(),
});
export type IncidentSnapshot = z.infer<typeof incidentSnapshotSchema>;

export const incidentEventDetailSchema = eventEnvelopeSchema.extend({
  notify: z.boolean(),
  actor: actorSchema,
  reason: z.string().optional(),
  /** What changed, e.g. { from: 'P3', to: 'P1' } or { level: 2 } or { into: '<id>' }. */
  change: z.record(z.string(), z.unknown()),
  incident: incidentSnapshotSchema,
});
export type IncidentEventDetail = z.infer<typeof incidentEventDetailSchema>;

export const INCIDENT_DETAIL_TYPES = {
  opened: 'Incident Opened',
  acknowledged: 'Incident Acknowledged',
  escalated: 'Incident Escalated',
  resolved: 'Incident Resolved',
  reopened: 'Incident Reopened',
  merged: 'Incident Merged',
  severityChanged: 'Incident Severity Changed',
  reassigned: 'Incident Reassigned',
} as const;
export type IncidentChangeKind = keyof typeof INCIDENT_DETAIL_TYPES;

export const incidentEventContracts = contractsOf(INCIDENT_EVENT_SOURCE, incidentEventDetailSchema, [
  [INCIDENT_DETAIL_TYPES.opened, opened],
  [INCIDENT_DETAIL_TYPES.acknowledged, acknowledged],
  [INCIDENT_DETAIL_TYPES.escalated, escalated],
  [INCIDENT_DETAIL_TYPES.resolved, resolved],
  [INCIDENT_DETAIL_TYPES.reopened, reopened],
  [INCIDENT_DETAIL_TYPES.merged, merged],
  [INCIDENT_DETAIL_TYPES.severityChanged, severityChanged],
  [INCIDENT_DETAIL_TYPES.reassigned, reassigned],
]);

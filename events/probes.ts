// Probe and job events (source `nocturne.probes`), one per committed flip: a service probe or
// a monitored job changed status, certificate standing or error level. The built-in alert
// integration consumes them (functions/probe-alerts), and any other system may.
import * as z from 'zod';
import { contractsOf, eventEnvelopeSchema, type EventContract } from './common';
import probeChanged from './examples/probe-state-changed.json';
import jobChanged from './examples/job-state-changed.json';
import batchDue from './examples/probe-batch-due.json';

export const PROBE_EVENT_SOURCE = 'nocturne.probes';

/** A probe round fanned out: one `Probe Batch Due` event per batch of due probes (shared/domain/probes/rounds.ts). */
export const PROBE_ROUND_SOURCE = 'nocturne.probe-scheduler';
export const PROBE_BATCH_DETAIL_TYPE = 'Probe Batch Due';

export const probeBatchDetailSchema = z.object({
  version: z.literal(1),
  /** The scheduler run that found these probes due. */
  round: z.iso.datetime({ offset: true }),
  probes: z
    .array(z.object({ id: z.string().min(1).max(64), dueAt: z.iso.datetime({ offset: true }) }))
    .min(1)
    .max(200),
});
export type ProbeBatchDetail = z.infer<typeof probeBatchDetailSchema>;

export const PROBE_DETAIL_TYPES = {
  probe: 'Probe State Changed',
  job: 'Job State Changed',
} as const;

export const probeSubjectSchema = z.object({
  kind: z.enum(['probe', 'job']),
  id: z.string(),
  name: z.string(),
  /** Service probes: http, tcp or dns. */
  probeKind: z.enum(['http', 'tcp', 'dns']).optional(),
  /** Jobs: Transmission, Load, Extract… and Provisioning, Billing, Backup… */
  type: z.string().optional(),
  category: z.string().optional(),
  service: z.string().optional(),
  team: z.string().optional(),
});

export const probeChangeSchema = z.object({
  /** status (new/up/late/down/paused), certificate (ok/expiring), errors (ok/warning/critical), deleted. */
  condition: z.enum(['status', 'certificate', 'errors', 'deleted']),
  from: z.string(),
  to: z.string(),
  reason: z.string().optional(),
  /** When the change took effect (e.g. the first failed check), at or before occurredAt. */
  effectiveAt: z.string(),
});

export const probeEventDetailSchema = eventEnvelopeSchema.extend({
  subject: probeSubjectSchema,
  change: probeChangeSchema,
  /** The subject's state revision after the change: consumers order and de-duplicate with it. */
  revision: z.number().int().positive(),
});
export type ProbeEventDetail = z.infer<typeof probeEventDetailSchema>;

export const probeEventContracts = contractsOf(PROBE_EVENT_SOURCE, probeEventDetailSchema, [
  [PROBE_DETAIL_TYPES.probe, probeChanged],
  [PROBE_DETAIL_TYPES.job, jobChanged],
]);

// The scheduler's fan-out of a probe round to workers (internal, but on the bus like any event).
export const probeRoundContracts: Array<EventContract<typeof probeBatchDetailSchema>> = [
  {
    source: PROBE_ROUND_SOURCE,
    detailType: PROBE_BATCH_DETAIL_TYPE,
    schema: probeBatchDetailSchema,
    example: batchDue,
  },
];

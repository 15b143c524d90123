// Generic JSON: the format for anything without a native integration (scripts, cron jobs,
// in-house tools). Documented in docs/monitors/generic.md; schema exported for the OpenAPI doc.
import * as z from 'zod';
import { alertLinkSchema, alertSeveritySchema, boundedKey, truncate, type CanonicalAlert } from '../alert';
import { parseJson, validate } from './parse';
import type { Normalizer } from './types';

const isoDate = z.iso.datetime({ offset: true });

export const genericAlertSchema = z.object({
  dedupKey: z
    .string()
    .min(1)
    .max(255)
    .describe('Identity of the problem; repeats with the same key are counted, not duplicated.'),
  status: z.enum(['firing', 'resolved']).default('firing'),
  severity: alertSeveritySchema.default('error'),
  summary: z.string().min(1).max(4096),
  details: z.record(z.string(), z.unknown()).optional(),
  labels: z.record(z.string(), z.string().max(1024)).optional(),
  service: z.string().min(1).max(255).optional(),
  resource: z.string().min(1).max(1024).optional(),
  startsAt: isoDate.optional(),
  endsAt: isoDate.optional(),
  links: z.array(alertLinkSchema).max(50).optional(),
});

export const genericBatchSchema = z.object({ alerts: z.array(genericAlertSchema).min(1).max(500) });
export const genericPayloadSchema = z.union([genericAlertSchema, genericBatchSchema]);
export type GenericPayload = z.infer<typeof genericPayloadSchema>;

export const normalizeGeneric: Normalizer = (payload, ctx) => {
  const body = parseJson(payload.body);
  // Pick the variant first so errors name the field (a union would only say "no variant matched").
  const isBatch = typeof body === 'object' && body !== null && 'alerts' in body;
  const alerts = isBatch
    ? validate(genericBatchSchema, body, 'generic JSON').alerts
    : [validate(genericAlertSchema, body, 'generic JSON')];
  return alerts.map((a): CanonicalAlert => ({
    source: 'generic',
    dedupKey: boundedKey([a.dedupKey]),
    status: a.status,
    action: a.status === 'firing' ? 'trigger' : 'resolve',
    severity: a.severity,
    summary: truncate(a.summary, 1024),
    details: a.details ?? {},
    labels: a.labels ?? {},
    service: a.service ?? ctx.defaultService,
    resource: a.resource,
    startsAt: a.startsAt ?? ctx.receivedAt,
    endsAt: a.endsAt ?? (a.status === 'resolved' ? ctx.receivedAt : undefined),
    links: a.links ?? [],
  }));
};

// Lambda entry for the built-in alert integration (see infra/catalog.ts: "probe-alerts"): each
// committed probe/job flip (outbox → `nocturne.probes` event) brings the alert pipeline in line
// with that subject's current state. Idempotent and order-insensitive; a failure is retried by
// EventBridge and then dead-lettered.
import type { EventBridgeEvent } from 'aws-lambda';
import { ValidationError } from '../../shared/domain/errors';
import { probeEventDetailSchema, type ProbeEventDetail } from '../../events/probes';
import { logger } from '../../shared/observability/logger';
import { syncSubjectAlerts, type SyncResult } from '../../shared/app/probes/alert-sync';

export const handler = async (event: EventBridgeEvent<string, ProbeEventDetail>): Promise<SyncResult> => {
  const parsed = probeEventDetailSchema.safeParse(event.detail);
  if (!parsed.success) throw ValidationError.fromZod('probe event is not valid', parsed.error, 'detail');
  const { subject } = parsed.data;
  const r = await syncSubjectAlerts(subject.kind, subject.id);
  if (r.sent.length) logger.info('probe alerts sent', { subject: `${subject.kind}:${subject.id}`, sent: r.sent });
  return r;
};

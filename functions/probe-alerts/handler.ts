// Lambda entry for the built-in alert integration (see infra/catalog.ts: "probe-alerts"): each
// committed probe/job flip (outbox → `nocturne.probes` event) brings the alert pipeline in line
// with that subject's current state. Idempotent and order-insensitive; a failure is retried by
// EventBridge and then dead-lettered.
import { probeEventDetailSchema } from '../../events/probes';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { syncSubjectAlerts, type SyncResult } from '../../shared/app/probes/alert-sync';

export const handler = eventHandler(probeEventDetailSchema, async (event): Promise<SyncResult> => {
  const { subject } = event.detail;
  const r = await syncSubjectAlerts(subject.kind, subject.id);
  if (r.sent.length) logger.info('probe alerts sent', { subject: `${subject.kind}:${subject.id}`, sent: r.sent });
  return r;
});

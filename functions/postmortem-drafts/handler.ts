// Lambda entry (see infra/catalog/postmortems.ts: "postmortem-drafts"): when an incident whose
// severity requires a postmortem (POSTMORTEM_REQUIRED_SEVERITIES, default P1,P2) resolves, its draft
// is generated from the incident's record. Retry-safe: one postmortem per incident.
import { incidentEventDetailSchema } from '../../events/incidents';
import { draftOnResolution } from '../../shared/app/postmortems/commands';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = eventHandler(incidentEventDetailSchema, async (event) => {
  const i = event.detail.incident;
  const outcome = await draftOnResolution(i, new Date(event.time));
  logger.info('postmortem draft', { incidentId: i.id, severity: i.severity, outcome });
  return outcome;
});

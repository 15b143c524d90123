// Lambda entry (see infra/catalog/runbooks.ts: "runbook-triggers"): when an incident opens, every
// runbook attached to it (its service, its alerts' labels; docs/runbooks.md) starts, once per
// incident and runbook (a retry finds the run it started).
import { incidentEventDetailSchema } from '../../events/incidents';
import { runAttached } from '../../shared/app/runbooks/runs';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = eventHandler(incidentEventDetailSchema, async (event) => {
  const runs = await runAttached(event.detail.incident.id, new Date(event.time));
  if (runs.length) logger.info('attached runbooks started', { incidentId: event.detail.incident.id, runs });
  return runs;
});

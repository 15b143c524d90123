// Lambda entry for stakeholder updates (see infra/catalog.ts: "paging-stakeholders"): people and
// systems subscribed to a service's status hear when its incidents open, change severity and
// resolve, on the 'stakeholders' topic. Retry-safe: each message is claimed once per incident
// revision, subscription and destination.
import * as sns from '@aws-sdk/client-sns';
import { INCIDENT_DETAIL_TYPES, incidentEventDetailSchema } from '../../events/incidents';
import type { StakeholderEvent } from '../../shared/domain/oncall/stakeholders';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { publishStakeholderUpdate } from '../../shared/app/oncall/stakeholder-updates';
import { useSnsSdk } from '../../shared/adapters/notifier';

// Stakeholder updates publish on nearly every event: the SNS client loads at cold start, not with the first.
useSnsSdk(sns);

const EVENTS: Record<string, StakeholderEvent> = {
  [INCIDENT_DETAIL_TYPES.opened]: 'opened',
  [INCIDENT_DETAIL_TYPES.severityChanged]: 'severityChanged',
  [INCIDENT_DETAIL_TYPES.resolved]: 'resolved',
};

export const handler = eventHandler(incidentEventDetailSchema, async (event): Promise<void> => {
  const kind = EVENTS[event['detail-type']];
  if (!kind) return;
  const r = await publishStakeholderUpdate(kind, event.detail, new Date());
  if (r.sent || r.skipped)
    logger.info('stakeholder updates', { incidentId: event.detail.incident.id, event: kind, ...r });
});

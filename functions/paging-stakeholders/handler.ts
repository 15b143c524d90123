// Lambda entry for stakeholder updates (see infra/catalog.ts: "paging-stakeholders"): people and
// systems subscribed to a service's status hear when its incidents open, change severity and
// resolve, on the 'stakeholders' topic. Retry-safe: each message is claimed once per incident
// revision, subscription and destination.
import type { EventBridgeEvent } from 'aws-lambda';
import { INCIDENT_DETAIL_TYPES, incidentEventDetailSchema } from '../../events/incidents';
import type { StakeholderEvent } from '../../shared/domain/oncall/stakeholders';
import { logger } from '../../shared/observability/logger';
import { publishStakeholderUpdate } from '../../shared/app/oncall/stakeholder-updates';

const EVENTS: Record<string, StakeholderEvent> = {
  [INCIDENT_DETAIL_TYPES.opened]: 'opened',
  [INCIDENT_DETAIL_TYPES.severityChanged]: 'severityChanged',
  [INCIDENT_DETAIL_TYPES.resolved]: 'resolved',
};

export const handler = async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
  const kind = EVENTS[event['detail-type']];
  if (!kind) return;
  const parsed = incidentEventDetailSchema.safeParse(event.detail);
  if (!parsed.success) {
    logger.error('ignoring malformed incident event', { id: event.id, issues: parsed.error.issues });
    return;
  }
  const r = await publishStakeholderUpdate(kind, parsed.data, new Date());
  if (r.sent || r.skipped) logger.info('stakeholder updates', { incidentId: parsed.data.incident.id, event: kind, ...r });
};

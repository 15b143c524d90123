// Lambda entry for escalation (see infra/catalog.ts: "paging"). Incident events from the bus start
// or restart an incident's escalation chain (Opened / Reopened with notify, Reassigned to another
// team while triggered) and page its first level at once; Acknowledged arms the ack timeout. Later
// steps run on durable timers (timer-sweeper). EventBridge delivers at least once and in any order:
// a chain is keyed by the incident revision that started it, so a redelivery starts nothing twice.
import * as sns from '@aws-sdk/client-sns';
import { INCIDENT_DETAIL_TYPES, incidentEventDetailSchema } from '../../events/incidents';
import { eventHandler } from '../../shared/http/event-handler';
import { onAcknowledged, startEscalation } from '../../shared/app/oncall/escalation';
import { useSnsSdk } from '../../shared/adapters/notifier';

// An escalation pages on nearly every event: the SNS client loads at cold start, not with the first page.
useSnsSdk(sns);

export const handler = eventHandler(incidentEventDetailSchema, async (event): Promise<void> => {
  const d = event.detail;
  const now = new Date();
  switch (event['detail-type']) {
    case INCIDENT_DETAIL_TYPES.opened:
    case INCIDENT_DETAIL_TYPES.reopened:
      if (!d.notify) return;
      await startEscalation(d.incident.id, d.incident.revision, now);
      return;
    case INCIDENT_DETAIL_TYPES.reassigned:
      if (!d.notify || d.incident.status !== 'triggered') return;
      await startEscalation(d.incident.id, d.incident.revision, now);
      return;
    case INCIDENT_DETAIL_TYPES.acknowledged:
      await onAcknowledged(d.incident.id, d.incident.revision, d.occurredAt, now);
      return;
    default:
      return;
  }
});

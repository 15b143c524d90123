// Lambda entry for the incident engine (see infra/catalog.ts: "incident-engine"): alert events
// from the bus become incidents, silenced, inhibited or correlated alerts. EventBridge retries a
// failed invocation and then sends it to the DLQ; every step is idempotent, so a retry is safe.
import { ALERT_DETAIL_TYPES, alertEventDetailSchema } from '../../events/alerts';
import {
  onAlertAcknowledged,
  onAlertOpened,
  onAlertRepeated,
  onAlertResolved,
} from '../../shared/app/incidents/engine';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = eventHandler(alertEventDetailSchema, async (event): Promise<void> => {
  const { alert } = event.detail;
  const now = new Date();
  switch (event['detail-type']) {
    case ALERT_DETAIL_TYPES.opened: {
      const r = await onAlertOpened(alert, now);
      logger.info('alert placed', { alertId: alert.id, ...r });
      return;
    }
    case ALERT_DETAIL_TYPES.repeated: {
      const r = await onAlertRepeated(alert, now);
      if (r.kind !== 'duplicate') logger.info('alert repeated', { alertId: alert.id, ...r });
      return;
    }
    case ALERT_DETAIL_TYPES.resolved: {
      const r = await onAlertResolved(alert, now);
      logger.info('alert resolved', { alertId: alert.id, ...r });
      return;
    }
    case ALERT_DETAIL_TYPES.acknowledged:
      await onAlertAcknowledged(alert, now);
      return;
    default:
      return;
  }
});

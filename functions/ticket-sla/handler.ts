// Lambda entry for SLA timer upkeep (see infra/catalog.ts: "ticket-sla"): every committed ticket
// change that moves an SLA clock or the status arrives here from the bus, and the ticket's
// durable timers are synced to the committed ticket (read again, so the order of events does
// not matter). The timers themselves run in the timer sweeper.
import type { EventBridgeEvent } from 'aws-lambda';
import { logger } from '../../shared/observability/logger';
import { getTicket } from '../../shared/store/tickets';
import { syncTicketTimers } from '../../shared/app/tickets/timers';

export const handler = async (event: EventBridgeEvent<string, { ticket?: { id?: string } }>): Promise<{ scheduled: number; cancelled: number }> => {
  // A warning only marks its clock: the warning timer is the one completing, nothing else moves.
  if (event['detail-type'] === 'Ticket SLA Warning') return { scheduled: 0, cancelled: 0 };
  const id = event.detail?.ticket?.id;
  if (!id) {
    logger.warn('ticket event without a ticket id; ignored', { detailType: event['detail-type'] });
    return { scheduled: 0, cancelled: 0 };
  }
  const t = await getTicket(id);
  if (!t) return { scheduled: 0, cancelled: 0 };
  return syncTicketTimers(t);
};

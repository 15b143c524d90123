// Lambda entry for SLA timer upkeep (see infra/catalog.ts: "ticket-sla"): every committed ticket
// change that moves an SLA clock or the status arrives here from the bus, and the ticket's
// durable timers are synced to the committed ticket (read again, so the order of events does
// not matter). The timers themselves run in the timer sweeper.
import { TICKET_DETAIL_TYPES, ticketRefDetailSchema } from '../../events/tickets';
import { eventHandler } from '../../shared/http/event-handler';
import { getTicket } from '../../shared/store/tickets';
import { syncTicketTimers } from '../../shared/app/tickets/timers';

export const handler = eventHandler(
  ticketRefDetailSchema,
  async (event): Promise<{ scheduled: number; cancelled: number }> => {
    // A warning only marks its clock: the warning timer is the one completing, nothing else moves.
    if (event['detail-type'] === TICKET_DETAIL_TYPES['sla-warning']) return { scheduled: 0, cancelled: 0 };
    const t = await getTicket(event.detail.ticket.id);
    if (!t) return { scheduled: 0, cancelled: 0 };
    return syncTicketTimers(t);
  },
);

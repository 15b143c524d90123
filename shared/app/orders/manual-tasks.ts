// Manual steps as tickets (the ticketing that functions/workflow-tasks uses): the ticket carries
// the step's task token; resolving it answers the token (ticket-workflow-callback), "rejected"
// fails it. One token opens at most one ticket, so a retried step finds the ticket it opened.
import { openTicket } from '../tickets/commands';
import { DuplicateMessageError, getTicket, ticketByDedupeKey } from '../../store/tickets';
import type { ManualTasks } from './ports';

export const MANUAL_TASK_CATEGORY = 'provisioning-task';

export const ticketManualTasks: ManualTasks = {
  async open(t) {
    const dedupeKey = `task-token:${t.taskToken}`;
    try {
      const ticket = await openTicket({
        input: {
          subject: t.subject,
          description: t.description,
          categoryId: MANUAL_TASK_CATEGORY,
          fields: { accountId: String(t.fields.customerId ?? '') },
          watchers: [],
          links: [
            ...(t.executionArn ? [{ kind: 'execution' as const, ref: t.executionArn, title: t.stateName }] : []),
            ...(t.fields.customerId ? [{ kind: 'account' as const, ref: String(t.fields.customerId), title: `order ${t.orderId}` }] : []),
          ],
        },
        requester: { email: 'orders@nocturne.local', name: 'Product orders' },
        source: 'workflow',
        actor: { type: 'workflow', id: `order:${t.orderId}`, name: t.stateName },
        now: new Date(),
        workflow: { taskToken: t.taskToken, executionArn: t.executionArn, stateName: t.stateName, callback: 'pending' },
        extras: { dedupeKey },
      });
      return { ticketId: ticket.id, number: ticket.number };
    } catch (err) {
      if (!(err instanceof DuplicateMessageError)) throw err;
      const id = err.ticketId ?? (await ticketByDedupeKey(dedupeKey));
      const ticket = id ? await getTicket(id) : undefined;
      if (!ticket) throw err;
      return { ticketId: ticket.id, number: ticket.number };
    }
  },
};

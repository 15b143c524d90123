// Lambda entry for workflow callbacks (see infra/catalog.ts: "ticket-workflow-callback"): when a
// workflow task ticket's resolution is committed, answer its Step Functions task token: task
// success with the ticket's outcome fields, or task failure when it was rejected. Driven by the
// committed change (outbox → bus → here), read again from the table, marked once sent; a failed
// send throws, so the event is retried and finally dead-lettered.
import { ticketRefDetailSchema } from '../../events/tickets';
import { taskCallbacks, TaskTokenGoneError } from '../../shared/adapters/stepfunctions';
import type { Ticket } from '../../shared/domain/tickets/ticket';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { recordCallback } from '../../shared/app/tickets/commands';
import { getTicket } from '../../shared/store/tickets';

/** The task output: who, how and the outcome fields the workflow asked for. */
export function taskOutput(t: Ticket): Record<string, unknown> {
  const keys = t.workflow?.outputFields;
  const fields = keys ? Object.fromEntries(Object.entries(t.fields).filter(([k]) => keys.includes(k))) : t.fields;
  return {
    ticketId: t.id,
    number: t.number,
    status: t.status,
    resolution: t.resolution,
    resolvedAt: t.resolvedAt,
    resolvedBy: t.lastChange.actor.name ?? t.lastChange.actor.id,
    fields,
  };
}

export const handler = eventHandler(ticketRefDetailSchema, async (event): Promise<string> => {
  const t = await getTicket(event.detail.ticket.id);
  if (!t?.workflow) return 'not a workflow task';
  if (t.workflow.callback !== 'pending') return `already ${t.workflow.callback}`;
  if (t.status !== 'resolved') return `ticket is ${t.status}`;
  const rejected = t.resolution?.code === 'rejected';
  try {
    if (rejected)
      await taskCallbacks().failure(
        t.workflow.taskToken,
        'TicketRejected',
        JSON.stringify({ ticketId: t.id, number: t.number, note: t.resolution?.note, fields: taskOutput(t).fields }),
      );
    else await taskCallbacks().success(t.workflow.taskToken, taskOutput(t));
  } catch (err) {
    if (!(err instanceof TaskTokenGoneError)) throw err;
    logger.warn('workflow task token no longer waits; callback dropped', { ticketId: t.id, error: err.message });
    await recordCallback(t.id, 'expired', new Date());
    return 'expired';
  }
  await recordCallback(t.id, rejected ? 'failure' : 'success', new Date());
  logger.info('workflow task answered', { ticketId: t.id, number: t.number, kind: rejected ? 'failure' : 'success' });
  return rejected ? 'failure' : 'success';
});

// A workflow's manual step as a ticket carrying its Step Functions task token. One token opens at
// most one ticket: a retry answers with the ticket it opened. Used by functions/workflow-tasks
// (HTTP and direct Task invoke) and by the `manual` provisioning driver.
import type { WorkflowTaskInput } from '../../domain/tickets/requests';
import type { Ticket } from '../../domain/tickets/ticket';
import { openTicket } from './commands';
import { DuplicateMessageError, getTicket, ticketByDedupeKey } from '../../store/tickets';

const WORKFLOW_REQUESTER = 'workflows@nocturne.local';

export async function openWorkflowTask(
  input: WorkflowTaskInput,
  now: Date,
  actorId: string,
): Promise<{ ticket: Ticket; created: boolean }> {
  const links = [...input.links];
  if (input.executionArn && !links.some((l) => l.kind === 'execution'))
    links.push({ kind: 'execution', ref: input.executionArn, title: input.stateName });
  try {
    const ticket = await openTicket({
      input: {
        subject: input.subject,
        description: input.description,
        categoryId: input.categoryId,
        fields: input.fields,
        requester: input.requester,
        priority: input.priority,
        queueId: input.queueId,
        watchers: [],
        links,
      },
      requester: input.requester ?? { email: WORKFLOW_REQUESTER, name: 'Workflows' },
      source: 'workflow',
      actor: { type: 'workflow', id: actorId, name: input.stateName ?? 'workflow' },
      now,
      workflow: {
        taskToken: input.taskToken,
        executionArn: input.executionArn,
        stateName: input.stateName,
        outputFields: input.outputFields,
        callback: 'pending',
      },
      extras: { dedupeKey: `task-token:${input.taskToken}` },
    });
    return { ticket, created: true };
  } catch (err) {
    if (!(err instanceof DuplicateMessageError)) throw err;
    const id = err.ticketId ?? (await ticketByDedupeKey(`task-token:${input.taskToken}`));
    const ticket = id ? await getTicket(id) : undefined;
    if (!ticket) throw err;
    return { ticket, created: false };
  }
}

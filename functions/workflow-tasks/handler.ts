// Lambda entry for workflow tasks (see infra/catalog.ts: "workflow-tasks"): a workflow's manual
// step becomes a ticket carrying the Step Functions task token. Two ways in, one behaviour:
// POST /workflow-tasks (ops API), or a direct invocation from a state machine Task
// (`arn:aws:states:::lambda:invoke.waitForTaskToken` with the token in the payload). One token
// opens at most one ticket; a retry answers with the ticket it opened.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ValidationError } from '../../shared/domain/errors';
import { workflowTaskSchema, type WorkflowTaskInput } from '../../shared/domain/tickets/requests';
import { ticketView, type Ticket } from '../../shared/domain/tickets/ticket';
import { httpApi, json, parseBody } from '../../shared/http/api';
import { logger } from '../../shared/observability/logger';
import { openTicket } from '../../shared/app/tickets/commands';
import { DuplicateMessageError, getTicket, ticketByDedupeKey } from '../../shared/store/tickets';

const WORKFLOW_REQUESTER = 'workflows@nocturne.local';

async function createTask(input: WorkflowTaskInput, now: Date, actorId: string): Promise<{ ticket: Ticket; created: boolean }> {
  const links = [...input.links];
  if (input.executionArn && !links.some((l) => l.kind === 'execution')) links.push({ kind: 'execution', ref: input.executionArn, title: input.stateName });
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
      workflow: { taskToken: input.taskToken, executionArn: input.executionArn, stateName: input.stateName, outputFields: input.outputFields, callback: 'pending' },
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

const http = httpApi({
  'POST /workflow-tasks': {
    role: 'admin',
    handler: async (req) => {
      const input = parseBody(req, workflowTaskSchema);
      const { ticket, created } = await createTask(input, req.now, req.principal!.id);
      return json(created ? 201 : 200, ticketView(ticket, { kind: 'agent', id: req.principal!.id }), { location: `/tickets/${ticket.id}` });
    },
  },
});

/** What a state machine Task gets back when it invokes the function directly. */
export interface TaskAccepted {
  ticketId: string;
  number: number;
  created: boolean;
}

export const handler = async (event: APIGatewayProxyEventV2 | Record<string, unknown>, context: Context): Promise<unknown> => {
  if ('routeKey' in event && 'requestContext' in event) return http(event as APIGatewayProxyEventV2, context);
  const r = workflowTaskSchema.safeParse(event);
  if (!r.success) {
    // Not retryable: the state machine's Catch should route this (States.TaskFailed with this name).
    const err = ValidationError.fromZod('The workflow task input is not valid.', r.error);
    logger.error('workflow task rejected', { issues: err.issues });
    throw err;
  }
  const { ticket, created } = await createTask(r.data, new Date(), context?.invokedFunctionArn ?? 'state-machine');
  return { ticketId: ticket.id, number: ticket.number, created } satisfies TaskAccepted;
};

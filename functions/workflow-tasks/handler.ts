// Lambda entry for workflow tasks (see infra/catalog.ts: "workflow-tasks"): a workflow's manual
// step becomes a ticket carrying the Step Functions task token. Two ways in, one behaviour:
// POST /workflow-tasks (ops API), or a direct invocation from a state machine Task
// (`arn:aws:states:::lambda:invoke.waitForTaskToken` with the token in the payload). One token
// opens at most one ticket; a retry answers with the ticket it opened.
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ValidationError } from '../../shared/domain/errors';
import { openWorkflowTask } from '../../shared/app/tickets/workflow-task';
import { workflowTaskSchema } from '../../shared/domain/tickets/requests';
import { ticketView } from '../../shared/domain/tickets/ticket';
import { workflowTaskOperations } from '../../shared/api/operations/tickets';
import { httpApi, json } from '../../shared/http/idempotent-api';
import { logger } from '../../shared/observability/logger';
import { lambdaHandler } from '../../shared/http/event-handler';

const http = httpApi(workflowTaskOperations, {
  'POST /workflow-tasks': async (req) => {
    const { ticket, created } = await openWorkflowTask(req.input.body, req.now, req.principal!.id);
    return json(created ? 201 : 200, ticketView(ticket, { kind: 'agent', id: req.principal!.id }), {
      location: `/tickets/${ticket.id}`,
    });
  },
});

/** What a state machine Task gets back when it invokes the function directly. */
export interface TaskAccepted {
  ticketId: string;
  number: number;
  created: boolean;
}

export const handler = lambdaHandler(
  async (event: APIGatewayProxyEventV2 | Record<string, unknown>, context: Context): Promise<unknown> => {
    if ('routeKey' in event && 'requestContext' in event) return http(event as APIGatewayProxyEventV2, context);
    const r = workflowTaskSchema.safeParse(event);
    if (!r.success) {
      // Not retryable: the state machine's Catch should route this (States.TaskFailed with this name).
      const err = ValidationError.fromZod('The workflow task input is not valid.', r.error);
      logger.error('workflow task rejected', { issues: err.issues });
      throw err;
    }
    const { ticket, created } = await openWorkflowTask(
      r.data,
      new Date(),
      context?.invokedFunctionArn ?? 'state-machine',
    );
    return { ticketId: ticket.id, number: ticket.number, created } satisfies TaskAccepted;
  },
);

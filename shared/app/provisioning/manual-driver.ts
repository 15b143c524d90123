// The `manual` driver: a step no system can do opens a ticket in the feature's queue carrying the
// Step Functions task token (the saga's Task is .waitForTaskToken), linked to the customer; the
// execution waits until the ticket is resolved (ticket-workflow-callback answers the token).
// One token → at most one ticket, so a retried call opens nothing twice.
// The ticket commands (with luxon for business hours) are loaded when a manual step first runs, not
// at the cold start of every function that wires the drivers (issue 15, decision 0011).
import type {
  DriverOperation,
  DriverRequest,
  DriverResult,
  ProvisioningDriver,
} from '../../domain/provisioning/driver';
import { PermanentDriverError } from '../../domain/provisioning/driver';
import { linkTicketToCustomer } from '../../store/customers';

const VERBS: Record<DriverOperation, string> = {
  provision: 'Enable',
  modify: 'Change',
  suspend: 'Suspend',
  resume: 'Resume',
  deprovision: 'Remove',
  verify: 'Check',
};

export class ManualDriver implements ProvisioningDriver {
  readonly name = 'manual' as const;

  private async open(operation: DriverOperation, req: DriverRequest): Promise<DriverResult> {
    if (!req.taskToken)
      throw new PermanentDriverError(
        `manual ${operation}: no task token (call it from a .waitForTaskToken Task)`,
        'manual',
        operation,
        'NO_TASK_TOKEN',
      );
    const queueId = typeof req.config?.queueId === 'string' ? req.config.queueId : undefined;
    const categoryId = typeof req.config?.categoryId === 'string' ? req.config.categoryId : undefined;
    const { openWorkflowTask } = await import('../tickets/workflow-task');
    const { ticket } = await openWorkflowTask(
      {
        taskToken: req.taskToken,
        categoryId: categoryId ?? 'provisioning-task',
        subject: `${VERBS[operation]} ${req.featureId} for customer ${req.customerId}`,
        description: [
          `Operation: ${operation}`,
          `Customer: ${req.customerId}`,
          `Subscription: ${req.subscriptionId}`,
          `Service: ${req.serviceId}${req.externalId ? ` (external id ${req.externalId})` : ''}`,
          'Resolve the ticket when done; reject it if it cannot be done (the order is then rolled back).',
        ].join('\n'),
        fields: {},
        queueId,
        executionArn: req.executionArn,
        stateName: req.stateName,
        links: [{ kind: 'account', ref: req.customerId, title: `customer ${req.customerId}` }],
      },
      req.now,
      req.executionArn ?? 'provisioning',
    );
    await linkTicketToCustomer(req.customerId, ticket.id, req.now.toISOString());
    return { status: 'pending', ticketId: ticket.id, externalId: req.externalId };
  }

  provision = (req: DriverRequest) => this.open('provision', req);
  modify = (req: DriverRequest) => this.open('modify', req);
  suspend = (req: DriverRequest) => this.open('suspend', req);
  resume = (req: DriverRequest) => this.open('resume', req);
  deprovision = (req: DriverRequest) => this.open('deprovision', req);
  verify = (req: DriverRequest) => this.open('verify', req);
}

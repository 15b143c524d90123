// Order sagas as Step Functions executions: start (idempotent by name), describe, history, redrive
// and failing a waiting task token. The same @aws-sdk/client-sfn calls in AWS and in the local
// runtime (which serves the Step Functions API); the machine ARN comes from STATE_MACHINE_ARN_<NAME>,
// set by each runtime for the functions the catalog lets start it. Tests swap in their own.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  type HistoryEvent as SfnHistoryEvent,
} from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '../domain/orders/saga';
import { sfnClient } from './stepfunctions';

export interface ExecutionStatus {
  arn: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  error?: string;
  cause?: string;
  /** The execution's output (JSON text) once it succeeded. */
  output?: string;
  startDate?: string;
  stopDate?: string;
}

export interface OrderExecutions {
  /** Start (or find, when one with this name runs the same input) the execution; returns its ARN. */
  start(machine: string, name: string, input: unknown): Promise<string>;
  describe(arn: string): Promise<ExecutionStatus | undefined>;
  history(arn: string): Promise<HistoryEvent[]>;
  redrive(arn: string): Promise<void>;
  failTask(taskToken: string, error: string, cause: string): Promise<void>;
  /** Answer a waiting task token with an output (no-op when the task no longer waits). */
  succeedTask(taskToken: string, output: unknown): Promise<void>;
}

/** The task is no longer waiting (answered, timed out): nothing to answer. */
const goneTask = (err: unknown) =>
  ['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken'].includes((err as { name?: string }).name ?? '');

/** `order-new-customer` → STATE_MACHINE_ARN_ORDER_NEW_CUSTOMER. */
export function stateMachineArnEnv(machine: string): string {
  return `STATE_MACHINE_ARN_${machine.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function stateMachineArn(machine: string): string {
  const v = process.env[stateMachineArnEnv(machine)];
  if (!v)
    throw new Error(`${stateMachineArnEnv(machine)} is not set: the catalog must let this function start ${machine}`);
  return v;
}

/** ARN of a named execution of a machine (AWS builds it this way). */
export function executionArnOf(machineArn: string, name: string): string {
  return `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export class SfnOrderExecutions implements OrderExecutions {
  // The shared client (sfnClient): its endpoint follows AWS_ENDPOINT_URL_SFN (a restarted local
  // runtime serves the Step Functions API on a new port) and, in the local runtime, it carries the
  // catalog's grant checks, as IAM does in AWS. Tests may pass their own.
  constructor(private readonly make: () => SFNClient = sfnClient) {}

  private get client(): SFNClient {
    return this.make();
  }

  async start(machine: string, name: string, input: unknown): Promise<string> {
    const arn = stateMachineArn(machine);
    try {
      const r = await this.client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }),
      );
      return r.executionArn!;
    } catch (err) {
      // Same name, other input: the execution exists (a retried create after the order changed).
      if ((err as { name?: string }).name === 'ExecutionAlreadyExists') return executionArnOf(arn, name);
      throw err;
    }
  }

  async describe(arn: string): Promise<ExecutionStatus | undefined> {
    try {
      const r = await this.client.send(new DescribeExecutionCommand({ executionArn: arn }));
      return {
        arn,
        status: r.status ?? 'UNKNOWN',
        error: r.error,
        cause: r.cause,
        output: r.output,
        startDate: r.startDate?.toISOString(),
        stopDate: r.stopDate?.toISOString(),
      };
    } catch (err) {
      if ((err as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
      throw err;
    }
  }

  async history(arn: string): Promise<HistoryEvent[]> {
    const out: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const r = await this.client.send(
        new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000, nextToken }),
      );
      out.push(...((r.events ?? []) as Array<SfnHistoryEvent & HistoryEvent>));
      nextToken = r.nextToken;
    } while (nextToken && out.length < 10_000);
    return out;
  }

  async redrive(arn: string): Promise<void> {
    await this.client.send(new RedriveExecutionCommand({ executionArn: arn }));
  }

  async failTask(taskToken: string, error: string, cause: string): Promise<void> {
    try {
      await this.client.send(new SendTaskFailureCommand({ taskToken, error, cause: cause.slice(0, 32768) }));
    } catch (err) {
      if (goneTask(err)) return;
      throw err;
    }
  }

  async succeedTask(taskToken: string, output: unknown): Promise<void> {
    try {
      await this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (err) {
      if (goneTask(err)) return;
      throw err;
    }
  }
}

let executions: OrderExecutions | undefined;

export function orderExecutions(): OrderExecutions {
  executions ??= new SfnOrderExecutions();
  return executions;
}

export function setOrderExecutions(e: OrderExecutions | undefined): void {
  executions = e;
}

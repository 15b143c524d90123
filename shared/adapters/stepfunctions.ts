// Step Functions from handlers: one SFN client (sfnClient) for starting and reading executions, and
// answering task tokens (waitForTaskToken): a ticket that stands for a workflow's manual step sends
// task success or failure when it is resolved. The same SDK calls run in both runtimes: in AWS they
// reach Step Functions; in the local runtime (which sets AWS_ENDPOINT_URL_SFN) they reach its
// durable Step Functions emulator (infra/local/stepfunctions/). Tests swap the callbacks with
// setTaskCallbacks().
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';

let client: SFNClient | undefined;
let clientEndpoint: string | undefined;
let configure: (c: SFNClient) => void = () => {};

/** The Step Functions client every handler shares (the endpoint follows AWS_ENDPOINT_URL_SFN). */
export function sfnClient(): SFNClient {
  const endpoint = process.env.AWS_ENDPOINT_URL_SFN;
  if (!client || clientEndpoint !== endpoint) {
    client?.destroy();
    client = new SFNClient(endpoint ? { endpoint } : {});
    clientEndpoint = endpoint;
    configure(client);
  }
  return client;
}

/** The local runtime adds its grant checks (IAM, locally) to the shared client. */
export function configureSfnClient(fn: (c: SFNClient) => void): void {
  configure = fn;
  client?.destroy();
  client = undefined;
}

export interface TaskCallbacks {
  success(taskToken: string, output: Record<string, unknown>): Promise<void>;
  failure(taskToken: string, error: string, cause: string): Promise<void>;
}

/** The token is no longer waiting (answered, timed out, execution stopped): retrying cannot help. */
export class TaskTokenGoneError extends Error {
  override readonly name = 'TaskTokenGoneError';
}

const GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

export class SfnTaskCallbacks implements TaskCallbacks {
  constructor(private readonly client?: SFNClient) {}

  private async send(fn: (c: SFNClient) => Promise<unknown>): Promise<void> {
    try {
      await fn(this.client ?? sfnClient());
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (GONE.has(name)) throw new TaskTokenGoneError(`${name}: ${(err as Error).message}`);
      throw err;
    }
  }

  success(taskToken: string, output: Record<string, unknown>): Promise<void> {
    return this.send((c) => c.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  failure(taskToken: string, error: string, cause: string): Promise<void> {
    // Step Functions limits error to 256 and cause to 32768 characters.
    return this.send((c) =>
      c.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32768) })),
    );
  }

  heartbeat(taskToken: string): Promise<void> {
    return this.send((c) => c.send(new SendTaskHeartbeatCommand({ taskToken })));
  }
}

export interface RecordedCallback {
  at: string;
  kind: 'success' | 'failure';
  taskToken: string;
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
}

/** Records calls in memory (and, when given a file, as JSON lines) instead of calling Step Functions (tests). */
export class RecordingTaskCallbacks implements TaskCallbacks {
  readonly calls: RecordedCallback[] = [];
  constructor(private readonly file?: string) {}

  private record(c: RecordedCallback): void {
    this.calls.push(c);
    if (this.file) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      appendFileSync(this.file, `${JSON.stringify(c)}\n`);
    }
  }

  async success(taskToken: string, output: Record<string, unknown>): Promise<void> {
    this.record({ at: new Date().toISOString(), kind: 'success', taskToken, output });
  }

  async failure(taskToken: string, error: string, cause: string): Promise<void> {
    this.record({ at: new Date().toISOString(), kind: 'failure', taskToken, error, cause });
  }
}

let callbacks: TaskCallbacks | undefined;
let sdk: SfnTaskCallbacks | undefined;

export function taskCallbacks(): TaskCallbacks {
  if (callbacks) return callbacks;
  sdk ??= new SfnTaskCallbacks();
  return sdk;
}

export function setTaskCallbacks(c: TaskCallbacks | undefined): void {
  callbacks = c;
}

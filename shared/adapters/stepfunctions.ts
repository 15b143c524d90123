// Answering Step Functions task tokens (waitForTaskToken): a ticket that stands for a workflow's
// manual step sends task success or failure when it is resolved. In AWS it is SendTaskSuccess /
// SendTaskFailure; the local runtime (NOCTURNE_RUNTIME=local) records each call as one JSON line
// in $NOCTURNE_DATA_DIR/sfn-callbacks.jsonl, and tests swap in their own with setTaskCallbacks().
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';

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
  constructor(private readonly client = new SFNClient({})) {}

  private async send(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      const name = (err as { name?: string }).name ?? '';
      if (GONE.has(name)) throw new TaskTokenGoneError(`${name}: ${(err as Error).message}`);
      throw err;
    }
  }

  success(taskToken: string, output: Record<string, unknown>): Promise<void> {
    return this.send(() => this.client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) })));
  }

  failure(taskToken: string, error: string, cause: string): Promise<void> {
    // Step Functions limits error to 256 and cause to 32768 characters.
    return this.send(() => this.client.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32768) })));
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

/** Records calls in memory (and, when given a file, as JSON lines) instead of calling AWS. */
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
let aws: SfnTaskCallbacks | undefined;
const localFiles = new Map<string, RecordingTaskCallbacks>();

export function taskCallbacks(): TaskCallbacks {
  if (callbacks) return callbacks;
  // Chosen per call: a local runtime sets NOCTURNE_RUNTIME and its data dir while it runs.
  const dataDir = process.env.NOCTURNE_DATA_DIR;
  if (process.env.NOCTURNE_RUNTIME === 'local' && dataDir) {
    const file = path.join(dataDir, 'sfn-callbacks.jsonl');
    let local = localFiles.get(file);
    if (!local) localFiles.set(file, (local = new RecordingTaskCallbacks(file)));
    return local;
  }
  aws ??= new SfnTaskCallbacks();
  return aws;
}

export function setTaskCallbacks(c: TaskCallbacks | undefined): void {
  callbacks = c;
}

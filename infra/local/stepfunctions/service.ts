// The local Step Functions service: the catalog's state machines, their executions (durable
// journals under <dataDir>/stepfunctions/) and the API operations the project uses, with AWS's
// request and response shapes and error names. server.ts puts it on HTTP (AWS JSON 1.0) so
// handlers call it with @aws-sdk/client-sfn unchanged. On start it loads every journal and resumes
// the executions that were running (engine.ts replays them from their memoised steps).
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StateMachineDefinition } from '../../catalog';
import { bucketGrantFix, mayRead, mayWrite } from '../../catalog/bucket-access';
import { StatesError, type AslMachine, type Json } from './asl';
import type { MapS3 } from './distributed-map';
import { ExecutionRun, parseToken, TokenWaiters } from './engine';
import { ExecutionRecord, journalFile, loadJournals, type ExecutionStatus, type HistoryEvent } from './journal';

export const LOCAL_ACCOUNT = '000000000000';

/** An API error as AWS names it (the SDK throws an exception of that name). */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

export interface LocalMachine {
  decl: StateMachineDefinition;
  arn: string;
  definition: AslMachine;
  /** The definition text after substitution (DescribeStateMachine). */
  definitionText: string;
  /** Function ARN → catalog function: the only functions its role may invoke. */
  functions: Map<string, string>;
}

export interface StepFunctionsServiceOptions {
  machines: LocalMachine[];
  /** Journals live in <dataDir>/stepfunctions/. */
  dataDir: string;
  region: string;
  /** Calls a catalog function (the Lambda host). */
  invoke(functionName: string, payload: Json, source: string): Promise<Json>;
  log(line: string): void;
  /** Multiplies every duration a definition states (Wait, Retry, timeouts, heartbeats); default 1, tests use less. */
  timeScale?: number;
  /** The S3 API Distributed Maps read and write, and the catalog buckets (name → physical name) machines may be granted. */
  s3?: { client: S3Client; buckets: Map<string, string> };
}

export type ExecutionLine = {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  redriveCount?: number;
};

// AWS refuses whitespace, brackets, wildcards, these punctuation marks and control characters in names.
// eslint-disable-next-line no-control-regex
const NAME_RE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function localStateMachineArn(region: string, name: string): string {
  return `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

export class StepFunctionsService {
  private readonly machinesByArn: Map<string, LocalMachine>;
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly runs = new Map<string, ExecutionRun>();
  private readonly tokens = new TokenWaiters();
  private readonly dir: string;
  private stopped = false;

  constructor(private readonly opts: StepFunctionsServiceOptions) {
    this.machinesByArn = new Map(opts.machines.map((m) => [m.arn, m]));
    this.dir = path.join(opts.dataDir, 'stepfunctions');
  }

  get machines(): LocalMachine[] {
    return [...this.machinesByArn.values()];
  }

  /** Loads the journals and resumes every execution that was running when the runtime stopped. */
  start(): void {
    for (const rec of loadJournals(this.dir)) {
      // Started in this process before start() (e.g. by the demo seed): already running, not resumed twice.
      if (this.runs.has(rec.executionArn)) continue;
      this.executions.set(rec.executionArn, rec);
      if (rec.status !== 'RUNNING') continue;
      const machine = this.machinesByArn.get(rec.stateMachineArn);
      if (!machine) {
        this.opts.log(
          `[sfn] ${rec.machine}/${rec.name} is RUNNING but the catalog no longer declares ${rec.machine}: left as it is`,
        );
        continue;
      }
      for (const s of rec.submitted.values()) if (!rec.answers.has(s.token)) this.tokens.pending.add(s.token);
      this.opts.log(
        `[sfn] ${rec.machine}/${rec.name} RESUMED after restart (${rec.memo.size} completed step(s) replayed from the journal)`,
      );
      this.launch(rec, machine);
    }
  }

  /** Stops every run (executions stay RUNNING in their journals and resume on the next start). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    const runs = [...this.runs.values()];
    for (const r of runs) r.stop('shutdown');
    await Promise.all(runs.map((r) => r.done));
  }

  /** Resolves when no execution is running (tests). */
  async idle(): Promise<void> {
    while (this.runs.size) await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  private launch(rec: ExecutionRecord, machine: LocalMachine): void {
    const run = new ExecutionRun(
      rec,
      machine.definition,
      {
        region: this.opts.region,
        account: LOCAL_ACCOUNT,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/nocturne-local-${machine.decl.name}-role`,
        tokens: this.tokens,
        timeScale: this.opts.timeScale ?? 1,
        log: this.opts.log,
        invokeFunction: (r, arn, payload) => this.invokeFunction(machine, r, arn, payload),
        s3: this.mapS3(machine),
        onStatus: (r, status) => {
          const detail =
            status === 'SUCCEEDED' ? '' : ` ${r.error ?? ''}${r.cause ? `: ${r.cause.slice(0, 200)}` : ''}`;
          this.opts.log(`[sfn] ${r.machine}/${r.name} ${status}${detail}`);
        },
      },
      machine.decl.timeoutSeconds,
    );
    this.runs.set(rec.executionArn, run);
    void run.done.then(() => {
      if (this.runs.get(rec.executionArn) === run) this.runs.delete(rec.executionArn);
    });
    run.start();
  }

  /** S3 for the machine's Distributed Maps: only the catalog buckets its `buckets` grants, as its role allows in AWS. */
  private mapS3(machine: LocalMachine): MapS3 | undefined {
    const s3 = this.opts.s3;
    if (!s3) return undefined;
    const byPhysical = new Map([...s3.buckets].map(([name, physical]) => [physical, name]));
    const check = (bucket: string, key: string, action: string, write: boolean) => {
      const name = byPhysical.get(bucket);
      const access = name ? machine.decl.buckets?.[name] : undefined;
      if (!(write ? mayWrite : mayRead)(access, key))
        throw new StatesError(
          'S3.AccessDeniedException',
          `the role of state machine ${machine.decl.name} may not ${action} on bucket ${bucket} ` +
            `(${action === 's3:ListBucket' ? 's3:prefix' : 'key'} ${key || '(none)'}): ` +
            `${bucketGrantFix(name ?? bucket, access, key, write)} on the machine in infra/catalog`,
        );
    };
    return {
      list: async (bucket, prefix) => {
        check(bucket, prefix ?? '', 's3:ListBucket', false);
        const out: Array<{ Key: string; Size: number; Etag: string; LastModified: number }> = [];
        let token: string | undefined;
        do {
          const page = await s3.client.send(
            new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
          );
          for (const o of page.Contents ?? [])
            out.push({
              Key: o.Key!,
              Size: o.Size ?? 0,
              Etag: o.ETag ?? '',
              LastModified: Math.floor((o.LastModified?.getTime() ?? 0) / 1000),
            });
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return out;
      },
      get: async (bucket, key) => {
        check(bucket, key, 's3:GetObject', false);
        const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await out.Body!.transformToByteArray());
      },
      put: async (bucket, key, body) => {
        check(bucket, key, 's3:PutObject', true);
        await s3.client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
        );
      },
    };
  }

  private async invokeFunction(machine: LocalMachine, rec: ExecutionRecord, arn: string, payload: Json): Promise<Json> {
    const unqualified = arn.replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):[^:]+$/, '$1');
    const fn = machine.functions.get(unqualified) ?? [...machine.functions.values()].find((f) => f === arn);
    if (!fn)
      throw new StatesError(
        'Lambda.AWSLambdaException',
        `AccessDeniedException: the role of state machine ${machine.decl.name} may not invoke ${arn}: ` +
          `declare the function in its substitutions (infra/catalog)`,
      );
    try {
      return await this.opts.invoke(fn, payload, `stepfunctions:${rec.machine}/${rec.name}`);
    } catch (err) {
      const e = err as Error;
      const name =
        e.name === 'LambdaTimeoutError'
          ? 'Sandbox.Timedout'
          : e.name === 'HandlerMissingError'
            ? 'Lambda.ResourceNotFoundException'
            : e.name || 'Error';
      throw new StatesError(
        name,
        JSON.stringify({ errorMessage: e.message, errorType: name, trace: (e.stack ?? '').split('\n').slice(0, 10) }),
      );
    }
  }

  private machine(arn: unknown): LocalMachine {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:'))
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const m = this.machinesByArn.get(arn);
    if (!m) throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return m;
  }

  private execution(arn: unknown): ExecutionRecord {
    if (typeof arn !== 'string' || !arn.startsWith('arn:aws:states:'))
      throw new SfnApiError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const rec = this.executions.get(arn);
    if (!rec) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return rec;
  }

  /** The machine an execution or token belongs to (grant checks). */
  machineNameOf(input: { stateMachineArn?: unknown; executionArn?: unknown; taskToken?: unknown }): string | undefined {
    if (typeof input.stateMachineArn === 'string') return this.machinesByArn.get(input.stateMachineArn)?.decl.name;
    if (typeof input.executionArn === 'string') return this.executions.get(input.executionArn)?.machine;
    if (typeof input.taskToken === 'string') return parseToken(input.taskToken)?.m;
    return undefined;
  }

  // ---- API operations (AWS JSON 1.0 shapes) ----

  startExecution(input: { stateMachineArn?: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: number;
  } {
    if (this.stopped) throw new SfnApiError('ServiceUnavailable', 'The local runtime is stopping');
    const machine = this.machine(input.stateMachineArn);
    const name = input.name ?? randomUUID();
    if (!NAME_RE.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}'`);
    const text = input.input ?? '{}';
    try {
      JSON.parse(text);
    } catch {
      throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text.slice(0, 200)}'`);
    }
    const executionArn = machine.arn.replace(':stateMachine:', ':execution:') + `:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // As AWS (STANDARD): the same name and input while running is the same execution.
      if (existing.status === 'RUNNING' && existing.input === text)
        return { executionArn, startDate: existing.startDate / 1000 };
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const file = journalFile(this.dir, machine.decl.name, name);
    if (existsSync(file))
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    const rec = ExecutionRecord.create(file, {
      executionArn,
      stateMachineArn: machine.arn,
      machine: machine.decl.name,
      name,
      input: text,
      startDate: Date.now(),
    });
    this.executions.set(executionArn, rec);
    this.opts.log(`[sfn] ${rec.machine}/${name} RUNNING`);
    this.launch(rec, machine);
    return { executionArn, startDate: rec.startDate / 1000 };
  }

  describeExecution(input: { executionArn?: string }): Record<string, unknown> {
    const rec = this.execution(input.executionArn);
    return {
      executionArn: rec.executionArn,
      stateMachineArn: rec.stateMachineArn,
      name: rec.name,
      status: rec.status,
      startDate: seconds(rec.startDate),
      stopDate: seconds(rec.stopDate),
      input: rec.input,
      inputDetails: { included: true },
      output: rec.output,
      outputDetails: rec.output !== undefined ? { included: true } : undefined,
      error: rec.error,
      cause: rec.cause,
      redriveCount: rec.redriveCount,
      redriveDate: seconds(rec.redriveDate),
      redriveStatus: this.redrivable(rec) ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    };
  }

  getExecutionHistory(input: {
    executionArn?: string;
    maxResults?: number;
    nextToken?: string;
    reverseOrder?: boolean;
    includeExecutionData?: boolean;
  }): {
    events: Array<Record<string, unknown>>;
    nextToken?: string;
  } {
    const rec = this.execution(input.executionArn);
    const all = input.reverseOrder ? [...rec.events].reverse() : rec.events;
    const start = input.nextToken ? Number(input.nextToken) : 0;
    if (!Number.isInteger(start) || start < 0) throw new SfnApiError('InvalidToken', 'Invalid nextToken');
    const max = input.maxResults && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 1000;
    const page = all.slice(start, start + max).map((e: HistoryEvent) => ({ ...e, timestamp: e.timestamp / 1000 }));
    return { events: page, nextToken: start + max < all.length ? String(start + max) : undefined };
  }

  listExecutions(input: { stateMachineArn?: string; statusFilter?: string; maxResults?: number; nextToken?: string }): {
    executions: ExecutionLine[];
    nextToken?: string;
  } {
    const machine = this.machine(input.stateMachineArn);
    const all = [...this.executions.values()]
      .filter((r) => r.stateMachineArn === machine.arn && (!input.statusFilter || r.status === input.statusFilter))
      .sort((a, b) => b.startDate - a.startDate);
    const start = input.nextToken ? Number(input.nextToken) : 0;
    const max = input.maxResults && input.maxResults > 0 ? Math.min(input.maxResults, 1000) : 100;
    const page = all.slice(start, start + max).map((r) => ({
      executionArn: r.executionArn,
      stateMachineArn: r.stateMachineArn,
      name: r.name,
      status: r.status,
      startDate: r.startDate / 1000,
      stopDate: seconds(r.stopDate),
      redriveCount: r.redriveCount,
    }));
    return { executions: page, nextToken: start + max < all.length ? String(start + max) : undefined };
  }

  stopExecution(input: { executionArn?: string; error?: string; cause?: string }): { stopDate: number } {
    const rec = this.execution(input.executionArn);
    if (rec.status !== 'RUNNING') return { stopDate: (rec.stopDate ?? Date.now()) / 1000 };
    const now = Date.now();
    const last = rec.events.at(-1)?.id ?? 0;
    rec.addEvent(`exec|Aborted|r${rec.redriveCount}`, {
      id: rec.events.length + 1,
      previousEventId: last,
      timestamp: now,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: input.error, cause: input.cause },
    });
    rec.setStatus('ABORTED', now, { error: input.error, cause: input.cause });
    this.opts.log(`[sfn] ${rec.machine}/${rec.name} ABORTED${input.error ? ` ${input.error}` : ''}`);
    this.runs.get(rec.executionArn)?.stop('stopped');
    return { stopDate: now / 1000 };
  }

  private redrivable(rec: ExecutionRecord): boolean {
    return rec.status === 'FAILED' || rec.status === 'TIMED_OUT' || rec.status === 'ABORTED';
  }

  async redriveExecution(input: { executionArn?: string }): Promise<{ redriveDate: number }> {
    const rec = this.execution(input.executionArn);
    if (!this.redrivable(rec) || this.runs.has(rec.executionArn))
      throw new SfnApiError(
        'ExecutionNotRedrivable',
        `Execution is ${rec.status}: only FAILED, TIMED_OUT or ABORTED executions can be redriven`,
      );
    const machine = this.machine(rec.stateMachineArn);
    const now = Date.now();
    rec.redrive(rec.redriveCount + 1, now);
    this.opts.log(`[sfn] ${rec.machine}/${rec.name} RUNNING (redrive ${rec.redriveCount})`);
    this.launch(rec, machine);
    return { redriveDate: now / 1000 };
  }

  private waitingTask(token: unknown): ExecutionRecord {
    if (typeof token !== 'string' || !token) throw new SfnApiError('InvalidToken', 'Invalid Token: empty');
    const t = parseToken(token);
    if (!t) throw new SfnApiError('InvalidToken', `Invalid Token: '${token.slice(0, 64)}'`);
    const machine = this.machines.find((m) => m.decl.name === t.m);
    const rec = machine && this.executions.get(machine.arn.replace(':stateMachine:', ':execution:') + `:${t.n}`);
    const known = rec && (this.tokens.pending.has(token) || [...rec.submitted.values()].some((s) => s.token === token));
    if (!rec || !known) throw new SfnApiError('TaskDoesNotExist', 'Task Does Not Exist');
    if (rec.status !== 'RUNNING' || rec.answers.has(token)) throw new SfnApiError('TaskTimedOut', 'Task Timed Out');
    return rec;
  }

  sendTaskSuccess(input: { taskToken?: string; output?: string }): Record<string, never> {
    let output: Json;
    try {
      output = JSON.parse(input.output ?? '');
    } catch {
      throw new SfnApiError('InvalidOutput', 'Invalid Output: not JSON');
    }
    const rec = this.waitingTask(input.taskToken);
    rec.answer(input.taskToken!, { ok: output });
    this.tokens.notify(input.taskToken!);
    return {};
  }

  sendTaskFailure(input: { taskToken?: string; error?: string; cause?: string }): Record<string, never> {
    const rec = this.waitingTask(input.taskToken);
    rec.answer(input.taskToken!, { error: input.error ?? '', cause: input.cause ?? '' });
    this.tokens.notify(input.taskToken!);
    return {};
  }

  sendTaskHeartbeat(input: { taskToken?: string }): Record<string, never> {
    const rec = this.waitingTask(input.taskToken);
    rec.heartbeat(input.taskToken!, Date.now());
    this.tokens.notify(input.taskToken!);
    return {};
  }

  describeStateMachine(input: { stateMachineArn?: string }): Record<string, unknown> {
    const m = this.machine(input.stateMachineArn);
    return {
      stateMachineArn: m.arn,
      name: m.decl.name,
      status: 'ACTIVE',
      definition: m.definitionText,
      roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/nocturne-local-${m.decl.name}-role`,
      type: m.decl.type,
      creationDate: 0,
      description: m.decl.description,
    };
  }

  listStateMachines(): { stateMachines: Array<Record<string, unknown>> } {
    return {
      stateMachines: this.machines.map((m) => ({
        stateMachineArn: m.arn,
        name: m.decl.name,
        type: m.decl.type,
        creationDate: 0,
      })),
    };
  }

  /** Dispatches one API operation by name (the X-Amz-Target suffix). */
  async call(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(input);
      case 'DescribeExecution':
        return this.describeExecution(input);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input);
      case 'ListExecutions':
        return this.listExecutions(input);
      case 'StopExecution':
        return this.stopExecution(input);
      case 'RedriveExecution':
        return this.redriveExecution(input);
      case 'SendTaskSuccess':
        return this.sendTaskSuccess(input);
      case 'SendTaskFailure':
        return this.sendTaskFailure(input);
      case 'SendTaskHeartbeat':
        return this.sendTaskHeartbeat(input);
      case 'DescribeStateMachine':
        return this.describeStateMachine(input);
      case 'ListStateMachines':
        return this.listStateMachines();
      default:
        throw new SfnApiError(
          'UnknownOperationException',
          `The local runtime does not serve AWSStepFunctions.${operation}`,
        );
    }
  }
}

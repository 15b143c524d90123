// The local Step Functions interpreter: runs one execution of an ASL (JSONPath) definition to its
// end, writing AWS's history events, and is built to be replayed. Every step has a deterministic
// key (its path through Parallel branches and Map iterations, its state name and how many times the
// state was entered in that scope); a Task, Map or Parallel that completed (or whose error a Catch
// took) is memoised under that key in the execution's journal, so running the execution again from
// its input (after a restart, or a redrive) returns completed steps at once and carries on where it
// stopped. A history event already in the journal is not written twice; Wait deadlines and submitted
// task tokens (with their timeout and heartbeat deadlines) are durable too. Data processing (paths,
// templates, intrinsic functions, Choice rules) is asl.ts, partly delegated to aws-local-stepfunctions.
import {
  applyTemplate,
  choose,
  errorMatches,
  evaluate,
  inputPath,
  outputPath,
  resultPath,
  StatesError,
  type AslMachine,
  type AslState,
  type Json,
} from './asl';
import {
  batchItems,
  exceedsTolerance,
  GET_OBJECT,
  LIST_OBJECTS,
  mapRunId,
  parseItems,
  PUT_OBJECT,
  resultFiles,
  type ChildOutcome,
  type MapS3,
  type ReaderConfig,
} from './distributed-map';
import type { ExecutionRecord, ExecutionStatus, SubmittedToken, TokenAnswer } from './journal';

/** Thrown inside an execution that was stopped, timed out or shut down: not a States error, never caught. */
export class ExecutionAbortedSignal extends Error {
  override readonly name = 'ExecutionAbortedSignal';
}

export type StopReason = 'stopped' | 'timedOut' | 'shutdown' | 'cancelled';

export interface EngineDeps {
  region: string;
  account: string;
  roleArn: string;
  /** Calls the catalog function behind a Lambda ARN with the payload; function errors as StatesError. */
  invokeFunction(rec: ExecutionRecord, functionArn: string, payload: Json): Promise<Json>;
  tokens: TokenWaiters;
  log(line: string): void;
  /** Called after the execution's status changed (RUNNING → an end state). */
  onStatus(rec: ExecutionRecord, status: ExecutionStatus): void;
  /** Multiplies every duration the definition states (Wait, Retry intervals, timeouts, heartbeats); tests use < 1. */
  timeScale: number;
  /** S3 for Distributed Maps (ItemReader, ResultWriter), with the machine's bucket grants; absent: no S3. */
  s3?: MapS3;
}

interface Scope {
  prefix: string;
  occ: Map<string, number>;
  signal: AbortSignal;
  lastId: number;
  /** Inside a Distributed Map's child workflow: its steps are journaled, but not in the parent's history (as in AWS). */
  quiet?: boolean;
}

/** Who waits on which task token; answers and heartbeats wake the waiter. */
export class TokenWaiters {
  /** Tokens handed to a task that has not answered yet (in memory; submitted ones are in the journals). */
  readonly pending = new Set<string>();
  private readonly waiters = new Map<string, Set<() => void>>();

  notify(token: string): void {
    for (const wake of this.waiters.get(token) ?? []) wake();
  }

  /** Resolves on notify(token) or after ms; rejects when the signal aborts. */
  wait(token: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new ExecutionAbortedSignal('aborted'));
      let set = this.waiters.get(token);
      if (!set) this.waiters.set(token, (set = new Set()));
      const cleanup = () => {
        clearTimeout(timer);
        set!.delete(done);
        if (!set!.size) this.waiters.delete(token);
        signal.removeEventListener('abort', aborted);
      };
      const done = () => {
        cleanup();
        resolve();
      };
      const aborted = () => {
        cleanup();
        reject(new ExecutionAbortedSignal('aborted'));
      };
      const timer = Number.isFinite(ms) ? setTimeout(done, Math.max(0, Math.min(ms, 2 ** 31 - 1))) : undefined;
      set.add(done);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new ExecutionAbortedSignal('aborted'));
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', aborted);
        resolve();
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    const aborted = () => {
      clearTimeout(timer);
      reject(new ExecutionAbortedSignal('aborted'));
    };
    signal.addEventListener('abort', aborted, { once: true });
  });
}

function race<T>(p: Promise<T>, signal: AbortSignal, timeoutMs?: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', aborted);
    };
    const aborted = () => {
      cleanup();
      reject(new ExecutionAbortedSignal('aborted'));
    };
    if (signal.aborted) return aborted();
    signal.addEventListener('abort', aborted, { once: true });
    if (timeoutMs !== undefined)
      timer = setTimeout(
        () => {
          cleanup();
          reject(new StatesError('States.Timeout', `Task timed out after ${timeoutMs / 1000} seconds`));
        },
        Math.max(0, Math.min(timeoutMs, 2 ** 31 - 1)),
      );
    p.then(
      (v) => {
        cleanup();
        resolve(v);
      },
      (e: unknown) => {
        cleanup();
        reject(e);
      },
    );
  });
}

/** A task token: opaque to callers, it names the execution and the attempt of the step that waits. */
export function makeToken(rec: ExecutionRecord, attemptId: string): string {
  return Buffer.from(JSON.stringify({ m: rec.machine, n: rec.name, a: attemptId })).toString('base64url');
}

export function parseToken(token: string): { m: string; n: string; a: string } | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { m?: unknown; n?: unknown; a?: unknown };
    if (typeof t.m === 'string' && typeof t.n === 'string' && typeof t.a === 'string')
      return { m: t.m, n: t.n, a: t.a };
  } catch {
    /* not one of ours */
  }
  return undefined;
}

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class ExecutionRun {
  private readonly controller = new AbortController();
  private reason?: StopReason;
  readonly done: Promise<void>;
  private startDone!: () => void;

  constructor(
    readonly rec: ExecutionRecord,
    private readonly def: AslMachine,
    private readonly deps: EngineDeps,
    private readonly machineTimeoutSeconds?: number,
  ) {
    this.done = new Promise((resolve) => (this.startDone = resolve));
  }

  /** Ends the run at the next step boundary (stop, timeout, runtime shutdown). */
  stop(reason: StopReason): void {
    this.reason ??= reason;
    this.controller.abort();
  }

  start(): void {
    void this.run().finally(() => this.startDone());
  }

  private async run(): Promise<void> {
    const rec = this.rec;
    const top: Scope = {
      prefix: '',
      occ: new Map(),
      signal: this.controller.signal,
      lastId: rec.events.at(-1)?.id ?? 0,
    };
    this.emit(top, 'exec|Started', 'ExecutionStarted', {
      executionStartedEventDetails: {
        input: rec.input,
        inputDetails: { truncated: false },
        roleArn: this.deps.roleArn,
      },
    });
    if (rec.redriveCount > 0)
      this.emit(top, `exec|Redriven|r${rec.redriveCount}`, 'ExecutionRedriven', {
        executionRedrivenEventDetails: { redriveCount: rec.redriveCount },
      });
    const timeoutSeconds = this.def.TimeoutSeconds ?? this.machineTimeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    if (timeoutSeconds) {
      const deadline = (rec.redriveDate ?? rec.startDate) + timeoutSeconds * 1000 * this.deps.timeScale;
      timer = setTimeout(() => this.stop('timedOut'), Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)));
    }
    const r = rec.redriveCount;
    try {
      const output = await this.runMachine(this.def, JSON.parse(rec.input) as Json, top);
      if (this.reason) throw new ExecutionAbortedSignal(this.reason);
      const text = JSON.stringify(output ?? null);
      this.emit(top, `exec|Succeeded|r${r}`, 'ExecutionSucceeded', {
        executionSucceededEventDetails: { output: text, outputDetails: { truncated: false } },
      });
      this.finish('SUCCEEDED', { output: text });
    } catch (err) {
      if (this.reason === 'timedOut') {
        const cause = `The execution ran longer than its TimeoutSeconds (${timeoutSeconds} s)`;
        this.emit(top, `exec|TimedOut|r${r}`, 'ExecutionTimedOut', {
          executionTimedOutEventDetails: { error: 'States.Timeout', cause },
        });
        this.finish('TIMED_OUT', { error: 'States.Timeout', cause });
      } else if (this.reason) {
        // stopped: the service wrote ABORTED; shutdown/cancelled: the execution stays RUNNING in its journal.
      } else {
        const e =
          err instanceof StatesError ? err : new StatesError('States.Runtime', (err as Error).message ?? String(err));
        this.emit(top, `exec|Failed|r${r}`, 'ExecutionFailed', {
          executionFailedEventDetails: { error: e.error, cause: e.causeText },
        });
        this.finish('FAILED', { error: e.error, cause: e.causeText });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private finish(status: ExecutionStatus, detail: { output?: string; error?: string; cause?: string }): void {
    if (this.rec.status !== 'RUNNING') return;
    this.rec.setStatus(status, Date.now(), detail);
    this.deps.onStatus(this.rec, status);
  }

  /** Appends a history event unless the journal already has it (replay). */
  emit(scope: Scope, lkey: string, type: string, details: Record<string, unknown>): void {
    if (scope.quiet) return;
    const existing = this.rec.lkeys.get(lkey);
    if (existing !== undefined) {
      scope.lastId = existing;
      return;
    }
    const id = this.rec.events.length + 1;
    this.rec.addEvent(lkey, { id, previousEventId: scope.lastId, timestamp: Date.now(), type, ...details });
    scope.lastId = id;
  }

  /**
   * The execution's input as the context object shows it ($$.Execution.Input): parsed once per run,
   * not once per state (three times per Task before), and frozen, since every state shares it (a
   * path that takes from it copies, as from any state input).
   */
  private executionInput?: Json;

  private context(scope: Scope, stateName: string, retryCount: number, extra: Record<string, unknown> = {}): Json {
    const rec = this.rec;
    this.executionInput ??= deepFreeze(JSON.parse(rec.input) as Json);
    return {
      Execution: {
        Id: rec.executionArn,
        Input: this.executionInput,
        Name: rec.name,
        RoleArn: this.deps.roleArn,
        StartTime: new Date(rec.startDate).toISOString(),
        RedriveCount: rec.redriveCount,
      },
      StateMachine: { Id: rec.stateMachineArn, Name: rec.machine },
      State: { Name: stateName, EnteredTime: new Date().toISOString(), RetryCount: retryCount },
      ...extra,
    };
  }

  private async runMachine(machine: AslMachine, input: Json, scope: Scope): Promise<Json> {
    let name = machine.StartAt;
    let current = input;
    for (;;) {
      if (scope.signal.aborted) throw new ExecutionAbortedSignal('aborted');
      const state = machine.States[name];
      if (!state) throw new StatesError('States.Runtime', `No state named ${name}`);
      const n = scope.occ.get(name) ?? 0;
      scope.occ.set(name, n + 1);
      const key = `${scope.prefix}${name}#${n}`;
      const step = await this.runState(name, state, current, key, scope);
      if (step.end) return step.output;
      name = step.next!;
      current = step.output;
    }
  }

  private async runState(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    scope: Scope,
  ): Promise<{ output: Json; next?: string; end?: boolean }> {
    const r = this.rec.redriveCount;
    const type = state.Type;
    const memo = this.rec.memo.get(key);
    const compound = type === 'Task' || type === 'Map' || type === 'Parallel';
    // A memoised step left no trace to add: its events are in the history already.
    if (!(compound && memo))
      this.emit(scope, `${key}|Entered|r${r}`, `${type}StateEntered`, {
        stateEnteredEventDetails: { name, input: JSON.stringify(input) },
      });
    const exit = (output: Json) => {
      this.emit(scope, `${key}|Exited|r${r}`, `${type}StateExited`, {
        stateExitedEventDetails: { name, output: JSON.stringify(output) },
      });
      return state.End ? { output, end: true } : { output, next: state.Next };
    };
    const ctx = this.context(scope, name, 0);
    switch (type) {
      case 'Pass': {
        const eff = await inputPath(state.InputPath, input, ctx);
        const result =
          'Result' in state
            ? state.Result
            : state.Parameters !== undefined
              ? await applyTemplate(state.Parameters, eff, ctx)
              : eff;
        return exit(await outputPath(state.OutputPath, resultPath(state.ResultPath, input, result), ctx));
      }
      case 'Choice': {
        const eff = await inputPath(state.InputPath, input, ctx);
        const next = await choose(key.replace(/#\d+$/, ''), state, eff, ctx);
        const output = await outputPath(state.OutputPath, eff, ctx);
        this.emit(scope, `${key}|Exited|r${r}`, 'ChoiceStateExited', {
          stateExitedEventDetails: { name, output: JSON.stringify(output) },
        });
        return { output, next };
      }
      case 'Wait': {
        const eff = await inputPath(state.InputPath, input, ctx);
        let until = this.rec.waits.get(key);
        if (until === undefined) {
          until = await this.waitUntil(state, eff, ctx);
          this.rec.setWait(key, until);
        }
        await sleep(until - Date.now(), scope.signal);
        return exit(await outputPath(state.OutputPath, eff, ctx));
      }
      case 'Succeed': {
        const output = await outputPath(state.OutputPath, await inputPath(state.InputPath, input, ctx), ctx);
        this.emit(scope, `${key}|Exited|r${r}`, 'SucceedStateExited', {
          stateExitedEventDetails: { name, output: JSON.stringify(output) },
        });
        return { output, end: true };
      }
      case 'Fail': {
        const error = state.ErrorPath
          ? String(await evaluate(state.ErrorPath, input, ctx))
          : (state.Error ?? 'States.Fail');
        const cause = state.CausePath ? String(await evaluate(state.CausePath, input, ctx)) : (state.Cause ?? '');
        throw new StatesError(error, cause);
      }
      case 'Task':
      case 'Map':
      case 'Parallel':
        return this.runWithRetryAndCatch(name, state, input, key, scope, memo, exit);
      default:
        throw new StatesError('States.Runtime', `Unknown state type ${String(type)} in ${name}`);
    }
  }

  private async waitUntil(state: AslState, eff: Json, ctx: Json): Promise<number> {
    const scale = this.deps.timeScale;
    if (state.Seconds !== undefined) return Date.now() + state.Seconds * 1000 * scale;
    if (state.SecondsPath) return Date.now() + Number(await evaluate(state.SecondsPath, eff, ctx)) * 1000 * scale;
    const ts =
      state.Timestamp ?? (state.TimestampPath ? String(await evaluate(state.TimestampPath, eff, ctx)) : undefined);
    const at = ts ? Date.parse(ts) : NaN;
    if (Number.isNaN(at))
      throw new StatesError('States.Runtime', `Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath`);
    return at;
  }

  private async runWithRetryAndCatch(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    scope: Scope,
    memo: ReturnType<ExecutionRecord['memo']['get']>,
    exit: (output: Json) => { output: Json; next?: string; end?: boolean },
  ): Promise<{ output: Json; next?: string; end?: boolean }> {
    const isTask = state.Type === 'Task';
    const finishResult = async (result: Json) => {
      const ctx = this.context(scope, name, 0);
      const selected =
        state.ResultSelector !== undefined ? await applyTemplate(state.ResultSelector, result, ctx) : result;
      return outputPath(state.OutputPath, resultPath(state.ResultPath, input, selected), ctx);
    };
    const caught = (error: { Error: string; Cause: string }) => {
      const catcher = (state.Catch ?? []).find((c) => errorMatches(c.ErrorEquals, error.Error, isTask));
      if (!catcher) return undefined;
      const output = resultPath(catcher.ResultPath === undefined ? '$' : catcher.ResultPath, input, error);
      this.emit(scope, `${key}|Exited|r${this.rec.redriveCount}`, `${state.Type}StateExited`, {
        stateExitedEventDetails: { name, output: JSON.stringify(output) },
      });
      return { output, next: catcher.Next };
    };
    if (memo && 'ok' in memo)
      return { ...(state.End ? { end: true } : { next: state.Next }), output: await finishResult(memo.ok) };
    if (memo && 'caught' in memo) {
      const c = caught(memo.caught);
      if (c) return c;
    }
    const attempts: number[] = [];
    for (let attempt = 0; ; attempt++) {
      try {
        const ctx = this.context(scope, name, attempt);
        const result =
          state.Type === 'Task'
            ? await this.runTask(name, state, input, key, attempt, scope, ctx)
            : state.Type === 'Map'
              ? await this.runMap(name, state, input, key, attempt, scope, ctx)
              : await this.runParallel(name, state, input, key, attempt, scope, ctx);
        this.rec.setMemo(key, { ok: result });
        return exit(await finishResult(result));
      } catch (err) {
        if (!(err instanceof StatesError)) throw err;
        const index = (state.Retry ?? []).findIndex((rt) => errorMatches(rt.ErrorEquals, err.error, isTask));
        const retrier = index >= 0 ? state.Retry![index]! : undefined;
        const done = attempts[index] ?? 0;
        if (retrier && done < (retrier.MaxAttempts ?? 3)) {
          attempts[index] = done + 1;
          let delay = (retrier.IntervalSeconds ?? 1) * Math.pow(retrier.BackoffRate ?? 2, done);
          if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
          if (retrier.JitterStrategy === 'FULL') delay = Math.random() * delay;
          await sleep(delay * 1000 * this.deps.timeScale, scope.signal);
          continue;
        }
        const error = { Error: err.error, Cause: err.causeText };
        const c = caught(error);
        if (!c) throw err;
        this.rec.setMemo(key, { caught: error });
        return c;
      }
    }
  }

  private async runTask(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    attempt: number,
    scope: Scope,
    ctx: Json,
  ): Promise<Json> {
    const rec = this.rec;
    const resource = state.Resource ?? '';
    const waitForToken = resource.endsWith('.waitForTaskToken');
    const integration = resource.startsWith(LAMBDA_INVOKE);
    if (!integration && !resource.startsWith('arn:aws:lambda:'))
      throw new StatesError(
        'States.Runtime',
        `The local runtime runs Lambda tasks only (a function ARN or ${LAMBDA_INVOKE}), not ${resource}`,
      );
    if (waitForToken && !integration)
      throw new StatesError('States.Runtime', `${resource}: .waitForTaskToken needs ${LAMBDA_INVOKE}`);
    const attemptId = `${key}~${attempt}~r${rec.redriveCount}`;
    const token = waitForToken ? makeToken(rec, attemptId) : undefined;
    const tctx = token ? { ...(ctx as Record<string, unknown>), Task: { Token: token } } : ctx;
    const eff = await inputPath(state.InputPath, input, tctx);
    const params = state.Parameters !== undefined ? await applyTemplate(state.Parameters, eff, tctx) : eff;
    const timeoutSeconds =
      state.TimeoutSeconds ??
      (state.TimeoutSecondsPath ? Number(await evaluate(state.TimeoutSecondsPath, eff, tctx)) : undefined);
    const heartbeatSeconds =
      state.HeartbeatSeconds ??
      (state.HeartbeatSecondsPath ? Number(await evaluate(state.HeartbeatSecondsPath, eff, tctx)) : undefined);
    let functionArn = resource;
    let payload = params;
    if (integration) {
      const p = (params ?? {}) as { FunctionName?: unknown; Payload?: Json };
      if (typeof p.FunctionName !== 'string')
        throw new StatesError('States.Runtime', `${name}: Parameters.FunctionName is required for ${LAMBDA_INVOKE}`);
      functionArn = p.FunctionName;
      payload = p.Payload ?? {};
    }
    const resourceName = integration ? resource.slice('arn:aws:states:::lambda:'.length) : resource;
    const ev = (suffix: string, kind: string, details: Record<string, unknown>) =>
      integration
        ? this.emit(scope, `${attemptId}|${suffix}`, `Task${kind}`, {
            [`task${kind}EventDetails`]: { resourceType: 'lambda', resource: resourceName, ...details },
          })
        : this.emit(scope, `${attemptId}|${suffix}`, `LambdaFunction${kind}`, {
            [`lambdaFunction${kind}EventDetails`]: details,
          });
    ev('Scheduled', 'Scheduled', {
      ...(integration
        ? { region: this.deps.region, parameters: JSON.stringify(params) }
        : { resource, input: JSON.stringify(payload) }),
      ...(timeoutSeconds !== undefined ? { timeoutInSeconds: timeoutSeconds } : {}),
      ...(integration && heartbeatSeconds !== undefined ? { heartbeatInSeconds: heartbeatSeconds } : {}),
    });
    ev('Started', 'Started', {});
    const started = Date.now();
    try {
      let result: Json;
      const envelope = (p: Json) => ({
        ExecutedVersion: '$LATEST',
        Payload: p ?? null,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: attemptId },
        StatusCode: 200,
      });
      if (!token) {
        const timeoutMs = timeoutSeconds !== undefined ? timeoutSeconds * 1000 * this.deps.timeScale : undefined;
        const out = await race(this.deps.invokeFunction(rec, functionArn, payload), scope.signal, timeoutMs);
        result = integration ? envelope(out) : (out ?? null);
      } else {
        let sub = rec.submitted.get(attemptId);
        if (!sub) {
          const deadline =
            timeoutSeconds !== undefined ? started + timeoutSeconds * 1000 * this.deps.timeScale : undefined;
          this.deps.tokens.pending.add(token);
          const out = await race(
            this.deps.invokeFunction(rec, functionArn, payload),
            scope.signal,
            deadline !== undefined ? deadline - Date.now() : undefined,
          );
          sub = { key: attemptId, token, deadline, heartbeatSeconds, lastBeat: Date.now() };
          rec.submit(sub);
          ev('Submitted', 'Submitted', { output: JSON.stringify(envelope(out)) });
        }
        this.deps.tokens.pending.add(token);
        const answer = await this.waitForAnswer(sub, scope.signal).finally(() =>
          this.deps.tokens.pending.delete(token),
        );
        if ('ok' in answer) result = answer.ok;
        else if ('error' in answer) throw new StatesError(answer.error, answer.cause);
        else
          throw new StatesError(
            answer.timedOut,
            answer.timedOut === 'States.HeartbeatTimeout' ? 'No heartbeat within HeartbeatSeconds' : 'Task timed out',
          );
      }
      ev('Succeeded', 'Succeeded', { output: JSON.stringify(result) });
      return result;
    } catch (err) {
      if (err instanceof StatesError) {
        const timedOut = err.error === 'States.Timeout' || err.error === 'States.HeartbeatTimeout';
        ev(timedOut ? 'TimedOut' : 'Failed', timedOut ? 'TimedOut' : 'Failed', {
          error: err.error,
          cause: err.causeText,
        });
      }
      throw err;
    }
  }

  /** Waits for SendTaskSuccess/Failure on a submitted token, honouring its timeout and heartbeat deadlines. */
  private async waitForAnswer(sub: SubmittedToken, signal: AbortSignal): Promise<TokenAnswer> {
    for (;;) {
      const answer = this.rec.answers.get(sub.token);
      if (answer) return answer;
      const now = Date.now();
      const beatDeadline =
        sub.heartbeatSeconds !== undefined
          ? sub.lastBeat + sub.heartbeatSeconds * 1000 * this.deps.timeScale
          : Infinity;
      const deadline = sub.deadline ?? Infinity;
      if (now >= deadline || now >= beatDeadline) {
        const timedOut: TokenAnswer = { timedOut: now >= deadline ? 'States.Timeout' : 'States.HeartbeatTimeout' };
        this.rec.answer(sub.token, timedOut);
        return timedOut;
      }
      await this.deps.tokens.wait(sub.token, Math.min(deadline, beatDeadline) - now, signal);
    }
  }

  private async runMap(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    attempt: number,
    scope: Scope,
    ctx: Json,
  ): Promise<Json> {
    const processorMode = (state.ItemProcessor?.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
    if (processorMode === 'DISTRIBUTED') return this.runDistributedMap(name, state, input, key, attempt, scope, ctx);
    if (state.ItemReader !== undefined)
      throw new StatesError(
        'States.Runtime',
        `${name}: an ItemReader needs ItemProcessor.ProcessorConfig.Mode DISTRIBUTED`,
      );
    const eff = await inputPath(state.InputPath, input, ctx);
    const items = state.ItemsPath ? await evaluate(state.ItemsPath, eff, ctx) : eff;
    if (!Array.isArray(items))
      throw new StatesError('States.Runtime', `${name}: the items (${state.ItemsPath ?? '$'}) are not an array`);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (!processor) throw new StatesError('States.Runtime', `${name}: a Map needs ItemProcessor (or Iterator)`);
    const selector = state.ItemSelector ?? state.Parameters;
    const r = this.rec.redriveCount;
    this.emit(scope, `${key}~${attempt}|MapStarted|r${r}`, 'MapStateStarted', {
      mapStateStartedEventDetails: { length: items.length },
    });
    const results = await this.fanOut(
      items.length,
      state.MaxConcurrency || Infinity,
      scope,
      `${key}~${attempt}`,
      async (i, child) => {
        const itemCtx = { ...(ctx as Record<string, unknown>), Map: { Item: { Index: i, Value: items[i] } } };
        const itemInput = selector !== undefined ? await applyTemplate(selector, eff, itemCtx) : items[i];
        this.emit(child, `${child.prefix}|IterationStarted|r${r}`, 'MapIterationStarted', {
          mapIterationStartedEventDetails: { name, index: i },
        });
        try {
          const out = await this.runMachine(processor, itemInput, child);
          this.emit(child, `${child.prefix}|IterationSucceeded|r${r}`, 'MapIterationSucceeded', {
            mapIterationSucceededEventDetails: { name, index: i },
          });
          return out;
        } catch (err) {
          if (err instanceof StatesError)
            this.emit(child, `${child.prefix}|IterationFailed|r${r}`, 'MapIterationFailed', {
              mapIterationFailedEventDetails: { name, index: i },
            });
          throw err;
        }
      },
      (i) => `[${i}]/`,
    ).catch((err: unknown) => {
      if (err instanceof StatesError) this.emit(scope, `${key}~${attempt}|MapFailed|r${r}`, 'MapStateFailed', {});
      throw err;
    });
    this.emit(scope, `${key}~${attempt}|MapDone|r${r}`, 'MapStateSucceeded', {});
    return results;
  }

  /**
   * A Distributed Map: items from the ItemReader (S3) or the input, ItemSelector, ItemBatcher, child
   * workflows at most MaxConcurrency at once, failures tolerated up to the threshold, results to S3
   * (ResultWriter) or as the output array. Each child's outcome is journaled under its own key, so a
   * restart (or a redrive) runs only the children that had not finished (or had failed).
   */
  private async runDistributedMap(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    attempt: number,
    scope: Scope,
    ctx: Json,
  ): Promise<Json> {
    const rec = this.rec;
    const r = rec.redriveCount;
    const processor = state.ItemProcessor!;
    const eff = await inputPath(state.InputPath, input, ctx);
    const num = async (value: number | undefined, path: string | undefined) =>
      value ?? (path !== undefined ? Number(await evaluate(path, eff, ctx)) : undefined);
    const s3 = () => {
      if (!this.deps.s3)
        throw new StatesError('States.Runtime', `${name}: this runtime has no S3 for the Distributed Map`);
      return this.deps.s3;
    };

    let items: Json[];
    if (state.ItemReader) {
      const reader = state.ItemReader;
      const params = (await applyTemplate(reader.Parameters ?? {}, eff, ctx)) as {
        Bucket?: string;
        Key?: string;
        Prefix?: string;
      };
      const config = { ...((reader.ReaderConfig ?? {}) as ReaderConfig & { MaxItemsPath?: string }) };
      if (config.MaxItemsPath !== undefined) config.MaxItems = Number(await evaluate(config.MaxItemsPath, eff, ctx));
      if (typeof params.Bucket !== 'string')
        throw new StatesError('States.ItemReaderFailed', `${name}: ItemReader Parameters.Bucket is required`);
      try {
        if (reader.Resource === LIST_OBJECTS) {
          items = await s3().list(params.Bucket, params.Prefix ?? '');
          if (config.MaxItems) items = items.slice(0, config.MaxItems);
        } else if (reader.Resource === GET_OBJECT) {
          if (typeof params.Key !== 'string')
            throw new StatesError('States.ItemReaderFailed', `${name}: ItemReader Parameters.Key is required`);
          items = parseItems((await s3().get(params.Bucket, params.Key)).toString('utf8'), config);
        } else
          throw new StatesError(
            'States.ItemReaderFailed',
            `${name}: ItemReader ${reader.Resource ?? '(none)'} is not run locally (${LIST_OBJECTS}, ${GET_OBJECT})`,
          );
      } catch (err) {
        if (err instanceof StatesError) throw err;
        throw new StatesError('States.ItemReaderFailed', `${name}: ${(err as Error).name}: ${(err as Error).message}`);
      }
    } else {
      const found = state.ItemsPath ? await evaluate(state.ItemsPath, eff, ctx) : eff;
      if (!Array.isArray(found))
        throw new StatesError('States.Runtime', `${name}: the items (${state.ItemsPath ?? '$'}) are not an array`);
      items = found;
    }

    const selector = state.ItemSelector ?? state.Parameters;
    const selected: Json[] = [];
    for (let i = 0; i < items.length; i++) {
      const itemCtx = { ...(ctx as Record<string, unknown>), Map: { Item: { Index: i, Value: items[i] } } };
      selected.push(selector !== undefined ? await applyTemplate(selector, eff, itemCtx) : items[i]);
    }
    let inputs: Json[] = selected;
    if (state.ItemBatcher) {
      const b = state.ItemBatcher;
      const batchInput = b.BatchInput !== undefined ? await applyTemplate(b.BatchInput, eff, ctx) : undefined;
      inputs = batchItems(selected, {
        MaxItemsPerBatch: await num(b.MaxItemsPerBatch, b.MaxItemsPerBatchPath),
        MaxInputBytesPerBatch: await num(b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath),
      }).map((batch) => (batchInput !== undefined ? { BatchInput: batchInput, Items: batch } : { Items: batch }));
    }

    const stepKey = `${key}~${attempt}`;
    const runId = mapRunId(rec.executionArn, stepKey);
    const mapRunArn = `${rec.stateMachineArn.replace(':stateMachine:', ':mapRun:')}/${state.Label ?? name}:${runId}`;
    const toleratedCount = await num(state.ToleratedFailureCount, state.ToleratedFailureCountPath);
    const toleratedPct = await num(state.ToleratedFailurePercentage, state.ToleratedFailurePercentagePath);
    const limit = (await num(state.MaxConcurrency, state.MaxConcurrencyPath)) || 10_000;
    this.emit(scope, `${stepKey}|MapStarted|r${r}`, 'MapStateStarted', {
      mapStateStartedEventDetails: { length: inputs.length },
    });
    this.emit(scope, `${stepKey}|MapRunStarted|r${r}`, 'MapRunStarted', { mapRunStartedEventDetails: { mapRunArn } });

    const outcomes: ChildOutcome[] = new Array<ChildOutcome>(inputs.length);
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    scope.signal.addEventListener('abort', onAbort, { once: true });
    let next = 0;
    let failed = 0;
    let exceeded = false;
    let aborted: unknown;
    const worker = async () => {
      while (next < inputs.length && !exceeded && aborted === undefined) {
        const i = next++;
        const childKey = `${stepKey}[${i}]/`;
        const ok = rec.memo.get(`${childKey}|child`);
        const failedBefore = rec.memo.get(`${childKey}|child|r${r}`);
        let outcome: ChildOutcome;
        if (ok && 'ok' in ok) outcome = { index: i, input: inputs[i], output: ok.ok };
        else if (failedBefore && 'caught' in failedBefore)
          outcome = { index: i, input: inputs[i], error: failedBefore.caught };
        else {
          const child: Scope = { prefix: childKey, occ: new Map(), signal: controller.signal, lastId: 0, quiet: true };
          try {
            const output = await this.runMachine(processor, inputs[i], child);
            rec.setMemo(`${childKey}|child`, { ok: output });
            outcome = { index: i, input: inputs[i], output };
          } catch (err) {
            if (!(err instanceof StatesError)) {
              aborted ??= err;
              controller.abort();
              return;
            }
            const error = { Error: err.error, Cause: err.causeText };
            rec.setMemo(`${childKey}|child|r${r}`, { caught: error });
            outcome = { index: i, input: inputs[i], error };
          }
        }
        outcomes[i] = outcome;
        if (outcome.error) {
          failed++;
          if (exceedsTolerance(failed, inputs.length, toleratedCount, toleratedPct)) {
            exceeded = true;
            controller.abort();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(inputs.length, limit) }, worker));
    scope.signal.removeEventListener('abort', onAbort);
    if (scope.signal.aborted) throw new ExecutionAbortedSignal('aborted');
    if (aborted !== undefined && !exceeded) throw aborted;
    if (exceeded) {
      const cause = `The specified tolerated failure threshold was exceeded: ${failed} of ${inputs.length} child workflow(s) failed`;
      this.emit(scope, `${stepKey}|MapRunFailed|r${r}`, 'MapRunFailed', {
        mapRunFailedEventDetails: { error: 'States.ExceedToleratedFailureThreshold', cause },
      });
      this.emit(scope, `${stepKey}|MapFailed|r${r}`, 'MapStateFailed', {});
      throw new StatesError('States.ExceedToleratedFailureThreshold', cause);
    }
    this.emit(scope, `${stepKey}|MapRunSucceeded|r${r}`, 'MapRunSucceeded', {});

    let result: Json;
    if (state.ResultWriter) {
      const w = state.ResultWriter;
      const params = (await applyTemplate(w.Parameters ?? {}, eff, ctx)) as { Bucket?: string; Prefix?: string };
      if (w.Resource !== PUT_OBJECT || typeof params.Bucket !== 'string')
        throw new StatesError(
          'States.ResultWriterFailed',
          `${name}: ResultWriter needs ${PUT_OBJECT} and Parameters.Bucket`,
        );
      const { files, manifestKey } = resultFiles({
        bucket: params.Bucket,
        prefix: params.Prefix ?? '',
        runId,
        mapRunArn,
        stateMachineArn: rec.stateMachineArn,
        executionArn: rec.executionArn,
        outcomes,
        now: Date.now(),
      });
      try {
        for (const f of files) await s3().put(params.Bucket, f.key, f.body);
      } catch (err) {
        if (err instanceof StatesError) throw err;
        throw new StatesError(
          'States.ResultWriterFailed',
          `${name}: ${(err as Error).name}: ${(err as Error).message}`,
        );
      }
      result = { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: params.Bucket, Key: manifestKey } };
    } else result = outcomes.map((o) => (o.error ? o.error : o.output));
    this.emit(scope, `${stepKey}|MapDone|r${r}`, 'MapStateSucceeded', {});
    return result;
  }

  private async runParallel(
    name: string,
    state: AslState,
    input: Json,
    key: string,
    attempt: number,
    scope: Scope,
    ctx: Json,
  ): Promise<Json> {
    const eff = await inputPath(state.InputPath, input, ctx);
    const branchInput = state.Parameters !== undefined ? await applyTemplate(state.Parameters, eff, ctx) : eff;
    const branches = state.Branches ?? [];
    const r = this.rec.redriveCount;
    this.emit(scope, `${key}~${attempt}|ParallelStarted|r${r}`, 'ParallelStateStarted', {});
    const results = await this.fanOut(
      branches.length,
      Infinity,
      scope,
      `${key}~${attempt}`,
      (i, child) => this.runMachine(branches[i]!, branchInput, child),
      (i) => `{${i}}/`,
    ).catch((err: unknown) => {
      if (err instanceof StatesError)
        this.emit(scope, `${key}~${attempt}|ParallelFailed|r${r}`, 'ParallelStateFailed', {});
      throw err;
    });
    this.emit(scope, `${key}~${attempt}|ParallelDone|r${r}`, 'ParallelStateSucceeded', {});
    return results;
  }

  /** Runs n children (Map iterations, Parallel branches) at most `limit` at once; the first failure stops the rest. */
  private fanOut(
    n: number,
    limit: number,
    scope: Scope,
    prefix: string,
    run: (i: number, child: Scope) => Promise<Json>,
    childPrefix: (i: number) => string,
  ): Promise<Json[]> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    scope.signal.addEventListener('abort', onAbort, { once: true });
    const results: Json[] = new Array<Json>(n);
    let next = 0;
    const outcome: { failed?: Error } = {};
    const worker = async () => {
      while (next < n && outcome.failed === undefined) {
        const i = next++;
        const child: Scope = {
          prefix: `${prefix}${childPrefix(i)}`,
          occ: new Map(),
          signal: controller.signal,
          lastId: scope.lastId,
          quiet: scope.quiet,
        };
        try {
          results[i] = await run(i, child);
        } catch (err) {
          const prev = outcome.failed as unknown;
          if (prev === undefined || (prev instanceof ExecutionAbortedSignal && err instanceof StatesError))
            outcome.failed = err as Error;
          controller.abort();
        }
      }
    };
    const workers = Array.from({ length: Math.min(n, Number.isFinite(limit) ? limit : n) }, worker);
    return Promise.all(workers).then(() => {
      scope.signal.removeEventListener('abort', onAbort);
      if (scope.signal.aborted) throw new ExecutionAbortedSignal('aborted');
      if (outcome.failed !== undefined) throw outcome.failed;
      return results;
    });
  }
}

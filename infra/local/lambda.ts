// The Lambda part of the local runtime: loads each catalog function's `handler` lazily from its
// entry, calls it with a Lambda-like context and the function's timeout, runs asynchronous
// invocations (events, schedules) with Lambda's retry-then-dead-letter behaviour, and knows
// which function is running (AsyncLocalStorage) so the bus, SNS and DynamoDB can enforce the
// grants the catalog declares, as IAM would, and gives each invocation a logger of its own.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../catalog';
import { withInvocationLogger } from '../../shared/observability/logger';
import { PROJECT_ROOT } from './dynamodb-local';
import { appendJsonl } from './jsonl';

export type LambdaHandler = (
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  event: any,
  context: Context,
  callback?: (err?: unknown, result?: unknown) => void,
) => unknown;

export interface Invocation {
  fn: FunctionDefinition;
  requestId: string;
  /** What invoked it: `http:<route key>`, `stepfunctions:<machine>/<execution>`, `events:<rule>`, ... */
  source: string;
}

/** The function currently running (undefined outside any invocation: seeding, tests). */
export const currentInvocation = new AsyncLocalStorage<Invocation>();

export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedException';
  readonly $fault = 'client';
}

export class LambdaTimeoutError extends Error {
  override readonly name = 'LambdaTimeoutError';
}

export class HandlerMissingError extends Error {
  override readonly name = 'HandlerMissingError';
}

export interface InvocationRecord {
  function: string;
  source: string;
  requestId: string;
  startedAt: string;
  durationMs?: number;
  error?: string;
}

export interface LambdaHostOptions {
  functions: FunctionDefinition[];
  region: string;
  dataDir: string;
  /** Handlers to use instead of loading the entry (tests). */
  handlers?: Record<string, LambdaHandler>;
  /** Enforce each function's timeoutSeconds (default true). */
  timeouts?: boolean;
  /** Delays before the retries of an asynchronous invocation (default DEFAULT_ASYNC_RETRY_DELAYS_MS). */
  asyncRetryDelaysMs?: number[];
  /** Most asynchronous invocations of one function in flight at once (default 8). */
  asyncConcurrency?: number;
  log: (line: string) => void;
}

const ACCOUNT = '000000000000';

let resolutionFallbackInstalled = false;

/**
 * Handlers import ESM-only packages (@middy/*: their "exports" have only an "import"
 * condition). In Lambda esbuild bundles them; here tsx runs the handlers as CommonJS, whose
 * require() cannot resolve such a package. Retry those resolutions with the "import" condition;
 * Node 22 then loads the ES module through require(esm). jest resolves modules itself.
 */
function installEsmOnlyResolutionFallback(): void {
  if (resolutionFallbackInstalled || process.env.JEST_WORKER_ID) return;
  resolutionFallbackInstalled = true;
  if (typeof registerHooks !== 'function') return; // Node < 22.15: npm start brings Node 22.
  registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context);
      } catch (err) {
        if ((err as { code?: string }).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw err;
        return nextResolve(specifier, { ...context, conditions: [...(context.conditions ?? []), 'import'] });
      }
    },
  });
}
const MAX_RECORDS = 1000;

/** Retries of an asynchronous invocation: about two minutes of back-off before the dead-letter file. */
export const DEFAULT_ASYNC_RETRY_DELAYS_MS = [1000, 4000, 15_000, 30_000, 60_000];

export type AsyncOutcome = 'ok' | 'dead-lettered' | 'abandoned';

export interface AsyncInvokeOptions {
  /** Times this event was redriven from the dead-letter file already (carried into a new entry). */
  redrives?: number;
  /** A result with batchItemFailures counts as a failure (replayed stream batches). */
  failOnBatchItemFailures?: boolean;
  /** Called once the invocation succeeded, was dead-lettered, or was abandoned by stop(). */
  onSettled?: (outcome: AsyncOutcome) => void;
}

export interface InvokeOptions {
  /**
   * The caller built `event` for this one call, keeps no reference to it, and it is plain JSON (no
   * undefined members, no class instances, no shared objects): the handler gets it as it is, without
   * the copy every other invocation gets (the stream poller: a batch's records are built per attempt).
   */
  ownedEvent?: boolean;
}

export function physicalName(fn: FunctionDefinition): string {
  return `nocturne-local-${fn.name}`;
}

export class LambdaHost {
  private readonly loaded = new Map<string, LambdaHandler>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly byName: Map<string, FunctionDefinition>;
  private readonly wakers = new Set<() => void>();
  private stopping = false;
  /** The most recent invocations, newest last (tests and the console read them). */
  readonly invocations: InvocationRecord[] = [];
  /** Invocations started since the host was created (never capped). */
  totalInvocations = 0;

  constructor(private readonly opts: LambdaHostOptions) {
    this.byName = new Map(opts.functions.map((f) => [f.name, f]));
  }

  fn(name: string): FunctionDefinition {
    const f = this.byName.get(name);
    if (!f) throw new Error(`No function named ${name} in the catalog`);
    return f;
  }

  entryPath(fn: FunctionDefinition): string {
    return path.resolve(PROJECT_ROOT, fn.entry);
  }

  /** Whether the catalog declares the function. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Whether the function can be called: an injected handler or an entry file that exists. */
  isAvailable(fn: FunctionDefinition): boolean {
    return Boolean(this.opts.handlers?.[fn.name]) || this.loaded.has(fn.name) || existsSync(this.entryPath(fn));
  }

  private load(fn: FunctionDefinition): LambdaHandler {
    const injected = this.opts.handlers?.[fn.name];
    if (injected) return injected;
    const cached = this.loaded.get(fn.name);
    if (cached) return cached;
    const file = this.entryPath(fn);
    if (!existsSync(file))
      throw new HandlerMissingError(`${fn.entry} does not exist (function ${fn.name} in infra/catalog.ts)`);
    installEsmOnlyResolutionFallback();
    // require() of a .ts file: tsx (npm start) and jest (swc) both transform it. A dynamic
    // import would not go through jest's module registry.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { handler?: unknown; default?: { handler?: unknown } };
    const handler = mod.handler ?? mod.default?.handler;
    if (typeof handler !== 'function')
      throw new HandlerMissingError(`${fn.entry} does not export a function named handler`);
    this.loaded.set(fn.name, handler as LambdaHandler);
    return handler as LambdaHandler;
  }

  private context(fn: FunctionDefinition, requestId: string, deadline: number): Context {
    const name = physicalName(fn);
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.opts.region}:${ACCOUNT}:function:${name}`,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]local`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }

  /** A synchronous (RequestResponse) invocation: resolves with the handler's result or throws its error. */
  async invoke(name: string, event: unknown, source = 'invoke', opts: InvokeOptions = {}): Promise<unknown> {
    const fn = this.fn(name);
    const requestId = randomUUID();
    const record: InvocationRecord = { function: name, source, requestId, startedAt: new Date().toISOString() };
    this.invocations.push(record);
    this.totalInvocations++;
    if (this.invocations.length > MAX_RECORDS) this.invocations.splice(0, this.invocations.length - MAX_RECORDS);
    const started = performance.now();
    const run = this.run(fn, requestId, event, source, opts.ownedEvent === true);
    this.track(run);
    try {
      return await run;
    } catch (err) {
      record.error = `${(err as Error).name}: ${(err as Error).message}`;
      throw err;
    } finally {
      record.durationMs = Math.round(performance.now() - started);
    }
  }

  private async run(
    fn: FunctionDefinition,
    requestId: string,
    event: unknown,
    source: string,
    ownedEvent: boolean,
  ): Promise<unknown> {
    const handler = this.load(fn);
    const timeoutMs = fn.timeoutSeconds * 1000;
    const deadline = Date.now() + timeoutMs;
    const context = this.context(fn, requestId, deadline);
    // Each invocation gets its own copy of the event, as it would after JSON on the wire (an owned
    // event is one already: see InvokeOptions).
    const payload: unknown = event === undefined ? {} : ownedEvent ? event : JSON.parse(JSON.stringify(event));
    // Each invocation logs through a logger of its own: its lines carry its function's name and
    // request id even while other invocations run in this process (shared/observability/logger.ts).
    const call = withInvocationLogger(() =>
      currentInvocation.run(
        { fn, requestId, source },
        () =>
          new Promise<unknown>((resolve, reject) => {
            try {
              const r = handler(payload, context, (err, result) => (err ? reject(err) : resolve(result)));
              if (r && typeof (r as Promise<unknown>).then === 'function')
                (r as Promise<unknown>).then(resolve, reject);
              else if (handler.length < 3) resolve(r);
            } catch (err) {
              reject(err);
            }
          }),
      ),
    );
    if (this.opts.timeouts === false) return call;
    let timer: NodeJS.Timeout | undefined;
    let yielded: NodeJS.Immediate | undefined;
    const timeout = new Promise<never>((_, reject) => {
      // The handler's own deadline (an HTTP handler's 503 two seconds early: shared/http/api.ts) is a
      // timer too, set from context.getRemainingTimeInMillis(). When the process was busy past both,
      // Node runs expired timers list by list (one list per duration), so this one — in the list every
      // invocation of the same timeout shares — could run first and answer 500 although the handler's
      // earlier deadline had passed. The timeout therefore settles only after every timer due by now
      // has run (setImmediate: after this turn's timers), as a Lambda handler's deadline is honoured
      // before the runtime kills it.
      timer = setTimeout(() => {
        yielded = setImmediate(() =>
          reject(new LambdaTimeoutError(`Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds (${fn.name})`)),
        );
      }, timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
      if (yielded) clearImmediate(yielded);
    }
  }

  /**
   * An asynchronous (Event) invocation, as EventBridge makes: returns at once; failures are
   * retried after each of asyncRetryDelaysMs (a back-off of about two minutes by default), then
   * written to dlq.jsonl, from where the runtime's DeadLetterReplayer hands them back (dead-letters.ts).
   */
  invokeAsync(name: string, event: unknown, source: string, opts: AsyncInvokeOptions = {}): void {
    const delays = this.opts.asyncRetryDelaysMs ?? DEFAULT_ASYNC_RETRY_DELAYS_MS;
    const attempt = async (): Promise<AsyncOutcome> => {
      // Never run inside the caller's turn: the publisher returns before any delivery starts.
      await new Promise((resolve) => setImmediate(resolve));
      let lastError: unknown;
      let stopped = false;
      for (let i = 0; i <= delays.length; i++) {
        if (i > 0) await this.wait(delays[i - 1]!);
        if (i > 0 && this.stopping) {
          stopped = true;
          lastError = new Error(`the runtime stopped before retry ${i} (last error: ${describe(lastError)})`);
          break;
        }
        try {
          const result = await this.withAsyncSlot(name, () => this.invoke(name, event, source));
          const failures = (result as { batchItemFailures?: unknown[] } | undefined)?.batchItemFailures;
          if (opts.failOnBatchItemFailures && Array.isArray(failures) && failures.length)
            throw new Error(`${failures.length} batchItemFailures`);
          return 'ok';
        } catch (err) {
          lastError = err;
          this.opts.log(`[lambda] ${name} failed (${source}, attempt ${i + 1}/${delays.length + 1}): ${describe(err)}`);
          if (err instanceof HandlerMissingError) break;
        }
      }
      // A redrive cut short by stop() stays where it was (its entry is replayed on the next start).
      if (stopped && opts.redrives) return 'abandoned';
      // Cut short by stop() (Ctrl-C) is not a failure: no dead letter; handed back on the next start.
      if (stopped) {
        this.interrupted({ kind: source, function: name, error: describe(lastError), redrives: 0, event });
        return 'abandoned';
      }
      this.deadLetter({
        kind: source.replace(/^redrive:/, ''),
        function: name,
        error: describe(lastError),
        redrives: opts.redrives ?? 0,
        event,
      });
      return 'dead-lettered';
    };
    const run = attempt();
    this.track(run);
    if (opts.onSettled) void run.then(opts.onSettled, () => opts.onSettled!('dead-lettered'));
  }

  private readonly slots = new Map<string, { active: number; waiting: Array<() => void> }>();

  /**
   * Asynchronous invocations of one function run at most `asyncConcurrency` at a time (default
   * 8), queueing the rest as Lambda's event queue would under a concurrency limit, so a burst
   * of events does not swamp DynamoDB Local on a two-core machine.
   */
  private async withAsyncSlot<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const limit = this.opts.asyncConcurrency ?? 8;
    let slot = this.slots.get(name);
    if (!slot) this.slots.set(name, (slot = { active: 0, waiting: [] }));
    if (slot.active >= limit) await new Promise<void>((resolve) => slot!.waiting.push(resolve));
    slot.active++;
    try {
      return await fn();
    } finally {
      slot.active--;
      slot.waiting.shift()?.();
    }
  }

  /** An invocation the runtime's stop cut short: interrupted.jsonl, which the replayer hands back on start. */
  interrupted(entry: Record<string, unknown>): void {
    appendJsonl(path.join(this.opts.dataDir, 'interrupted.jsonl'), {
      id: randomUUID(),
      time: new Date().toISOString(),
      ...entry,
    });
    this.opts.log(
      `[lambda] ${String(entry.function)} (${String(entry.kind)}) interrupted by stop; handed back on the next start`,
    );
  }

  deadLetter(entry: Record<string, unknown>): void {
    appendJsonl(path.join(this.opts.dataDir, 'dlq.jsonl'), {
      id: randomUUID(),
      time: new Date().toISOString(),
      ...entry,
    });
    this.opts.log(
      `[dlq] ${String(entry.kind)} for ${String(entry.function)} written to dlq.jsonl: ${String(entry.error)}`,
    );
  }

  track(p: Promise<unknown>): void {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
  }

  /** A retry delay that stop() cuts short. */
  wait(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  /**
   * Stop retrying (pending retries go to interrupted.jsonl, replayed on the next start) and wait for running handlers,
   * at most graceMs: a handler still running then is abandoned (returns how many were).
   */
  async shutdown(graceMs = Infinity): Promise<number> {
    this.stopping = true;
    for (const wake of [...this.wakers]) wake();
    if (graceMs === Infinity) {
      await this.idle();
      return 0;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    return this.pending.size;
  }

  /** Load a function's handler now (start-up warm-up, wiring tests); throws what loading throws. */
  preload(name: string): void {
    this.load(this.fn(name));
  }

  /** Resolves when no invocation (sync or async, with its retries) is in flight. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  get inFlight(): number {
    return this.pending.size;
  }
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Throws AccessDeniedException when the running function lacks a grant (no-op outside invocations). */
export function checkGrant(allowed: (fn: FunctionDefinition) => boolean, action: string, fix: string): void {
  const inv = currentInvocation.getStore();
  if (!inv || allowed(inv.fn)) return;
  throw new AccessDeniedError(
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/${physicalName(inv.fn)}-role is not authorized to perform: ${action}. ` +
      `Local runtime: ${fix} for function ${inv.fn.name} in infra/catalog.ts.`,
  );
}

// One logger for every function (Powertools): structured JSON, service name from the env.
//
// In Lambda one process runs one invocation at a time, and the Powertools logger keeps the Lambda
// context (function name, request id) and temporary keys on its instance. The local runtime runs
// every function in one process, many invocations at once: it wraps each invocation in
// `withInvocationLogger`, and inside one, `logger` is that invocation's own child logger (created
// when it first logs), so a log line carries its own function's name and request id, never those of
// an invocation that started later. Outside one (Lambda, tests calling a handler) it is the root logger.
//
// Building that child (a Powertools Logger: options merged, environment read, formatter) cost ~2.4 %
// of the runtime's CPU under bench:ingest, for every invocation, although most invocations log
// nothing. So the calls that only prepare an invocation's logger (the middleware's `addContext`,
// `refreshSampleRateCalculation`, `clearBuffer`, and `logEventIfEnabled` while event logging is off)
// are recorded, and the child is built and they are replayed on it, in order, only when something
// else is asked of it: a log call at or above its level, appendKeys, a getter. A log call below the
// level (the engine's `info` per placement at WARN) is dropped without one, as the child would drop
// it. Its lines carry the same fields as before.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

const root = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'nocturne',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | 'DEBUG' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
});

type Deferrable = 'addContext' | 'refreshSampleRateCalculation' | 'clearBuffer';
const DEFERRABLE = new Set<string | symbol>(['addContext', 'refreshSampleRateCalculation', 'clearBuffer']);

/** Log methods and their level thresholds (Powertools' LogLevelThreshold). */
const THRESHOLDS = new Map<string | symbol, number>([
  ['trace', 6],
  ['debug', 8],
  ['info', 12],
  ['warn', 16],
  ['error', 20],
  ['critical', 24],
]);
/** With debug sampling on, a child may log below the root's level: then every log call builds the child. */
const SAMPLING = Number(process.env.POWERTOOLS_LOGGER_SAMPLE_RATE ?? 0) > 0;

interface InvocationScope {
  logger?: Logger;
  /** Calls made before the child exists, replayed on it when it is built. */
  deferred: Array<{ method: Deferrable; args: unknown[] }>;
}

const invocationScope = new AsyncLocalStorage<InvocationScope>();

function childOf(scope: InvocationScope): Logger {
  if (scope.logger) return scope.logger;
  const child = root.createChild();
  for (const { method, args } of scope.deferred.splice(0))
    (child[method] as (...a: unknown[]) => unknown).apply(child, args);
  return (scope.logger = child);
}

function current(): Logger {
  const scope = invocationScope.getStore();
  return scope ? childOf(scope) : root;
}

/** A call that can wait until the invocation's child logger is needed, or undefined. */
function deferredCall(scope: InvocationScope, prop: string | symbol): ((...args: unknown[]) => void) | undefined {
  if (DEFERRABLE.has(prop))
    return (...args: unknown[]) => void scope.deferred.push({ method: prop as Deferrable, args });
  // A line below the level the child would take from the root (and no sampling) is dropped: no child for it.
  const threshold = THRESHOLDS.get(prop);
  if (threshold !== undefined && !SAMPLING && threshold < root.level) return () => undefined;
  if (prop === 'logEventIfEnabled')
    // The child reads the same configuration as the root: when the root would not log the event, nor would it.
    return (event: unknown, overwrite?: unknown) => {
      const value = overwrite as boolean | undefined;
      if (root.shouldLogEvent(value)) childOf(scope).logEventIfEnabled(event, value);
    };
  return undefined;
}

export const logger: Logger = new Proxy(root, {
  get(_root, prop) {
    const scope = invocationScope.getStore();
    if (scope && !scope.logger) {
      const later = deferredCall(scope, prop);
      if (later) return later;
    }
    const target = current();
    const value: unknown = Reflect.get(target, prop, target);
    // The class's methods run on the real instance (the logger's state is in private fields); a
    // function set on the instance itself (a test's jest.spyOn) is returned as it is.
    if (typeof value !== 'function' || Object.prototype.hasOwnProperty.call(target, prop)) return value;
    return (value as (...args: unknown[]) => unknown).bind(target);
  },
  set(_root, prop, value) {
    return Reflect.set(current(), prop, value);
  },
});

/** Run one invocation with a logger of its own (the local runtime; concurrent invocations in one process). */
export function withInvocationLogger<T>(fn: () => T): T {
  return invocationScope.run({ deferred: [] }, fn);
}

// One logger for every function (Powertools): structured JSON, service name from the env.
//
// In Lambda one process runs one invocation at a time, and the Powertools logger keeps the Lambda
// context (function name, request id) and temporary keys on its instance. The local runtime runs
// every function in one process, many invocations at once: it wraps each invocation in
// `withInvocationLogger`, and inside one, `logger` is that invocation's own child logger (created
// on first use), so a log line carries its own function's name and request id, never those of an
// invocation that started later. Outside one (Lambda, tests calling a handler) it is the root logger.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

const root = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'nocturne',
  logLevel: (process.env.POWERTOOLS_LOG_LEVEL as 'INFO' | 'DEBUG' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
});

const invocationScope = new AsyncLocalStorage<{ logger?: Logger }>();

function current(): Logger {
  const scope = invocationScope.getStore();
  if (!scope) return root;
  return (scope.logger ??= root.createChild());
}

export const logger: Logger = new Proxy(root, {
  get(_root, prop) {
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
  return invocationScope.run({}, fn);
}

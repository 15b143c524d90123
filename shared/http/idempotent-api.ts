// httpApi for functions with create routes (POST answering 201): the same as ./api, with the
// Idempotency-Key runner (Powertools idempotency, ./idempotency) bound. Functions without create
// routes import httpApi from ./api and so do not bundle Powertools idempotency (issue 15: every
// bundle under 300 KB); ./api refuses create routes that come without the runner.
//
// The runner is loaded on first use (`import()`, split into its own chunk by the bundler: decision
// 0011): only a create request that carries an Idempotency-Key runs it, and Powertools idempotency
// with its JMESPath engine is ~45 KB minified that most invocations of these functions never need.
import type { Operation } from '../api/operation';
import { httpApi as httpApiWithout, type HttpApiOptions, type OperationHandlers } from './api';
import type { IdempotentRunner } from './idempotency-key';

export * from './api';

let runner: Promise<IdempotentRunner> | undefined;

/** shared/http/idempotency.ts's runIdempotent, imported once (a failed import is tried again on the next call). */
function loadRunner(): Promise<IdempotentRunner> {
  runner ??= import('./idempotency').then(
    (m) => m.runIdempotent,
    (err: unknown) => {
      runner = undefined;
      throw err;
    },
  );
  return runner;
}

/** Runs `run` at most once per (principal, route, key), loading the runner on first use. */
export const runIdempotentLazily: IdempotentRunner = async (scope, context, run) =>
  (await loadRunner())(scope, context, run);

export function httpApi<const Ops extends readonly Operation[]>(
  operations: Ops,
  handlers: NoInfer<OperationHandlers<Ops>>,
  opts: HttpApiOptions = {},
) {
  return httpApiWithout(operations, handlers, { ...opts, idempotency: runIdempotentLazily });
}

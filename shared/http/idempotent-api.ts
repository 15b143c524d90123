// httpApi for functions with create routes (POST answering 201): the same as ./api, with the
// Idempotency-Key runner (Powertools idempotency, ./idempotency) bound. Functions without create
// routes import httpApi from ./api and so do not bundle Powertools idempotency (issue 15: every
// bundle under 300 KB); ./api refuses create routes that come without the runner.
import type { Operation } from '../api/operation';
import { httpApi as httpApiWithout, type HttpApiOptions, type OperationHandlers } from './api';
import { runIdempotent } from './idempotency';

export * from './api';

export function httpApi<const Ops extends readonly Operation[]>(
  operations: Ops,
  handlers: NoInfer<OperationHandlers<Ops>>,
  opts: HttpApiOptions = {},
) {
  return httpApiWithout(operations, handlers, { ...opts, idempotency: runIdempotent });
}

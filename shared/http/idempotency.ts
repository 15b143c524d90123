// Idempotency-Key on create routes (docs/decisions/0031-idempotency-key.md). A client that sends
// `Idempotency-Key: <key>` with a POST that creates something may retry it safely: the first
// answer (status, headers, body) is kept for 24 hours in the idempotency table (Powertools
// idempotency) and returned again for the same key and body, and nothing is created twice. Keys
// are scoped per caller (principal) and route. The same key with another body is a 422 naming
// the header; a retry while the first request is still running is a 409 with Retry-After.
// Requests without the header behave as before. Failed requests (4xx/5xx thrown as problems) are
// not kept: a retry runs again. Only functions with create routes bundle this module (and
// Powertools idempotency): they hand `runIdempotent` to httpApi (shared/http/api.ts).
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { logger } from '../observability/logger';
import { idempotencyStore } from '../store/idempotency';
import { IDEMPOTENCY_KEY_HEADER, type KeyedRequest } from './idempotency-key';
import { problem, StoreUnavailableError } from './problem';

export { IDEMPOTENCY_KEY_HEADER, idempotencyKeyOf } from './idempotency-key';
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 3600;

/**
 * Run `run` at most once per (principal, route, key): the first result is stored and returned for
 * every retry with the same body. `body` is what the request carries (parsed JSON or raw text).
 */
export async function runIdempotent<R extends object>(
  scope: { principal: string; route: string; key: string; body: unknown },
  context: Context | undefined,
  run: () => Promise<R>,
): Promise<R> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[principal, route, key]',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: IDEMPOTENCY_KEY_TTL_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  // In-progress records expire with the invocation, so a crashed request does not hold its key for a day.
  if (context && typeof context.getRemainingTimeInMillis === 'function') config.registerLambdaContext(context);
  // The answer, once `run` produced it: it stands even if keeping it for retries then fails.
  let produced: { result: R } | undefined;
  const once = makeIdempotent(
    async (_request: KeyedRequest) => {
      const result = await run();
      produced = { result };
      return result;
    },
    {
      persistenceStore: idempotencyStore(),
      config,
      keyPrefix: 'nocturne-http',
      dataIndexArgument: 0,
    },
  );
  try {
    return (await once({
      principal: scope.principal,
      route: scope.route,
      key: scope.key,
      body: scope.body ?? null,
    })) as R;
  } catch (err) {
    if (err instanceof IdempotencyValidationError)
      throw problem(
        422,
        `The ${IDEMPOTENCY_KEY_HEADER} ${scope.key} was already used for this route with a different request body; send a new key for a new request.`,
        {
          errors: [{ field: IDEMPOTENCY_KEY_HEADER, message: 'already used with a different request body' }],
        },
      );
    if (err instanceof IdempotencyAlreadyInProgressError)
      throw problem(
        409,
        `A request with the ${IDEMPOTENCY_KEY_HEADER} ${scope.key} is still in progress; retry after it has finished.`,
        {
          headers: { 'retry-after': '2' },
        },
      );
    if (err instanceof IdempotencyPersistenceLayerError) {
      // The request did its work (an order stored and started) and only keeping the answer failed: a
      // 503 would send the client back to do it again once the key's in-progress record expires (a
      // second order). Answer what was done; a retry within the record's life gets a 409, as for any
      // request still in progress.
      if (produced) {
        logger.warn('request done but its Idempotency-Key answer was not kept', {
          route: scope.route,
          error: err,
        });
        return produced.result;
      }
      throw new StoreUnavailableError('idempotency table unavailable', { cause: err });
    }
    throw err;
  }
}

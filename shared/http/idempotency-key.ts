// The Idempotency-Key header (docs/decisions/0031-idempotency-key.md), read without Powertools:
// every HTTP function parses it; only functions with create routes bundle the runner that keeps
// answers (shared/http/idempotency.ts), which they hand to httpApi.
import { problem } from './problem';

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
const MAX_KEY_LENGTH = 255;

export interface KeyedRequest {
  principal: string;
  route: string;
  key: string;
  body: unknown;
}

/** Runs `run` at most once per (principal, route, key): shared/http/idempotency.ts runIdempotent. */
export type IdempotentRunner = <R extends object>(
  scope: KeyedRequest,
  context: import('aws-lambda').Context | undefined,
  run: () => Promise<R>,
) => Promise<R>;

/** The header's key, checked; undefined when the request carries none. */
export function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()];
  if (raw === undefined) return undefined;
  const key = raw.trim();
  if (key === '' || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key))
    throw problem(
      400,
      `The ${IDEMPOTENCY_KEY_HEADER} header must be 1 to ${MAX_KEY_LENGTH} visible ASCII characters (a UUID is a good choice).`,
      {
        errors: [{ field: IDEMPOTENCY_KEY_HEADER, message: `1 to ${MAX_KEY_LENGTH} visible ASCII characters` }],
      },
    );
  return key;
}

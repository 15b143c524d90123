// RFC 9457 problem details: every error an HTTP caller sees has this shape, names the field
// at fault when there is one, and says what to do next.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ConflictError,
  MalformedPayloadError,
  NotFoundError,
  ValidationError,
  type FieldIssue,
} from '../domain/errors';
import { StoreUnavailableError } from '../store/errors';

export const PROBLEM_BASE = 'https://nocturne.dev/problems/';

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly opts: { type?: string; errors?: FieldIssue[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict'],
  413: ['payload-too-large', 'Payload too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['validation-failed', 'Validation failed'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal', 'Internal error'],
  503: ['unavailable', 'Service unavailable'],
};

export function problem(status: number, detail: string, opts: HttpProblem['opts'] = {}): HttpProblem {
  const [, title] = TITLES[status] ?? ['error', 'Error'];
  return new HttpProblem(status, title, detail, opts);
}

export function problemResponse(p: HttpProblem, instance?: string): APIGatewayProxyStructuredResultV2 {
  const [slug] = TITLES[p.status] ?? ['error'];
  const body: Record<string, unknown> = {
    type: p.opts.type ?? `${PROBLEM_BASE}${slug}`,
    title: p.title,
    status: p.status,
    detail: p.detail,
  };
  if (instance) body.instance = instance;
  if (p.opts.errors?.length) body.errors = p.opts.errors;
  return {
    statusCode: p.status,
    headers: { 'content-type': 'application/problem+json', ...(p.opts.headers ?? {}) },
    body: JSON.stringify(body),
  };
}

export { StoreUnavailableError };

/** Map any error to a problem; unknown errors become a 500 without leaking internals. */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof MalformedPayloadError) return problem(400, err.message);
  // A cursor is opaque: one that does not decode is a malformed request (400), not invalid content.
  if (err instanceof ValidationError && err.issues.length > 0 && err.issues.every((i) => i.field === 'cursor'))
    return problem(400, err.message, { errors: err.issues });
  if (err instanceof ValidationError) return problem(422, err.message, { errors: err.issues });
  if (err instanceof NotFoundError) return problem(404, err.message);
  if (err instanceof ConflictError) return problem(409, err.message);
  if (err instanceof StoreUnavailableError)
    return problem(503, 'Nocturne could not store the request right now; nothing was kept. Retry shortly.', {
      headers: { 'retry-after': '5' },
    });
  // middy's early timeout (the function was about to reach its Lambda timeout, e.g. on a loaded
  // host): transient, and the sender's retry is idempotent, so 503 with Retry-After, never 500.
  if (err instanceof Error && err.name === 'TimeoutError')
    return problem(503, 'Nocturne ran out of time answering; retry shortly (a retry of the same request is safe).', {
      headers: { 'retry-after': '5' },
    });
  return problem(500, 'An unexpected error occurred; it has been logged. Retry, and report it if it persists.');
}

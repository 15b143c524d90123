// The HTTP handler shape every API function uses: middy with a problem+json error boundary,
// a body-size guard, routing on API Gateway's routeKey to the operations a function serves, the
// operation's role check, and its query and body parsed with zod before the handler runs.
import { AsyncLocalStorage } from 'node:async_hooks';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { MalformedPayloadError, ValidationError } from '../domain/errors';
import { isCreateOperation, routeKeyOf, type Operation, type RouteKey } from '../api/operation';
import { logger } from '../observability/logger';
import { requireRole, type Principal } from './auth';
import { idempotencyKeyOf, type IdempotentRunner } from './idempotency-key';
import { problem, problemResponse, toProblem } from './problem';

export const MAX_BODY_BYTES = 1024 * 1024;
const NO_QUERY = z.object({});
/** The 503 leaves this much of the Lambda's time (every HTTP function has at least 5 s): enough for
 * the answer to get out even when the process is busy, so a slow request is a 503, never a timeout 500. */
export const TIMEOUT_EARLY_MS = 2000;

/** Per request: the answer to give if the deadline comes after the request's effect was committed. */
const lateAnswers = new AsyncLocalStorage<{ result?: HttpResult }>();

/**
 * The request's effect is committed (e.g. the order is stored): should its deadline come from now
 * on, the answer is `result`, not a 503 asking the client to retry (a retry without an
 * Idempotency-Key would then do it twice). What is left undone is finished by whoever owns it (the
 * order reconciler starts an execution that never started).
 */
export function answerIfLate(result: HttpResult): void {
  const state = lateAnswers.getStore();
  if (state) state.result = result;
}

export interface HttpRequest {
  event: APIGatewayProxyEventV2;
  params: Record<string, string>;
  /** The raw query string parameters (the parsed ones are in `input.query`). */
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** The body as text (base64 decoded). */
  rawBody: string;
  principal?: Principal;
  /** Time of the request, read once at the edge and passed into the domain. */
  now: Date;
  /** The query and body parsed with the operation's schemas, before the handler runs. */
  input: { query: unknown; body: unknown };
  /**
   * Aborted when the request was answered at its deadline (the 503, or its `answerIfLate` answer):
   * work still running for it should stop taking new steps, since the client's retry redoes what is
   * missing. Without it, a timed-out request and its retry run side by side and, under load, slow
   * each other into the next timeout.
   */
  signal?: AbortSignal;
}

export type HttpResult = APIGatewayProxyStructuredResultV2;

type RawQuery = Record<string, string | undefined>;
type BodyOf<O> = O extends { input: 'handler' }
  ? undefined
  : O extends { body: infer B extends z.ZodType }
    ? z.output<B>
    : undefined;
type QueryOf<O> = O extends { input: 'handler' }
  ? RawQuery
  : O extends { query: infer Q extends z.ZodType }
    ? z.output<Q>
    : RawQuery;

/** What the handler of operation O receives: the request with O's query and body parsed. */
export type OperationRequest<O extends Operation> = HttpRequest & { input: { query: QueryOf<O>; body: BodyOf<O> } };
export type OperationHandler<O extends Operation> = (req: OperationRequest<O>) => Promise<HttpResult>;

/** One handler per operation of the list, keyed by its route key ("POST /integrations"). */
export type OperationHandlers<Ops extends readonly Operation[]> = {
  [O in Ops[number] as RouteKey<O>]: OperationHandler<O>;
};

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: {}, body: '' };
}

export function bodyText(event: APIGatewayProxyEventV2): string {
  if (!event.body) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

export function bodyBytes(event: APIGatewayProxyEventV2): number {
  if (!event.body) return 0;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').length : Buffer.byteLength(event.body);
}

/** application/json, or any `+json` media type (merge-patch, problem, ...), parameters allowed. */
export function isJsonMediaType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.!#$&^_-]+\+json$/.test(type);
}

/**
 * Parse the JSON body and validate it; errors name the field. A body sent with a content type
 * that is not JSON (a form post, text/plain) is refused with 415; a missing content type is read as JSON.
 */
export function parseBody<S extends z.ZodType>(req: HttpRequest, schema: S): z.infer<S> {
  const contentType = req.headers['content-type'];
  if (contentType !== undefined && contentType.trim() !== '' && !isJsonMediaType(contentType))
    throw problem(
      415,
      `The request body must be JSON (Content-Type: application/json), not ${contentType.slice(0, 100)}.`,
      {
        headers: { accept: 'application/json' },
      },
    );
  if (req.rawBody.trim() === '')
    throw new MalformedPayloadError('The request body is empty; expected a JSON document.');
  let value: unknown;
  try {
    value = JSON.parse(req.rawBody);
  } catch (err) {
    throw new MalformedPayloadError(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  const r = schema.safeParse(value);
  if (!r.success) throw ValidationError.fromZod('The request body is not valid.', r.error);
  return r.data;
}

/**
 * Validate the query string; errors name the parameter. A parameter the route does not know is a
 * 400 naming it (a misspelt filter must not silently list everything).
 */
export function parseQuery<S extends z.ZodType>(req: HttpRequest, schema: S): z.infer<S> {
  if (schema instanceof z.ZodObject) {
    const known = Object.keys(schema.shape as Record<string, unknown>);
    const unknown = Object.keys(req.query).filter((k) => !known.includes(k));
    if (unknown.length) {
      const takes = known.length ? `this route takes ${known.join(', ')}` : 'this route takes no query parameters';
      throw problem(400, `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: ${takes}.`, {
        errors: unknown.map((field) => ({ field, message: `unknown query parameter; ${takes}` })),
      });
    }
  }
  const r = schema.safeParse(req.query);
  if (!r.success) throw ValidationError.fromZod('The query string is not valid.', r.error);
  return r.data;
}

function lowerHeaders(h: APIGatewayProxyEventV2['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Longest path parameter accepted: every id fits; DynamoDB keys (at most 1–2 KB) always hold it. */
export const MAX_PATH_PARAMETER_LENGTH = 512;

function decodes(s: string): boolean {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false;
  }
}

/** Malformed percent-encoding and path ids no item can have are bad requests (400), never a store error (500). */
function checkRequestTarget(event: APIGatewayProxyEventV2): void {
  if (!decodes(event.rawPath ?? ''))
    throw problem(400, 'The path has malformed percent-encoding (a % not followed by two hex digits of UTF-8).');
  for (const part of (event.rawQueryString ?? '').split('&')) {
    const [name = '', value = ''] = part.split('=');
    if (!decodes(name.replace(/\+/g, ' ')) || !decodes(value.replace(/\+/g, ' ')))
      throw problem(
        400,
        `The query parameter ${decodes(name) ? decodeURIComponent(name) : 'name'} has malformed percent-encoding.`,
        {
          errors: [
            { field: decodes(name) ? decodeURIComponent(name) : 'query', message: 'Malformed percent-encoding.' },
          ],
        },
      );
  }
  for (const [name, value] of Object.entries(event.pathParameters ?? {}))
    if ((value ?? '').length > MAX_PATH_PARAMETER_LENGTH)
      throw problem(400, `The path parameter ${name} is longer than ${MAX_PATH_PARAMETER_LENGTH} characters.`, {
        errors: [{ field: name, message: `At most ${MAX_PATH_PARAMETER_LENGTH} characters.` }],
      });
}

export interface HttpApiOptions {
  maxBodyBytes?: number;
  /** Answer 503 this long before the Lambda deadline (default TIMEOUT_EARLY_MS). */
  timeoutEarlyMs?: number;
  /** Clock, injectable for tests. */
  clock?: () => Date;
  /**
   * Required when an operation creates (POST answering 201): `runIdempotent` from
   * shared/http/idempotency.ts. Passed in, so functions without create routes do not bundle it.
   */
  idempotency?: IdempotentRunner;
}

/**
 * Build a Lambda handler for the operations a function serves (shared/api/operations/*), one
 * handler per operation keyed by its route key. Before a handler runs: the route must be one of
 * the operations (404), the body at most maxBodyBytes (413), the caller must hold the operation's
 * role (401/403), and its query and body must parse with the operation's schemas (400/415/422).
 * A create operation (POST answering 201) with an Idempotency-Key header runs once per caller,
 * route and key (shared/http/idempotency.ts).
 */
export function httpApi<const Ops extends readonly Operation[]>(
  operations: Ops,
  handlers: NoInfer<OperationHandlers<Ops>>,
  opts: HttpApiOptions = {},
) {
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES;
  const clock = opts.clock ?? (() => new Date());
  const byKey = handlers as unknown as Record<string, (req: HttpRequest) => Promise<HttpResult>>;
  const routes = new Map<string, { op: Operation; handler: (req: HttpRequest) => Promise<HttpResult> }>();
  for (const op of operations) {
    const key = routeKeyOf(op);
    const handler = byKey[key];
    if (!handler) throw new Error(`httpApi: no handler for the operation ${key}`);
    routes.set(key, { op, handler });
  }
  const unknown = Object.keys(byKey).filter((k) => !routes.has(k));
  if (unknown.length) throw new Error(`httpApi: handlers for routes no operation declares: ${unknown.join(', ')}`);
  const runIdempotent = opts.idempotency;
  const creates = operations.filter(isCreateOperation).map(routeKeyOf);
  if (creates.length && !runIdempotent)
    throw new Error(
      `httpApi: create routes (${creates.join(', ')}) keep Idempotency-Key answers: import httpApi from shared/http/idempotent-api`,
    );

  const dispatch = async (
    event: APIGatewayProxyEventV2,
    context: Context,
    opts?: { signal?: AbortSignal },
  ): Promise<HttpResult> => {
    const route = routes.get(event.routeKey);
    if (!route) throw problem(404, `No route for ${event.routeKey}.`);
    if (bodyBytes(event) > maxBody)
      throw problem(413, `The request body is larger than ${maxBody} bytes; split it into smaller requests.`);
    checkRequestTarget(event);
    const { op } = route;
    const req: HttpRequest = {
      event,
      params: (event.pathParameters ?? {}) as Record<string, string>,
      query: event.queryStringParameters ?? {},
      headers: lowerHeaders(event.headers),
      rawBody: bodyText(event),
      now: clock(),
      input: { query: undefined, body: undefined },
      signal: opts?.signal,
    };
    if (op.role) req.principal = requireRole(event, op.role);
    if (op.input === 'handler') req.input = { query: req.query, body: undefined };
    else
      req.input = {
        // A route that declares no query parameters refuses any (a misspelt filter is a 400, not ignored).
        query: parseQuery(req, op.query ?? NO_QUERY),
        body: op.body ? parseBody(req, op.body) : undefined,
      };
    const key = isCreateOperation(op) ? idempotencyKeyOf(req.headers) : undefined;
    if (key === undefined || !runIdempotent) return route.handler(req);
    const body = op.input === 'handler' ? req.rawBody : req.input.body;
    return runIdempotent(
      { principal: req.principal?.id ?? 'anonymous', route: event.routeKey, key, body },
      context,
      () => route.handler(req),
    );
  };

  // A handler nearing its Lambda timeout (a stalled store) answers 503 + Retry-After two seconds
  // before the deadline instead of a gateway 500/504; writes are ordered so a retry completes them.
  const handler = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>({
    timeoutEarlyInMillis: opts.timeoutEarlyMs ?? TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: () => {
      const late = lateAnswers.getStore()?.result;
      if (late) {
        logger.warn('request answered at its deadline with what it had committed', { status: late.statusCode });
        return late;
      }
      throw problem(503, 'Nocturne could not finish the request in time (the store is slow); retry shortly.', {
        headers: { 'retry-after': '5' },
      });
    },
  })
    .use(injectLambdaContext(logger))
    .use({
      onError: async (request) => {
        const p = toProblem(request.error);
        if (p.status >= 500)
          logger.error('request failed', { error: request.error as Error, routeKey: request.event.routeKey });
        else logger.info('request rejected', { status: p.status, detail: p.detail, routeKey: request.event.routeKey });
        request.response = problemResponse(p, request.event.rawPath);
      },
    })
    .handler(dispatch);
  // Each request gets its own late answer (the local runtime runs many requests in one process).
  return (event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> =>
    lateAnswers.run({}, () => handler(event, context));
}

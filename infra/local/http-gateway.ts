// API Gateway (HTTP API, payload format 2.0) for the local runtime: routes requests to the
// catalog's http triggers, emulates the JWT authorizer with configured ops tokens, throttles
// with token buckets from catalog.throttle, builds the v2 event, and maps the handler's result
// to the HTTP response as API Gateway does. Errors the gateway itself produces are
// problem+json and carry `x-amzn-errortype`, so a caller (and the tests) can tell them from
// the handler's own answers.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Catalog, FunctionDefinition, HttpTrigger } from '../catalog';
import { HandlerMissingError, describe, type LambdaHost } from './lambda';

/** API Gateway's payload limit. The handlers enforce their own 1 MB limit. */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** Lambda's synchronous invocation payload limit (request and response). */
const MAX_LAMBDA_PAYLOAD = 6 * 1024 * 1024;

export interface OpsIdentity {
  sub: string;
  email: string;
  groups: string[];
  /** Limits the identity to a realm / organization (Cognito custom attributes custom:realm, custom:organization). */
  realm?: string;
  organization?: string;
}

export interface GatewayRoute {
  fn: FunctionDefinition;
  trigger: HttpTrigger;
  routeKey: string;
  segments: Array<{ literal: string } | { param: string; greedy: boolean }>;
  /** Throttled with the webhook limits (token-authenticated monitor routes). */
  webhook: boolean;
}

export function compileRoutes(functions: FunctionDefinition[]): GatewayRoute[] {
  const routes: GatewayRoute[] = [];
  const seen = new Map<string, string>();
  for (const fn of functions) {
    for (const t of fn.triggers) {
      if (t.kind !== 'http') continue;
      const routeKey = `${t.method} ${t.path}`;
      const other = seen.get(routeKey);
      if (other) throw new Error(`Route ${routeKey} is declared twice in infra/catalog.ts (${other} and ${fn.name})`);
      seen.set(routeKey, fn.name);
      const segments = t.path
        .split('/')
        .slice(1)
        .map((seg) => {
          const m = /^\{([A-Za-z0-9_]+)(\+)?\}$/.exec(seg);
          return m ? { param: m[1]!, greedy: Boolean(m[2]) } : { literal: seg };
        });
      routes.push({ fn, trigger: t, routeKey, segments, webhook: t.auth === 'token' });
    }
  }
  return routes;
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Match a path: literals beat parameters, parameters beat greedy parameters, left to right. */
export function matchRoute(
  routes: GatewayRoute[],
  method: string,
  rawPath: string,
): { route: GatewayRoute; params: Record<string, string> } | undefined {
  const parts = rawPath.split('/').slice(1);
  let best: { route: GatewayRoute; params: Record<string, string>; score: number[] } | undefined;
  for (const route of routes) {
    if (route.trigger.method !== method) continue;
    const params: Record<string, string> = {};
    const score: number[] = [];
    let ok = true;
    for (let i = 0; i < route.segments.length; i++) {
      const seg = route.segments[i]!;
      if ('literal' in seg) {
        if (i >= parts.length || decodeSegment(parts[i]!) !== seg.literal) ok = false;
        score.push(2);
      } else if (seg.greedy) {
        if (i >= parts.length || parts.slice(i).join('/') === '') ok = false;
        else params[seg.param] = decodeSegment(parts.slice(i).join('/'));
        score.push(0);
        break;
      } else {
        if (i >= parts.length || parts[i] === '') ok = false;
        else params[seg.param] = decodeSegment(parts[i]!);
        score.push(1);
      }
      if (!ok) break;
    }
    const greedy = route.segments.some((s) => 'param' in s && s.greedy);
    if (!ok || (!greedy && parts.length !== route.segments.length)) continue;
    if (!best || compareScores(score, best.score) > 0) best = { route, params, score };
  }
  return best && { route: best.route, params: best.params };
}

function compareScores(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Take one token; when none is left, say how many seconds until one is. */
  take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.rate)) };
  }
}

/** API Gateway passes text bodies as is and base64-encodes everything else. */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    type === 'application/json' ||
    type.endsWith('+json') ||
    type === 'application/javascript' ||
    type === 'application/xml' ||
    type.endsWith('+xml') ||
    type === 'application/yaml' ||
    type === 'application/graphql'
  );
}

export interface GatewayOptions {
  functions: FunctionDefinition[];
  host: LambdaHost;
  throttle: Catalog['throttle'];
  opsTokens: Record<string, OpsIdentity>;
  region: string;
  log: (line: string) => void;
}

type GatewayErrorType =
  | 'NotFoundException'
  | 'UnauthorizedException'
  | 'TooManyRequestsException'
  | 'RequestEntityTooLargeException'
  | 'InternalServerErrorException';

// [problem type slug, title, API Gateway's own message (kept as the `message` member, so
// clients written against API Gateway's {"message": ...} still read it)].
const ERRORS: Record<number, [string, string, string]> = {
  401: ['unauthorized', 'Unauthorized', 'Unauthorized'],
  404: ['not-found', 'Not found', 'Not Found'],
  413: ['payload-too-large', 'Payload too large', 'Request Entity Too Large'],
  429: ['too-many-requests', 'Too many requests', 'Too Many Requests'],
  500: ['internal', 'Internal Server Error', 'Internal Server Error'],
};

export class HttpGateway {
  readonly routes: GatewayRoute[];
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly o: GatewayOptions) {
    this.routes = compileRoutes(o.functions);
  }

  /**
   * Webhook routes are limited per credential (the integration token, wherever the sender puts it):
   * requests with a missing or wrong token fill their own bucket, never a paying sender's. Ops routes
   * count only requests the authorizer accepted. See docs/decisions/0009 for the API Gateway mapping.
   */
  private bucket(route: GatewayRoute, credential = ''): TokenBucket {
    const key = route.webhook
      ? `${route.routeKey}#${createHash('sha256').update(credential).digest('base64url').slice(0, 22)}`
      : route.routeKey;
    let b = this.buckets.get(key);
    if (!b) {
      const t = this.o.throttle;
      b = route.webhook
        ? new TokenBucket(t.webhookRateLimit, t.webhookBurstLimit)
        : new TokenBucket(t.rateLimit, t.burstLimit);
      // Bounded: a flood of made-up tokens recycles the oldest buckets.
      if (this.buckets.size >= 10_000) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(key, b);
    }
    return b;
  }

  private sendProblem(
    res: ServerResponse,
    requestId: string,
    status: number,
    errorType: GatewayErrorType,
    detail: string,
    instance: string,
    headers: Record<string, string> = {},
  ): void {
    const [slug, title, message] = ERRORS[status] ?? ['error', 'Error', 'Error'];
    const body = JSON.stringify({
      type: `https://nocturne.dev/problems/${slug}`,
      title,
      status,
      detail,
      instance,
      message,
    });
    res.writeHead(status, {
      'content-type': 'application/problem+json',
      'apigw-requestid': requestId,
      'x-amzn-errortype': errorType,
      ...headers,
    });
    res.end(body);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomBytes(9).toString('base64').replace(/[+/]/g, 'A');
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const rawQueryString = q >= 0 ? url.slice(q + 1) : '';
    const logLine = (status: number, target: string) =>
      this.o.log(`[http] ${method} ${rawPath} → ${target} ${status} ${Math.round(performance.now() - started)}ms`);

    // Read the body (bounded): API Gateway refuses more than 10 MB.
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    }
    if (tooLarge) {
      logLine(413, 'gateway');
      return this.sendProblem(
        res,
        requestId,
        413,
        'RequestEntityTooLargeException',
        'The request body is larger than 10 MB, the API Gateway limit.',
        rawPath,
      );
    }

    const match = matchRoute(this.routes, method, rawPath);
    if (!match) {
      logLine(404, 'gateway');
      return this.sendProblem(res, requestId, 404, 'NotFoundException', `No route for ${method} ${rawPath}.`, rawPath);
    }
    const { route, params } = match;

    let authorizer: Record<string, unknown> | undefined;
    if (route.trigger.auth === 'jwt') {
      const raw = String(req.headers.authorization ?? '').trim();
      const token = raw.replace(/^Bearer\s+/i, '');
      const identity = token ? this.o.opsTokens[token] : undefined;
      if (!identity) {
        logLine(401, 'authorizer');
        return this.sendProblem(
          res,
          requestId,
          401,
          'UnauthorizedException',
          token ? 'The bearer token is not valid.' : 'This route needs a bearer token from the ops identity provider.',
          rawPath,
          { 'www-authenticate': 'Bearer' },
        );
      }
      authorizer = { jwt: { claims: claimsFor(identity), scopes: null } };
    }

    // Counted only now: a request the authorizer refused never uses up an authenticated caller's limit.
    const throttled = this.bucket(
      route,
      route.webhook ? webhookCredential(req, rawQueryString, params, chunks) : '',
    ).take();
    if (!throttled.ok) {
      logLine(429, 'gateway');
      return this.sendProblem(
        res,
        requestId,
        429,
        'TooManyRequestsException',
        `Rate limit exceeded for ${route.routeKey}; retry later.`,
        rawPath,
        {
          'retry-after': String(throttled.retryAfterSeconds),
        },
      );
    }

    const body = Buffer.concat(chunks);
    const event = buildEvent({ req, method, rawPath, rawQueryString, route, params, body, requestId, authorizer });
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_LAMBDA_PAYLOAD) {
      logLine(413, 'gateway');
      return this.sendProblem(
        res,
        requestId,
        413,
        'RequestEntityTooLargeException',
        'The request is larger than the 6 MB Lambda payload limit.',
        rawPath,
      );
    }

    let result: unknown;
    try {
      result = await this.o.host.invoke(route.fn.name, event, `http:${route.routeKey}`);
    } catch (err) {
      const missing = err instanceof HandlerMissingError;
      this.o.log(`[http] ${route.routeKey} → ${route.fn.name} failed: ${describe(err)}`);
      logLine(500, route.fn.name);
      return this.sendProblem(
        res,
        requestId,
        500,
        'InternalServerErrorException',
        missing ? `The local runtime cannot load ${route.fn.name}: ${(err as Error).message}` : 'Internal Server Error',
        rawPath,
      );
    }
    const response = toHttpResponse(result);
    if (!response) {
      this.o.log(`[http] ${route.routeKey} → ${route.fn.name} returned a malformed or oversized response`);
      logLine(500, route.fn.name);
      return this.sendProblem(res, requestId, 500, 'InternalServerErrorException', 'Internal Server Error', rawPath);
    }
    res.writeHead(response.statusCode, { ...response.headers, 'apigw-requestid': requestId });
    res.end(response.body);
    logLine(response.statusCode, route.fn.name);
  }
}

/** Claims as API Gateway's JWT authorizer passes them: strings, arrays as "[a b]". */
export function claimsFor(identity: OpsIdentity): Record<string, string> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: identity.sub,
    email: identity.email,
    email_verified: 'true',
    'cognito:groups': `[${identity.groups.join(' ')}]`,
    'cognito:username': identity.sub,
    iss: 'https://cognito-idp.local.amazonaws.com/local_nocturne',
    aud: 'nocturne-local',
    token_use: 'id',
    auth_time: String(now),
    iat: String(now),
    exp: String(now + 3600),
    ...(identity.realm ? { 'custom:realm': identity.realm } : {}),
    ...(identity.organization ? { 'custom:organization': identity.organization } : {}),
  };
}

function buildEvent(a: {
  req: IncomingMessage;
  method: string;
  rawPath: string;
  rawQueryString: string;
  route: GatewayRoute;
  params: Record<string, string>;
  body: Buffer;
  requestId: string;
  authorizer?: Record<string, unknown>;
}): APIGatewayProxyEventV2 {
  const { req } = a;
  // Headers lower-cased, repeats joined with commas; cookies move to their own field.
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const v = raw[i + 1]!;
    if (k === 'cookie')
      cookies.push(
        ...v
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
    else headers[k] = k in headers ? `${headers[k]},${v}` : v;
  }
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-amzn-trace-id'] =
    `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;

  let queryStringParameters: Record<string, string> | undefined;
  if (a.rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(a.rawQueryString)) {
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
  }
  const now = new Date();
  const text = isTextContentType(headers['content-type']);
  const host = headers.host ?? 'localhost';
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: a.route.routeKey,
    rawPath: a.rawPath,
    rawQueryString: a.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(Object.keys(a.params).length ? { pathParameters: a.params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0]!.split(':')[0]!,
      http: {
        method: a.method,
        path: a.rawPath,
        protocol: `HTTP/${a.req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: a.requestId,
      routeKey: a.route.routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
      ...(a.authorizer ? { authorizer: a.authorizer } : {}),
    } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
  };
  if (a.body.length) {
    event.body = text ? a.body.toString('utf8') : a.body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "21/Nov/2026:23:31:47 +0000", API Gateway's requestContext.time format. */
function apiGatewayTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * The handler's result as API Gateway (payload 2.0) turns it into a response: a structured
 * result ({statusCode, headers, cookies, body, isBase64Encoded}) is used as is; anything else
 * is a 200 application/json of the JSON-serialised result. undefined: malformed or too large.
 */
export function toHttpResponse(
  result: unknown,
): { statusCode: number; headers: Record<string, string | string[]>; body: Buffer } | undefined {
  const serialized = JSON.stringify(result ?? null);
  if (Buffer.byteLength(serialized) > MAX_LAMBDA_PAYLOAD) return undefined;
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    const r = result as APIGatewayProxyStructuredResultV2;
    if (typeof r.statusCode !== 'number' || !Number.isInteger(r.statusCode) || r.statusCode < 100 || r.statusCode > 599)
      return undefined;
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const body =
      r.body === undefined || r.body === null
        ? Buffer.alloc(0)
        : Buffer.from(String(r.body), r.isBase64Encoded ? 'base64' : 'utf8');
    return { statusCode: r.statusCode, headers, body };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(serialized) };
}

/** The credential a webhook sender presents (header, query or PagerDuty routing_key), '' when none. */
function webhookCredential(
  req: IncomingMessage,
  rawQueryString: string,
  params: Record<string, string>,
  chunks: Buffer[],
): string {
  const h = req.headers;
  const header = String(h.authorization ?? h['x-nocturne-token'] ?? '');
  const query = new URLSearchParams(rawQueryString).get('token') ?? '';
  let routingKey = '';
  if (!header && !query && chunks.length) {
    const m = /"routing_key"\s*:\s*"([^"]{1,200})"/.exec(
      Buffer.concat(chunks)
        .subarray(0, 64 * 1024)
        .toString('utf8'),
    );
    routingKey = m?.[1] ?? '';
  }
  const token = header || query || routingKey;
  return token ? `${params.integrationId ?? ''}#${token}` : '';
}

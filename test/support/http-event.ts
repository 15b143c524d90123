// Builds API Gateway HTTP API (v2) events for handler-level tests, in the shape API Gateway
// (and the local runtime) produce.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Role } from '../../shared/http/auth';

export interface EventInput {
  routeKey: string;
  path?: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | object;
  role?: Role | null;
  sub?: string;
  /** Extra JWT claims, e.g. { 'custom:realm': 'acme' } for a realm-scoped role. */
  claims?: Record<string, string>;
}

export function apiEvent(input: EventInput): APIGatewayProxyEventV2 {
  const [method, template] = input.routeKey.split(' ') as [string, string];
  const path =
    input.path ??
    template.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(input.params?.[name] ?? name));
  const body =
    input.body === undefined ? undefined : typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(input.headers ?? {}) };
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: input.routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(input.query ?? {}).toString(),
    headers,
    queryStringParameters: input.query,
    pathParameters: input.params,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey: input.routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
  if (input.role !== undefined && input.role !== null) {
    (event.requestContext as unknown as Record<string, unknown>).authorizer = {
      jwt: {
        claims: {
          sub: input.sub ?? `user-${input.role}`,
          email: `${input.role}@example.com`,
          'cognito:groups': `[${input.role}]`,
          ...(input.claims ?? {}),
        },
        scopes: null,
      },
    };
  }
  return event;
}

export type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export const lambdaContext = {
  functionName: 'test',
  awsRequestId: 'test',
  getRemainingTimeInMillis: () => 10000,
} as unknown as Context;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(handler: Handler, input: EventInput): Promise<Answer> {
  const r = (await handler(apiEvent(input), lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = (r.headers ?? {}) as Record<string, string>;
  let body: unknown = r.body;
  if (typeof r.body === 'string' && r.body && /json/.test(headers['content-type'] ?? '')) body = JSON.parse(r.body);
  return { status: r.statusCode ?? 200, headers, body };
}

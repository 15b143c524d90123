// Helpers for ticket tests: API calls as an agent, a viewer or a particular requester (the
// generic test events give every requester the same email, so the claims are set here).
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Role } from '../../../shared/http/auth';
import { apiEvent, lambdaContext, type Answer, type Handler } from '../../support/http-event';

export interface As {
  role: Role;
  sub: string;
  email: string;
}

export const agent: As = { role: 'responder', sub: 'agent-ana', email: 'ana@nocturne.test' };
export const admin: As = { role: 'admin', sub: 'admin-al', email: 'al@nocturne.test' };
export const viewer: As = { role: 'viewer', sub: 'viewer-vi', email: 'vi@nocturne.test' };
export const requester = (email: string): As => ({ role: 'requester', sub: `req-${email}`, email });

export interface Call {
  routeKey: string;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  as?: As | null;
}

export async function callAs(handler: unknown, c: Call): Promise<Answer> {
  const who = c.as === undefined ? agent : c.as;
  const event: APIGatewayProxyEventV2 = apiEvent({
    routeKey: c.routeKey,
    params: c.params,
    query: c.query,
    headers: c.headers,
    body: c.body as object | string | undefined,
    role: who ? who.role : null,
  });
  if (who) {
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
      jwt: { claims: { sub: who.sub, email: who.email, 'cognito:groups': `[${who.role}]` }, scopes: null },
    };
  }
  const r = (await (handler as Handler)(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = (r.headers ?? {}) as Record<string, string>;
  let body: unknown = r.body;
  if (typeof r.body === 'string' && r.body && /json/.test(headers['content-type'] ?? '')) body = JSON.parse(r.body);
  return { status: r.statusCode ?? 200, headers, body };
}

export const uniq = (p = 't') => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

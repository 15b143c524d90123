// The API Gateway emulation's pure parts: route selection, throttling buckets, body encoding,
// and how a handler's result becomes a response.
import { catalog } from '../../../infra/catalog';
import {
  compileRoutes,
  isTextContentType,
  matchRoute,
  toHttpResponse,
  TokenBucket,
  claimsFor,
} from '../../../infra/local/http-gateway';
import type { FunctionDefinition } from '../../../infra/catalog';

const fn = (name: string, ...paths: Array<[string, string]>): FunctionDefinition => ({
  name,
  description: name,
  entry: `functions/${name}/handler.ts`,
  memoryMb: 128,
  timeoutSeconds: 3,
  triggers: paths.map(([method, path]) => ({
    kind: 'http' as const,
    method: method as 'GET',
    path,
    auth: 'public' as const,
  })),
});

describe('route selection', () => {
  const routes = compileRoutes([
    fn('a', ['GET', '/alerts/{id}'], ['GET', '/alerts/stats'], ['POST', '/alerts/{id}/ack']),
    fn('b', ['GET', '/files/{path+}'], ['GET', '/alerts']),
  ]);

  it('prefers literal segments over parameters', () => {
    expect(matchRoute(routes, 'GET', '/alerts/stats')?.route.routeKey).toBe('GET /alerts/stats');
    expect(matchRoute(routes, 'GET', '/alerts/123')).toMatchObject({
      route: { routeKey: 'GET /alerts/{id}' },
      params: { id: '123' },
    });
  });

  it('decodes path parameters', () => {
    expect(matchRoute(routes, 'GET', '/alerts/a%20b')?.params).toEqual({ id: 'a b' });
  });

  it('matches the method and the number of segments', () => {
    expect(matchRoute(routes, 'DELETE', '/alerts/1')).toBeUndefined();
    expect(matchRoute(routes, 'GET', '/alerts/1/ack')).toBeUndefined();
    expect(matchRoute(routes, 'POST', '/alerts/1/ack')?.params).toEqual({ id: '1' });
    expect(matchRoute(routes, 'GET', '/alerts/')).toBeUndefined();
  });

  it('supports greedy parameters', () => {
    expect(matchRoute(routes, 'GET', '/files/a/b/c')?.params).toEqual({ path: 'a/b/c' });
  });

  it('refuses a route declared twice', () => {
    expect(() => compileRoutes([fn('a', ['GET', '/x']), fn('b', ['GET', '/x'])])).toThrow(/declared twice/);
  });

  it('serves every http trigger of the catalog, webhooks with the webhook limits', () => {
    const all = compileRoutes(catalog.functions);
    for (const r of all) {
      const concrete = r.trigger.path.replace(/\{[^}]+\}/g, 'x');
      expect(matchRoute(all, r.trigger.method, concrete)?.route.routeKey).toBe(r.routeKey);
      expect(r.webhook).toBe(r.trigger.auth === 'token');
    }
  });
});

describe('token bucket', () => {
  it('allows the burst, then refills at the rate and says when to retry', () => {
    let now = 0;
    const b = new TokenBucket(2, 3, () => now);
    expect([b.take(), b.take(), b.take()].every((r) => r.ok)).toBe(true);
    expect(b.take()).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 500; // half a second at 2/s: one token
    expect(b.take().ok).toBe(true);
    expect(b.take().ok).toBe(false);
  });
});

describe('body encoding', () => {
  it('passes text types as is and base64-encodes the rest, like API Gateway', () => {
    for (const t of [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/problem+json',
      'application/xml',
    ])
      expect(isTextContentType(t)).toBe(true);
    for (const t of [
      undefined,
      'application/octet-stream',
      'application/x-www-form-urlencoded',
      'image/png',
      'application/x-protobuf',
    ])
      expect(isTextContentType(t)).toBe(false);
  });
});

describe('handler result to response', () => {
  it('uses a structured result as is, cookies as Set-Cookie', () => {
    const r = toHttpResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain', 'X-N': 1 },
      body: 'ok',
      cookies: ['a=1', 'b=2'],
    });
    expect(r).toMatchObject({
      statusCode: 201,
      headers: { 'content-type': 'text/plain', 'x-n': '1', 'set-cookie': ['a=1', 'b=2'] },
    });
    expect(r!.body.toString()).toBe('ok');
  });

  it('decodes a base64 body', () => {
    const r = toHttpResponse({
      statusCode: 200,
      body: Buffer.from([0, 255]).toString('base64'),
      isBase64Encoded: true,
    });
    expect([...r!.body]).toEqual([0, 255]);
  });

  it('turns anything without a statusCode into 200 JSON', () => {
    const r = toHttpResponse({ hello: 'world' });
    expect(r).toMatchObject({ statusCode: 200, headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(r!.body.toString())).toEqual({ hello: 'world' });
    expect(toHttpResponse('text')!.body.toString()).toBe('"text"');
  });

  it('rejects a malformed status code (API Gateway answers 500)', () => {
    expect(toHttpResponse({ statusCode: 'OK' })).toBeUndefined();
    expect(toHttpResponse({ statusCode: 42 })).toBeUndefined();
  });
});

describe('JWT claims', () => {
  it('passes groups the way API Gateway flattens a Cognito array', () => {
    expect(claimsFor({ sub: 'u1', email: 'u1@x', groups: ['admin', 'responder'] })).toMatchObject({
      sub: 'u1',
      email: 'u1@x',
      'cognito:groups': '[admin responder]',
    });
  });
});

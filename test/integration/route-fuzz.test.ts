// Issue 10 §2, for EVERY route of the catalog (a route added later is fuzzed as soon as it is
// declared): each class of hostile or malformed request gets a 4xx problem+json, never a 5xx, and
// writes nothing. The classes: very long path ids, malformed percent-encoding (path and query),
// numbers beyond 2^53 (query and body), malformed cursors (400 naming `cursor` where the route
// pages), a non-JSON content type (415), malformed JSON (400), a body past the size limit (413),
// and a missing or wrong credential (401/403). Handlers are called in process, as API Gateway
// would call them, against DynamoDB Local (a table of this file's own, counted before and after).
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { catalog, type FunctionDefinition, type HttpTrigger } from '../../infra/catalog';
import { routeKeyOf, type Operation } from '../../shared/api/operation';
import { allOperations } from '../../shared/api/operations';
import { documentClient, tableName } from '../../shared/store/client';
import { apiEvent, lambdaContext, type EventInput, type Handler } from '../support/http-event';
import { useOwnTable } from '../support/store';

useOwnTable();
jest.setTimeout(120_000);
// As a deployed function that signs page links has it (the act routes check links with it).
process.env.ACT_LINK_SECRET ??= 'fuzz-act-link-secret';

/** PagerDuty Events API v2 answers errors in PagerDuty's own JSON shape, which its clients parse. */
const OWN_ERROR_SHAPE = new Set(['POST /v2/enqueue']);
/** Larger than any route accepts (API Gateway's own limit is 10 MB). */
const HUGE_BODY = JSON.stringify({ pad: 'x'.repeat(10 * 1024 * 1024 + 10) });

const ROOT = path.resolve(__dirname, '../..');
const operations = new Map((allOperations as readonly Operation[]).map((op) => [routeKeyOf(op), op]));

interface Route {
  key: string;
  fn: FunctionDefinition;
  trigger: HttpTrigger;
  op: Operation;
  params: string[];
}

const routes: Route[] = catalog.functions.flatMap((fn) =>
  fn.triggers.flatMap((t) => {
    if (t.kind !== 'http') return [];
    const key = `${t.method} ${t.path}`;
    const op = operations.get(key);
    if (!op) throw new Error(`${key} (${fn.name}) has no operation in shared/api/operations`);
    return [{ key, fn, trigger: t, op, params: [...t.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!) }];
  }),
);

const handlers = new Map<string, Promise<Handler>>();
function handlerOf(fn: FunctionDefinition): Promise<Handler> {
  let h = handlers.get(fn.name);
  if (!h) {
    h = import(path.join(ROOT, fn.entry)).then((m: { handler: Handler }) => m.handler);
    handlers.set(fn.name, h);
  }
  return h;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: { status?: number; detail?: string; errors?: Array<{ field: string }> } | undefined;
}

async function send(route: Route, event: APIGatewayProxyEventV2): Promise<Answer> {
  const r = (await (await handlerOf(route.fn))(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  let body: Answer['body'];
  try {
    body = typeof r.body === 'string' && r.body ? JSON.parse(r.body) : undefined;
  } catch {
    body = undefined;
  }
  return { status: r.statusCode ?? 200, headers, body };
}

/** The request as a caller allowed on the route would send it, with `patch` applied. */
function event(route: Route, patch: Partial<EventInput> = {}, raw: Partial<APIGatewayProxyEventV2> = {}) {
  const params = Object.fromEntries(route.params.map((p) => [p, `fuzz-${p}`]));
  const e = apiEvent({
    routeKey: route.key,
    params,
    role: route.trigger.auth === 'jwt' ? 'admin' : null,
    sub: 'fuzz-admin',
    ...patch,
  });
  return { ...e, ...raw };
}

/** Every answer of every class: a client error with a problem+json body that agrees with the status. */
function expectProblem(a: Answer, statuses?: number[], route?: Route): void {
  expect(a.status).toBeGreaterThanOrEqual(400);
  expect(a.status).toBeLessThan(500);
  if (statuses) expect(statuses).toContain(a.status);
  if (route && OWN_ERROR_SHAPE.has(route.key)) return;
  expect(a.headers['content-type']).toBe('application/problem+json');
  expect(a.body?.status).toBe(a.status);
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');
const MALFORMED_CURSORS = [
  '!!not-base64!!',
  b64('not json'),
  b64('null'),
  b64('[1,2]'),
  b64('{"pk":1}'),
  b64('{"pk":"X","sk":{"nested":true}}'),
  b64('{"pk":"ORDER#x","sk":"ORDER","gsi1pk":["a"]}'),
  'x'.repeat(3000),
];
const HUGE_NUMBERS = ['9007199254740993', '123456789012345678901234567890', '1e400', '-1e400'];

const hasBody = (r: Route) => r.op.body !== undefined || r.op.input === 'handler';
const pages = (r: Route) => r.op.input !== 'handler' && r.op.query !== undefined && 'cursor' in r.op.query.shape;
const withParams = routes.filter((r) => r.params.length > 0);
const withBody = routes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.trigger.method) && hasBody(r));
const jsonBody = withBody.filter((r) => r.op.input !== 'handler');
const paging = routes.filter(pages);
const withRole = routes.filter((r) => r.trigger.auth === 'jwt' && r.op.role !== undefined);
const names = (list: Route[]) => list.map((r) => [r.key, r] as const);

async function itemCount(table: string): Promise<number> {
  let n = 0;
  let from: Record<string, unknown> | undefined;
  do {
    const r = await documentClient().send(
      new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: from }),
    );
    n += r.Count ?? 0;
    from = r.LastEvaluatedKey;
  } while (from);
  return n;
}

// This file's own table, named once (the count at the end reads it).
let ownTable = '';
let before = 0;
beforeAll(async () => {
  ownTable = tableName();
  before = await itemCount(ownTable);
});

it('covers every route of the catalog', () => {
  expect(routes.length).toBeGreaterThan(100);
  expect(paging.length).toBeGreaterThan(10);
  expect(jsonBody.length).toBeGreaterThan(20);
});

describe.each(names(withParams))('very long path ids: %s', (_k, route) => {
  it('400 naming the parameter', async () => {
    const params = Object.fromEntries(route.params.map((p) => [p, 'x'.repeat(5000)]));
    const a = await send(route, event(route, { params }));
    expectProblem(a, [400], route);
    expect(a.body?.errors?.map((e) => e.field)).toEqual(expect.arrayContaining([route.params[0]]));
  });
});

describe.each(names(withParams))('malformed percent-encoding in the path: %s', (_k, route) => {
  it('400', async () => {
    const e = event(route);
    const bad = route.trigger.path.replace(/\{(\w+)\}/g, '%E0%A4%A');
    const a = await send(route, {
      ...e,
      rawPath: bad,
      requestContext: { ...e.requestContext, http: { ...e.requestContext.http, path: bad } },
    });
    expectProblem(a, [400], route);
  });
});

describe.each(names(routes))('malformed query strings and numbers beyond 2^53: %s', (_k, route) => {
  it('malformed percent-encoding: 400', async () => {
    const a = await send(
      route,
      event(route, {}, { rawQueryString: 'limit=%ZZ', queryStringParameters: { limit: '%ZZ' } }),
    );
    expectProblem(a, [400], route);
  });

  it.each(HUGE_NUMBERS)('limit=%s: a 4xx', async (n) => {
    const a = await send(route, event(route, { query: { limit: n } }));
    if (route.op.input === 'handler' && a.status < 400) return; // a handler that reads its own query may ignore it
    expectProblem(a, undefined, route);
  });
});

describe.each(names(paging))('malformed cursors: %s', (_k, route) => {
  // Without a cursor the request may already be refused (a required filter, a parent that does
  // not exist): then a bad cursor must not make it worse than that 4xx.
  let baseline: Answer;
  beforeAll(async () => {
    baseline = await send(route, event(route));
  });

  it.each(MALFORMED_CURSORS.map((c) => [c.slice(0, 40), c]))('cursor %s: 400 naming cursor', async (_c, cursor) => {
    const a = await send(route, event(route, { query: { cursor } }));
    if (baseline.status >= 400) {
      expect(baseline.status).toBeLessThan(500);
      expectProblem(a, undefined, route);
      return;
    }
    expectProblem(a, [400], route);
    expect(a.body?.errors?.map((e) => e.field)).toContain('cursor');
  });
});

describe.each(names(withBody))('bodies: %s', (_k, route) => {
  if (route.op.input !== 'handler') {
    it('a non-JSON content type: 415', async () => {
      const a = await send(
        route,
        event(route, { body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      );
      expectProblem(a, [415], route);
    });

    it('malformed JSON: 400', async () => {
      const a = await send(route, event(route, { body: '{"a": [1, 2' }));
      expectProblem(a, [400], route);
    });

    it('numbers beyond 2^53 and beyond the double range: a 4xx', async () => {
      const a = await send(
        route,
        event(route, { body: `{"version": 123456789012345678901234567890, "n": 1e400, "id": 9007199254740993}` }),
      );
      expectProblem(a, undefined, route);
    });
  }

  it('a body past the size limit: 413', async () => {
    const a = await send(route, event(route, { body: HUGE_BODY }));
    expectProblem(a, [413], route);
  });
});

describe.each(names(withRole))('credentials: %s', (_k, route) => {
  it('no token: 401', async () => {
    const a = await send(route, event(route, { role: null }));
    expectProblem(a, [401], route);
  });

  it('a token with no role: 403', async () => {
    const e = event(route);
    const ctx = e.requestContext as unknown as { authorizer: { jwt: { claims: Record<string, string> } } };
    ctx.authorizer.jwt.claims['cognito:groups'] = '[]';
    const a = await send(route, e);
    expectProblem(a, [403], route);
  });
});

describe.each(names(routes.filter((r) => r.trigger.auth === 'token')))('webhook credentials: %s', (_k, route) => {
  it('a wrong integration token: a 4xx', async () => {
    const a = await send(
      route,
      event(route, {
        params: Object.fromEntries(route.params.map((p) => [p, 'fuzz-no-such-integration'])),
        headers: { authorization: 'Bearer wrong-token', 'content-type': 'application/json' },
        body: {
          routing_key: 'wrong-token',
          event_action: 'trigger',
          payload: { summary: 's', source: 'x', severity: 'error' },
        },
      }),
    );
    expectProblem(a, undefined, route);
  });
});

// Last in the file, so after every request above (useOwnTable drops the table in its afterAll).
it('wrote nothing that any of these requests carried', async () => {
  expect(await itemCount(ownTable)).toBe(before);
});

// The local runtime serves every function and trigger of infra/catalog.ts, and emulates the
// AWS services around them faithfully: API Gateway (v2 payload, JWT authorizer, throttling,
// limits), EventBridge (patterns, schedules, retries), SNS (jsonl, HTTP subscribers) and
// DynamoDB Streams (batches, partial failures, checkpoints across restarts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, DynamoDBRecord, DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { eventPublisher } from '../../shared/adapters/events';
import { getNotifier } from '../../shared/adapters/notifier';
import { taskCallbacks } from '../../shared/adapters/stepfunctions';
import { principalOf } from '../../shared/http/auth';
import { documentClient } from '../../shared/store/client';
import { catalog, type FunctionDefinition, type HttpTrigger, type Trigger } from '../../infra/catalog';
import { PROJECT_ROOT } from '../../infra/local/dynamodb-local';
import { matchesEventPattern } from '../../infra/local/event-pattern';
import type { LambdaHandler } from '../../infra/local/lambda';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

jest.setTimeout(60_000);

const missingEntries = catalog.functions.filter((fn) => !existsSync(path.join(PROJECT_ROOT, fn.entry)));
const isWritten = (fn: FunctionDefinition) => !missingEntries.includes(fn);

describe('every catalog function and trigger is served', () => {
  let rt: TestRuntime;
  beforeAll(async () => {
    if (missingEntries.length)
      console.warn(`Not written yet (only their wiring is checked): ${missingEntries.map((f) => f.entry).join(', ')}`);
    rt = await startTestRuntime({ seedDemo: true });
  });
  afterAll(() => rt?.stop());

  const httpCases = catalog.functions.flatMap((fn) =>
    fn.triggers
      .filter((t): t is HttpTrigger => t.kind === 'http')
      .map((t) => [`${t.method} ${t.path}`, fn, t] as const),
  );

  it.each(httpCases)('%s is routed to its function', async (routeKey, fn, trigger) => {
    // Prepare: a concrete path that touches no data (an unknown id, the demo integration for hooks).
    const concrete = trigger.path.replace('{integrationId}', 'demo-generic').replace(/\{[^}]+\}/g, 'no-such-id');
    const body = ['POST', 'PUT', 'PATCH'].includes(trigger.method) ? {} : undefined;

    if (trigger.auth === 'jwt') {
      // The emulated JWT authorizer answers before the handler: proof the route exists.
      const anonymous = await rt.request(trigger.method, concrete, { body });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    }
    const before = rt.invocations.length;

    // Act
    const res = await rt.request(trigger.method, concrete, {
      body,
      token: trigger.auth === 'jwt' ? 'demo-admin-token' : undefined,
    });
    await res.arrayBuffer();

    // Assess: never the router's "no such route"; the function was invoked for this route.
    expect(res.headers.get('x-amzn-errortype')).not.toBe('NotFoundException');
    const calls = rt.invocations.slice(before).filter((i) => i.function === fn.name && i.source === `http:${routeKey}`);
    expect(calls).toHaveLength(1);
    if (isWritten(fn)) {
      expect(calls[0]!.error).toBeUndefined();
      expect(res.headers.get('x-amzn-errortype')).toBeNull();
      expect(res.status).toBeLessThan(500);
    }
  });

  it('registers every schedule trigger', () => {
    const declared = catalog.functions.flatMap((fn) =>
      fn.triggers
        .filter((t) => t.kind === 'schedule')
        .map((t) => ({ function: fn.name, expression: (t as { expression: string }).expression })),
    );
    expect(rt.schedules.map((s) => ({ function: s.function, expression: s.expression }))).toEqual(declared);
    for (const s of rt.schedules) expect(s.arn).toBe(`arn:aws:events:us-east-1:000000000000:rule/${s.name}`);
  });

  it('loads the handler of every written function (schedule- and event-only ones included)', () => {
    // Scheduled handlers may run for most of a minute (a sweeper), so they are loaded, not run.
    expect(rt.preload()).toEqual([]);
    expect(rt.missingHandlers()).toEqual(missingEntries.map((f) => `${f.name} (${f.entry})`));
  });

  it('registers every event trigger with its pattern', () => {
    const declared = catalog.functions.flatMap((fn) =>
      fn.triggers
        .filter((t) => t.kind === 'event')
        .map((t) => ({ function: fn.name, pattern: (t as { pattern: unknown }).pattern })),
    );
    expect(rt.rules.map((r) => ({ function: r.function, pattern: r.pattern }))).toEqual(declared);
  });

  it('polls the table stream for every tableStream function', async () => {
    const declared = catalog.functions.flatMap((fn) =>
      fn.triggers
        .filter((t) => t.kind === 'tableStream')
        .map((t) => ({ function: fn.name, batchSize: (t as { batchSize: number }).batchSize })),
    );
    expect(rt.streams.map((s) => ({ function: s.function, batchSize: s.batchSize }))).toEqual(declared);

    // Act: a committed change of an entity no mapper knows.
    await rt.drainStreams();
    const before = rt.invocations.length;
    const readBefore = new Map(rt.streams.map((s) => [s.function, s.read]));
    await documentClient().send(
      new PutCommand({
        TableName: rt.tables.main,
        Item: { pk: 'LOCAL-RUNTIME-PROBE', sk: 'PROBE', type: 'LocalRuntimeProbe' },
      }),
    );
    await rt.drainStreams();

    // Assess: every written function's poller read it; only one without an item type filter (or whose
    // filter names the type) was invoked with it.
    for (const d of declared) {
      const fn = catalog.functions.find((f) => f.name === d.function)!;
      const trigger = fn.triggers.find((t) => t.kind === 'tableStream')!;
      const stream = rt.streams.find((s) => s.function === d.function)!;
      expect(stream.itemTypes).toEqual(trigger.itemTypes);
      const calls = rt.invocations.slice(before).filter((i) => i.function === d.function && i.source === 'tableStream');
      if (!isWritten(fn)) expect(stream.status).toBe('waiting-for-handler');
      else {
        expect(stream.read).toBeGreaterThan(readBefore.get(d.function)!);
        if (trigger.itemTypes && !trigger.itemTypes.includes('LocalRuntimeProbe')) expect(calls).toHaveLength(0);
        else expect(calls.length).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('takes raw messages for every inboundEmail function on one of its POST routes (no SES locally)', () => {
    const declared = catalog.functions.flatMap((fn) =>
      fn.triggers.flatMap((t) => (t.kind === 'inboundEmail' ? [{ function: fn.name, prefix: t.prefix }] : [])),
    );
    expect(rt.mailboxes.map((m) => ({ function: m.function, prefix: m.prefix }))).toEqual(declared);
    for (const m of rt.mailboxes) {
      expect(m.routes.length).toBeGreaterThan(0);
      for (const route of m.routes)
        expect(rt.routes).toContainEqual(expect.objectContaining({ routeKey: route, function: m.function }));
    }
  });

  it('listens with a deep accept queue, so a burst of connections waits to be accepted instead of being dropped', () => {
    // Node's default backlog (511) dropped connections of bench:orders' 1,000 clients at once.
    // A listening socket's Send-Q in ss is its backlog (capped by net.core.somaxconn).
    const port = new URL(rt.url).port;
    const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
    const backlog = Number(out.trim().split(/\s+/)[2]);
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    expect(backlog).toBe(Math.min(4096, somaxconn));
    expect(backlog).toBeGreaterThan(511);
  });

  it('covers every trigger kind the catalog uses', () => {
    const served: Array<Trigger['kind']> = [
      'http',
      'schedule',
      'event',
      'tableStream',
      'inboundEmail',
      'deadLetters',
      'deploy',
    ];
    for (const fn of catalog.functions) for (const t of fn.triggers) expect(served).toContain(t.kind);
  });

  it('seeds the demo integrations and routes the demo webhooks', async () => {
    const res = await rt.request('GET', '/integrations', { token: 'demo-admin-token' });
    if (!isWritten(catalog.functions.find((f) => f.name === 'ops-integrations')!)) return;
    const body = (await res.json()) as { items: Array<{ id: string }> };
    expect(body.items.map((i) => i.id)).toEqual(
      expect.arrayContaining(['demo-alertmanager', 'demo-generic', 'demo-pagerduty']),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Emulation details, checked with test functions injected next to a synthetic catalog.

function def(name: string, triggers: Trigger[], extra: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name,
    description: name,
    entry: `test/none/${name}.ts`,
    memoryMb: 128,
    timeoutSeconds: 5,
    triggers,
    ...extra,
  };
}
const http = (method: HttpTrigger['method'], p: string, auth: HttpTrigger['auth'] = 'public'): HttpTrigger => ({
  kind: 'http',
  method,
  path: p,
  auth,
});

interface Captured {
  body: string;
  headers: IncomingHttpHeaders;
  url: string;
}

function rawRequest(
  url: string,
  rawHeaders: string[],
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // Raw headers replace Node's defaults: Host must be given (HTTP/1.1 requires it).
    const req = request(url, { headers: ['Host', new URL(url).host, ...rawHeaders] }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function captureServer(): Promise<{ server: Server; url: string; received: Captured[] }> {
  const received: Captured[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ body, headers: req.headers, url: req.url ?? '' });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received }),
    ),
  );
}

describe('API Gateway, EventBridge and SNS emulation', () => {
  const events: Record<string, unknown[]> = {};
  const seen = (name: string) => (events[name] ??= []);
  const capture =
    (name: string, result: (e: unknown) => unknown = () => ({ statusCode: 200, body: 'ok' })): LambdaHandler =>
    async (e) => {
      seen(name).push(e);
      return result(e);
    };

  const functions: FunctionDefinition[] = [
    def('echo', [http('GET', '/echo/{id}'), http('POST', '/echo/{id}')]),
    def('plain', [http('GET', '/plain')]),
    def('secure', [http('GET', '/secure', 'jwt')]),
    def('hook', [http('POST', '/hooks/{integrationId}', 'token')]),
    def('boom', [http('GET', '/boom')]),
    def('slow', [http('GET', '/slow')], { timeoutSeconds: 1 }),
    def('notify', [http('POST', '/notify')], { topics: ['pages'] }),
    def('notify-denied', [http('POST', '/notify-denied')]),
    def('publish', [http('POST', '/publish')], { publishEvents: true }),
    def('reader', [http('POST', '/reader')], { table: 'read' }),
    def('sneaky', [http('POST', '/sneaky')]),
    def('task-answerer', [http('POST', '/task-answerer')], { stepFunctionsCallbacks: true }),
    def('task-denied', [http('POST', '/task-denied')]),
    def('on-thing', [
      { kind: 'event', pattern: { source: ['nocturne.test'], detail: { severity: [{ 'anything-but': 'info' }] } } },
    ]),
    def('flaky', [{ kind: 'event', pattern: { 'detail-type': ['Flaky'] } }]),
    def('tick', [
      { kind: 'schedule', expression: 'rate(1 minute)' },
      { kind: 'schedule', expression: 'cron(0 9 ? * MON-FRI *)' },
    ]),
  ];

  const handlers: Record<string, LambdaHandler> = {
    echo: capture('echo', () => ({
      statusCode: 201,
      headers: { 'x-echo': 'yes' },
      cookies: ['session=1; Path=/'],
      body: 'echoed',
    })),
    plain: capture('plain', () => ({ hello: 'world' })),
    secure: capture('secure', (e) => ({
      statusCode: 200,
      body: JSON.stringify(principalOf(e as APIGatewayProxyEventV2)),
    })),
    hook: capture('hook', () => ({ statusCode: 202, body: '' })),
    boom: async () => {
      throw new Error('kaboom');
    },
    slow: () => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 1500)),
    notify: async (e: APIGatewayProxyEventV2) => {
      const n = JSON.parse(e.body ?? '{}') as Parameters<ReturnType<typeof getNotifier>['publish']>[0];
      return { statusCode: 200, body: JSON.stringify(await getNotifier().publish(n)) };
    },
    'notify-denied': async () => {
      await getNotifier().publish({ topic: 'pages', message: 'x' });
      return { statusCode: 200 };
    },
    publish: async (e: APIGatewayProxyEventV2) => {
      await eventPublisher().publish(JSON.parse(e.body ?? '[]'));
      return { statusCode: 204 };
    },
    reader: async () => {
      await documentClient().send(new PutCommand({ TableName: process.env.TABLE_NAME, Item: { pk: 'X', sk: 'X' } }));
      return { statusCode: 200 };
    },
    sneaky: async () => {
      await eventPublisher().publish([{ source: 'nocturne.test', detailType: 'Sneaky', detail: {} }]);
      return { statusCode: 204 };
    },
    'task-answerer': async () => {
      await taskCallbacks().success('token-granted', { ok: true });
      return { statusCode: 204 };
    },
    'task-denied': async () => {
      await taskCallbacks().failure('token-denied', 'Nope', 'not granted');
      return { statusCode: 204 };
    },
    'on-thing': capture('on-thing'),
    flaky: async (e) => {
      seen('flaky').push(e);
      throw new Error('flaky consumer failed');
    },
    tick: capture('tick'),
  };

  let rt: TestRuntime;
  let sub: Awaited<ReturnType<typeof captureServer>>;
  beforeAll(async () => {
    sub = await captureServer();
    rt = await startTestRuntime({
      catalog: {
        functions,
        // Tight webhook limits to see throttling; API routes keep generous limits.
        throttle: { rateLimit: 1000, burstLimit: 1000, webhookRateLimit: 1, webhookBurstLimit: 2 },
      },
      handlers,
      subscriptions: [{ topic: 'pages', endpoint: `${sub.url}/sms-only`, filterPolicy: { channel: ['sms'] } }],
    });
  });
  afterAll(async () => {
    await rt?.stop();
    sub?.server.close();
  });

  describe('API Gateway HTTP API', () => {
    it('builds the v2 payload: route, raw and parsed query, path parameters, headers, cookies, context', async () => {
      // Act: node:http, because fetch merges repeated headers before sending them.
      const res = await rawRequest(`${rt.url}/echo/abc%20d?x=1&x=2&y=z`, [
        'X-Multi',
        'a',
        'X-Multi',
        'b',
        'Cookie',
        'a=1; b=2',
        'User-Agent',
        'local-runtime-test',
      ]);

      // Assess: the event
      const e = seen('echo').at(-1) as APIGatewayProxyEventV2;
      expect(e).toMatchObject({
        version: '2.0',
        routeKey: 'GET /echo/{id}',
        rawPath: '/echo/abc%20d',
        rawQueryString: 'x=1&x=2&y=z',
        queryStringParameters: { x: '1,2', y: 'z' },
        pathParameters: { id: 'abc d' },
        cookies: ['a=1', 'b=2'],
        isBase64Encoded: false,
        requestContext: {
          accountId: '000000000000',
          apiId: 'local',
          http: {
            method: 'GET',
            path: '/echo/abc%20d',
            protocol: 'HTTP/1.1',
            sourceIp: '127.0.0.1',
            userAgent: 'local-runtime-test',
          },
          routeKey: 'GET /echo/{id}',
          stage: '$default',
        },
      });
      expect(e.headers['x-multi']).toBe('a,b');
      expect(e.headers.cookie).toBeUndefined();
      expect(e.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(e.body).toBeUndefined();
      expect(e.requestContext.requestId).toEqual(expect.any(String));
      expect(e.requestContext.domainName).toMatch(/^localhost:\d+$/);
      expect(e.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs(e.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);

      // Assess: the structured result became the response
      expect(res.status).toBe(201);
      expect(res.headers['x-echo']).toBe('yes');
      expect(res.headers['set-cookie']).toEqual(['session=1; Path=/']);
      expect(res.headers['apigw-requestid']).toBe(e.requestContext.requestId);
      expect(res.body).toBe('echoed');
    });

    it('passes text bodies as is and base64-encodes binary ones', async () => {
      await rt.request('POST', '/echo/1', { body: { a: 1 } });
      const json = seen('echo').at(-1) as APIGatewayProxyEventV2;
      expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });

      const bytes = Buffer.from([0, 1, 2, 254, 255]);
      await rt.request('POST', '/echo/2', { body: bytes, headers: { 'content-type': 'application/octet-stream' } });
      const binary = seen('echo').at(-1) as APIGatewayProxyEventV2;
      expect(binary.isBase64Encoded).toBe(true);
      expect(Buffer.from(binary.body!, 'base64')).toEqual(bytes);
    });

    it('answers a result without statusCode as 200 JSON', async () => {
      const res = await rt.request('GET', '/plain');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ hello: 'world' });
    });

    it('answers 404 problem+json for an unknown path and for a known path with another method', async () => {
      for (const [method, p] of [
        ['GET', '/nowhere'],
        ['DELETE', '/echo/1'],
      ] as const) {
        const res = await rt.request(method, p);
        expect(res.status).toBe(404);
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(await res.json()).toMatchObject({
          type: expect.any(String),
          title: 'Not found',
          status: 404,
          detail: expect.any(String),
        });
      }
    });

    it('emulates the JWT authorizer: no or unknown token → 401 without calling the handler; a known token → its claims', async () => {
      const calls = seen('secure').length;
      for (const token of [undefined, 'not-a-token']) {
        const res = await rt.request('GET', '/secure', { token });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(res.headers.get('content-type')).toBe('application/problem+json');
      }
      expect(seen('secure')).toHaveLength(calls);

      const res = await rt.request('GET', '/secure', { token: 'demo-responder-token' });
      expect(await res.json()).toEqual({
        id: 'demo-responder',
        name: 'responder@nocturne.local',
        roles: ['responder'],
      });
      const e = seen('secure').at(-1) as APIGatewayProxyEventV2 & { requestContext: { authorizer: unknown } };
      expect(e.requestContext.authorizer).toMatchObject({
        jwt: { claims: { sub: 'demo-responder', 'cognito:groups': '[responder]' }, scopes: null },
      });
    });

    it('refuses a body over 10 MB with 413, before the handler', async () => {
      const calls = seen('echo').length;
      const res = await rt.request('POST', '/echo/big', {
        body: Buffer.alloc(10 * 1024 * 1024 + 1, 97),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(seen('echo')).toHaveLength(calls);
    });

    it('answers 500 when the handler throws or times out', async () => {
      const boom = await rt.request('GET', '/boom');
      expect(boom.status).toBe(500);
      expect(boom.headers.get('content-type')).toBe('application/problem+json');
      expect(await boom.json()).toMatchObject({
        title: 'Internal Server Error',
        status: 500,
        message: 'Internal Server Error',
      });

      const slow = await rt.request('GET', '/slow');
      expect(slow.status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'slow').at(-1)?.error).toMatch(
        /Task timed out after 1.00 seconds/,
      );
    });

    it('throttles webhook routes with the webhook limits: 429 problem+json with Retry-After', async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const res = await rt.request('POST', '/hooks/demo', { body: {} });
        statuses.push(res.status);
        if (res.status === 429) {
          retryAfter = res.headers.get('retry-after');
          expect(res.headers.get('content-type')).toBe('application/problem+json');
        }
      }
      expect(statuses.slice(0, 2)).toEqual([202, 202]);
      expect(statuses).toContain(429);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // API routes have their own buckets and limits.
      expect((await rt.request('GET', '/plain')).status).toBe(200);
    });

    it('never lets unauthenticated webhook requests use up an authenticated sender’s limit (buckets per credential)', async () => {
      // Requests without a token (or with a wrong one) exhaust their own bucket...
      const anonymous: number[] = [];
      for (let i = 0; i < 4; i++) anonymous.push((await rt.request('POST', '/hooks/other', { body: {} })).status);
      expect(anonymous).toContain(429);
      const wrong: number[] = [];
      for (let i = 0; i < 4; i++)
        wrong.push((await rt.request('POST', '/hooks/other', { token: 'made-up', body: {} })).status);
      expect(wrong).toContain(429);
      // ...while the sender with its token still gets through, whether in the header, the query or a PagerDuty routing_key.
      expect((await rt.request('POST', '/hooks/other', { token: 'real-token', body: {} })).status).toBe(202);
      expect((await rt.request('POST', '/hooks/other?token=query-token', { body: {} })).status).toBe(202);
    });

    it('sends Step Functions task answers to its Step Functions API only from functions with stepFunctionsCallbacks, as IAM would', async () => {
      // Granted: the call reaches the local Step Functions API, which never issued this token.
      expect((await rt.request('POST', '/task-answerer')).status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'task-answerer').at(-1)?.error).toMatch(
        /TaskTokenGoneError: InvalidToken/,
      );
      expect((await rt.request('POST', '/task-denied')).status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'task-denied').at(-1)?.error).toMatch(
        /AccessDeniedException.*states:SendTaskFailure/,
      );
    });

    it('refuses table access the catalog does not grant, as IAM would', async () => {
      const res = await rt.request('POST', '/reader');
      expect(res.status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'reader').at(-1)?.error).toMatch(
        /AccessDeniedException.*dynamodb:PutItem/,
      );
      expect(rt.logs.some((l) => l.includes("set table: 'readwrite'"))).toBe(true);
    });
  });

  describe('SNS', () => {
    it('records each message in sns.jsonl and delivers it to matching HTTP subscribers with the SNS envelope', async () => {
      // Prepare: one more subscriber, from subscriptions.json
      writeFileSync(
        path.join(rt.dataDir, 'subscriptions.json'),
        JSON.stringify([{ topic: 'pages', endpoint: `${sub.url}/from-file` }]),
      );

      // Act
      const sms = await rt.request('POST', '/notify', {
        body: {
          topic: 'pages',
          subject: 'P1: db1 down',
          message: 'db1 is down',
          attributes: { channel: 'sms' },
          deduplicationId: 'page-1',
        },
      });
      const email = await rt.request('POST', '/notify', {
        body: { topic: 'pages', message: 'by email', attributes: { channel: 'email' } },
      });
      await rt.settle();

      // Assess: sns.jsonl
      const { messageId } = (await sms.json()) as { messageId: string };
      expect(email.status).toBe(200);
      const lines = rt.snsMessages();
      expect(lines.find((l) => l.messageId === messageId)).toEqual({
        messageId,
        topic: 'pages',
        topicArn: 'arn:aws:sns:local:000000000000:nocturne-pages',
        subject: 'P1: db1 down',
        message: 'db1 is down',
        attributes: { channel: 'sms', dedup: 'page-1' },
        timestamp: expect.any(String),
      });

      // Assess: the filter policy let only the sms message through; the file subscriber got both
      const smsOnly = sub.received.filter((r) => r.url === '/sms-only');
      expect(smsOnly).toHaveLength(1);
      expect(smsOnly[0]!.headers['x-amz-sns-message-type']).toBe('Notification');
      expect(JSON.parse(smsOnly[0]!.body)).toMatchObject({
        Type: 'Notification',
        MessageId: messageId,
        TopicArn: 'arn:aws:sns:local:000000000000:nocturne-pages',
        Subject: 'P1: db1 down',
        Message: 'db1 is down',
        Timestamp: expect.any(String),
        MessageAttributes: { channel: { Type: 'String', Value: 'sms' } },
      });
      expect(sub.received.filter((r) => r.url === '/from-file')).toHaveLength(2);
    });

    it('with structure json records every protocol and delivers the http one (or default)', async () => {
      const message = JSON.stringify({ default: 'default text', sms: 'short', email: 'long email' });
      await rt.request('POST', '/notify', {
        body: { topic: 'pages', message, structure: 'json', attributes: { channel: 'sms' } },
      });
      await rt.settle();
      expect(rt.snsMessages().at(-1)).toMatchObject({
        structure: 'json',
        message,
        messages: { default: 'default text', sms: 'short' },
      });
      expect(JSON.parse(sub.received.filter((r) => r.url === '/sms-only').at(-1)!.body).Message).toBe('default text');
    });

    it('refuses a topic the function is not granted', async () => {
      const res = await rt.request('POST', '/notify-denied');
      expect(res.status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'notify-denied').at(-1)?.error).toMatch(
        /AccessDeniedException.*SNS:Publish/,
      );
    });
  });

  describe('EventBridge', () => {
    it('appends events to events.jsonl and delivers matching ones to their rule as EventBridge events', async () => {
      // Act
      const res = await rt.request('POST', '/publish', {
        body: [
          {
            source: 'nocturne.test',
            detailType: 'Thing Happened',
            detail: { severity: 'critical', n: 1 },
            resources: ['thing/1'],
          },
          { source: 'nocturne.test', detailType: 'Thing Happened', detail: { severity: 'info', n: 2 } },
        ],
      });
      expect(res.status).toBe(204);
      await rt.settle();

      // Assess
      const lines = rt.busEvents().filter((e) => e.source === 'nocturne.test');
      expect(lines.map((e) => e.detail.n)).toEqual([1, 2]);
      expect(lines[0]).toMatchObject({
        bus: 'nocturne',
        version: '0',
        account: '000000000000',
        region: 'us-east-1',
        resources: ['thing/1'],
      });
      expect(lines[0]!.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      const delivered = seen('on-thing') as Array<EventBridgeEvent<string, { n: number }>>;
      expect(delivered.map((e) => e.detail.n)).toEqual([1]);
      expect(delivered[0]).toEqual({ ...lines[0], bus: undefined, detail: { severity: 'critical', n: 1 } });
      expect(rt.bus.events.map((e) => e.id)).toEqual(expect.arrayContaining(lines.map((e) => e.id)));
    });

    it('retries a failing target, then writes the event to dlq.jsonl', async () => {
      await rt.request('POST', '/publish', {
        body: [{ source: 'nocturne.test', detailType: 'Flaky', detail: { k: 'v' } }],
      });
      await rt.settle();
      expect(seen('flaky')).toHaveLength(3);
      const dlq = rt.deadLetters().filter((d) => d.function === 'flaky');
      expect(dlq).toHaveLength(1);
      expect(dlq[0]).toMatchObject({
        kind: 'event:nocturne-flaky-rule0',
        error: expect.stringContaining('flaky consumer failed'),
      });
    });

    it('registers one rule per event trigger and refuses PutEvents from a function without publishEvents', async () => {
      expect(rt.rules.map((r) => [r.name, r.function])).toEqual([
        ['nocturne-on-thing-rule0', 'on-thing'],
        ['nocturne-flaky-rule0', 'flaky'],
      ]);
      const res = await rt.request('POST', '/sneaky');
      expect(res.status).toBe(500);
      expect(rt.invocations.filter((i) => i.function === 'sneaky').at(-1)?.error).toMatch(
        /AccessDeniedException.*events:PutEvents/,
      );
    });

    it('runs schedules with a real Scheduled Event', async () => {
      expect(rt.schedules.map((s) => s.expression)).toEqual(['rate(1 minute)', 'cron(0 9 ? * MON-FRI *)']);
      await rt.runSchedule('tick', 'cron(0 9 ? * MON-FRI *)');
      const e = seen('tick').at(-1) as EventBridgeEvent<'Scheduled Event', object>;
      expect(e).toMatchObject({
        version: '0',
        source: 'aws.events',
        'detail-type': 'Scheduled Event',
        account: '000000000000',
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:000000000000:rule/nocturne-tick-schedule1'],
        detail: {},
      });
      expect(matchesEventPattern({ source: ['aws.events'] }, e)).toBe(true);
    });
  });
});

describe('deploy triggers', () => {
  const calls: unknown[] = [];
  let fail = false;
  const functions = [def('migrate', [{ kind: 'deploy' }]), def('hello', [http('GET', '/hello')])];
  const handlers: Record<string, LambdaHandler> = {
    migrate: async (e: unknown) => {
      calls.push(e);
      if (fail) throw new Error('migration 0099-test refused an item');
      return { applied: [] };
    },
    hello: async () => ({ statusCode: 200, body: 'hi' }),
  };
  beforeEach(() => {
    calls.length = 0;
  });

  it('invokes each deploy-triggered function once, with {}, before the start resolves', async () => {
    fail = false;
    const rt = await startTestRuntime({ catalog: { functions }, handlers });
    try {
      expect(calls).toEqual([{}]);
      expect((await rt.request('GET', '/hello')).status).toBe(200);
      expect(calls).toHaveLength(1);
    } finally {
      await rt.stop();
    }
  });

  it('refuses to start when one fails, naming the function and the cause', async () => {
    fail = true;
    await expect(startTestRuntime({ catalog: { functions }, handlers })).rejects.toThrow(
      /^migrate \(run on start, as after a deployment\) failed: migration 0099-test refused an item\./,
    );
    expect(calls.length).toBeGreaterThanOrEqual(1);
  });
});

describe('DynamoDB Streams', () => {
  const records: DynamoDBRecord[] = [];
  const batches: number[] = [];
  const failedOnce = new Set<number>();
  const nOf = (r: DynamoDBRecord) => Number(r.dynamodb?.NewImage?.n?.N);

  const functions = [def('changes', [{ kind: 'tableStream', batchSize: 2 }])];
  const handlers: Record<string, LambdaHandler> = {
    changes: async (e: DynamoDBStreamEvent) => {
      batches.push(e.Records.length);
      for (const r of e.Records) {
        // Only the test's own items count.
        if (r.dynamodb?.NewImage?.type?.S !== 'Probe' && r.dynamodb?.OldImage?.type?.S !== 'Probe') continue;
        records.push(r);
        const n = nOf(r);
        // Record 3 fails once; record 99 always fails.
        if ((n === 3 && !failedOnce.has(n)) || n === 99) {
          failedOnce.add(n);
          return { batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber! }] };
        }
      }
      return { batchItemFailures: [] };
    },
  };
  const dataDir = tempDataDir();
  const tablePrefix = uniqueTablePrefix();
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const start = () => startTestRuntime({ catalog: { functions }, handlers, dataDir, tablePrefix });
  const put = (n: number) =>
    documentClient().send(
      new PutCommand({ TableName: tablePrefix, Item: { pk: `ITEM#${n}`, sk: 'ITEM', type: 'Probe', n } }),
    );

  it('delivers committed changes in order, in batches, retrying from the first failed record', async () => {
    const rt = await start();
    try {
      for (let n = 0; n < 5; n++) await put(n);
      await rt.drainStreams();

      expect(records.map(nOf)).toEqual([0, 1, 2, 3, 3, 4]);
      expect(Math.max(...batches)).toBeLessThanOrEqual(2);
      const first = records[0]!;
      expect(first).toMatchObject({
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        eventSourceARN: expect.stringContaining(`table/${tablePrefix}/stream/`),
        dynamodb: {
          Keys: { pk: { S: 'ITEM#0' }, sk: { S: 'ITEM' } },
          NewImage: { pk: { S: 'ITEM#0' }, sk: { S: 'ITEM' }, type: { S: 'Probe' }, n: { N: '0' } },
          SequenceNumber: expect.any(String),
          SizeBytes: expect.any(Number),
          StreamViewType: 'NEW_AND_OLD_IMAGES',
          ApproximateCreationDateTime: expect.any(Number),
        },
      });
      expect(first.eventID).toEqual(expect.any(String));
      expect(rt.streams).toEqual([
        expect.objectContaining({ function: 'changes', batchSize: 2, tableName: tablePrefix }),
      ]);
    } finally {
      await rt.stop();
    }
  });

  it('resumes after a restart from its checkpoint: no replay, nothing lost', async () => {
    // Prepare: a runtime that has read everything, then a change committed while it is down.
    records.length = 0;
    const rt = await start();
    await rt.drainStreams();
    expect(records).toHaveLength(0);
    await rt.stop();
    await rt.stop(); // idempotent
    await put(5);

    // Act
    const again = await start();
    try {
      await again.drainStreams();

      // Assess
      expect(records.map(nOf)).toEqual([5]);
    } finally {
      await again.stop();
    }
  });

  it('dead-letters a batch that keeps failing, and moves on', async () => {
    records.length = 0;
    const rt = await start();
    try {
      await put(99);
      await rt.drainStreams();
      await put(100);
      await rt.drainStreams();
      // Three attempts at 99 (alone in its batch), then the stream moves on to 100.
      expect(records.map(nOf)).toEqual([99, 99, 99, 100]);
      const dlq = rt.deadLetters().filter((d) => d.kind === 'tableStream');
      expect(dlq).toHaveLength(1);
      expect((dlq[0]!.event as DynamoDBStreamEvent).Records.map(nOf)).toEqual([99]);
    } finally {
      await rt.stop();
    }
  });
});

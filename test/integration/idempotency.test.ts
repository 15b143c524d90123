// Idempotency-Key on create routes, against DynamoDB Local (docs/decisions/0031-idempotency-key.md):
// a retried POST with the same key and body gets the first answer and creates nothing twice; the
// same key with another body is a 422 naming the header and creates nothing; a duplicate while
// the first is running is a 409 with Retry-After; keys are per caller; no key, no change.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { handler as opsRules } from '../../functions/ops-rules/handler';
import type { Operation } from '../../shared/api/operation';
import { httpApi, json } from '../../shared/http/idempotent-api';
import { dynamoDBClient } from '../../shared/store/client';
import type { Role } from '../../shared/http/auth';
import { call, type Handler } from '../support/http-event';
import { useOwnTable } from '../support/store';

useOwnTable();

const silence = (comment: string) => ({
  matchers: [{ label: 'service', op: '=', value: `idem-${comment}` }],
  endsAt: new Date(Date.now() + 3600_000).toISOString(),
  comment,
});
const post = (body: unknown, key?: string, sub = 'alice', role: Role = 'responder') =>
  call(opsRules as Handler, {
    routeKey: 'POST /silences',
    body: body as object,
    role,
    sub,
    headers: key === undefined ? {} : { 'Idempotency-Key': key },
  });
const silencesFor = async (comment: string) => {
  const r = await call(opsRules as Handler, { routeKey: 'GET /silences', role: 'viewer', query: { limit: '100' } });
  return (r.body.items as Array<{ comment: string }>).filter((s) => s.comment === comment);
};

describe('Idempotency-Key on a create route (POST /silences)', () => {
  it('same key twice: one resource, the identical answer', async () => {
    const key = randomUUID();
    const body = silence('same-key');
    const first = await post(body, key);
    const again = await post(body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(await silencesFor('same-key')).toHaveLength(1);
  });

  it('same key, different body: 422 problem naming the header, nothing created', async () => {
    const key = randomUUID();
    expect((await post(silence('first-body'), key)).status).toBe(201);
    const other = await post(silence('other-body'), key);
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(other.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(other.body.detail).toContain('Idempotency-Key');
    expect(await silencesFor('other-body')).toHaveLength(0);
  });

  it('keys are scoped per caller: the same key from another principal creates its own', async () => {
    const key = randomUUID();
    const body = silence('per-caller');
    const alice = await post(body, key, 'alice');
    const bob = await post(body, key, 'bob');
    expect(bob.status).toBe(201);
    expect(bob.body.id).not.toBe(alice.body.id);
    expect(await silencesFor('per-caller')).toHaveLength(2);
  });

  it('no key: unchanged behaviour (each POST creates)', async () => {
    const body = silence('no-key');
    expect((await post(body)).status).toBe(201);
    expect((await post(body)).status).toBe(201);
    expect(await silencesFor('no-key')).toHaveLength(2);
  });

  it('a failed request is not kept: a retry with the same key runs again', async () => {
    const key = randomUUID();
    const past = { ...silence('failed-first'), endsAt: '2020-01-01T00:00:00Z' };
    expect((await post(past, key)).status).toBe(422);
    expect((await post(past, key)).body.errors[0].field).toBe('endsAt');
  });

  it('refuses a malformed key with 400 naming the header', async () => {
    const r = await post(silence('bad-key'), 'x'.repeat(300));
    expect(r.status).toBe(400);
    expect(r.body.errors[0].field).toBe('Idempotency-Key');
  });
});

describe('a duplicate while the first request is still running', () => {
  const ops = [
    {
      method: 'post',
      path: '/slow-things',
      summary: 'Create slowly',
      tag: 'Test',
      auth: 'jwt',
      role: 'responder',
      body: z.object({ n: z.number() }),
      responses: { 201: { description: 'Created' } },
    },
  ] as const satisfies readonly Operation[];
  let release!: () => void;
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  let created = 0;
  const handler = httpApi(ops, {
    'POST /slow-things': async (req) => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      created += 1;
      return json(201, { n: req.input.body.n, created });
    },
  });
  const postSlow = (key: string) =>
    call(handler as Handler, {
      routeKey: 'POST /slow-things',
      body: { n: 1 },
      role: 'responder',
      headers: { 'Idempotency-Key': key },
    });

  it('is a 409 with Retry-After; after the first finishes, a retry gets its answer', async () => {
    const key = randomUUID();
    const first = postSlow(key);
    await inHandler; // the first has claimed the key (before its handler runs) and waits in the handler
    const duplicate = await postSlow(key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers['retry-after']).toBeDefined();
    release();
    expect((await first).status).toBe(201);
    const retry = await postSlow(key); // answered from the stored result: the handler does not run (it would wait)
    expect(retry).toMatchObject({ status: 201, body: { n: 1, created: 1 } });
    expect(created).toBe(1);
  });
});

describe('the request did its work but its answer could not be kept', () => {
  const ops = [
    {
      method: 'post',
      path: '/kept-things',
      summary: 'Create',
      tag: 'Test',
      auth: 'jwt',
      role: 'responder',
      body: z.object({ n: z.number() }),
      responses: { 201: { description: 'Created' } },
    },
  ] as const satisfies readonly Operation[];
  let created = 0;
  let failKeeping = false;
  const handler = httpApi(ops, {
    'POST /kept-things': async (req) => {
      created += 1;
      // The idempotency table stops answering between the work and keeping its answer.
      failKeeping = true;
      return json(201, { n: req.input.body.n, created });
    },
  });
  const failUpdates = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    (async (args: unknown) => {
      if (failKeeping && context.commandName === 'UpdateItemCommand')
        throw Object.assign(new Error('injected: idempotency table unavailable'), {
          name: 'InternalServerError',
          $metadata: { httpStatusCode: 500 },
        });
      return next(args);
    }) as never;

  it('answers what was done (201), not a 503 whose retry would do it again; a retry meanwhile is a 409', async () => {
    const client = dynamoDBClient();
    client.middlewareStack.add(failUpdates as never, { step: 'initialize', name: 'failIdempotencyUpdates' });
    try {
      const key = randomUUID();
      const post = () =>
        call(handler as Handler, {
          routeKey: 'POST /kept-things',
          body: { n: 7 },
          role: 'responder',
          headers: { 'Idempotency-Key': key },
        });
      const first = await post();
      expect(first).toMatchObject({ status: 201, body: { n: 7, created: 1 } });
      failKeeping = false;
      const retry = await post();
      expect(retry.status).toBe(409);
      expect(created).toBe(1);
    } finally {
      client.middlewareStack.remove('failIdempotencyUpdates');
    }
  });
});

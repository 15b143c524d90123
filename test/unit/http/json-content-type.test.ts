// JSON routes refuse a body sent as anything but JSON with 415 problem+json (issue 10 §4).
import * as z from 'zod';
import type { Operation } from '../../../shared/api/operation';
import { httpApi, isJsonMediaType, json } from '../../../shared/http/idempotent-api';
import { apiEvent, lambdaContext } from '../../support/http-event';

const thingOperations = [
  {
    method: 'post',
    path: '/things',
    summary: 'Create a thing',
    tag: 'Test',
    auth: 'public',
    body: z.object({ name: z.string() }),
    responses: { 201: { description: 'Created' } },
  },
] as const satisfies readonly Operation[];

const handler = httpApi(thingOperations, {
  'POST /things': async (req) => json(201, req.input.body),
});

async function post(contentType: string | undefined, body = '{"name":"x"}') {
  const event = apiEvent({ routeKey: 'POST /things', body });
  if (contentType === undefined) delete event.headers['content-type'];
  else event.headers['content-type'] = contentType;
  return (await handler(event, lambdaContext)) as { statusCode: number; headers: Record<string, string>; body: string };
}

describe('JSON content type', () => {
  it.each([
    'application/x-www-form-urlencoded',
    'text/plain',
    'text/plain; charset=utf-8',
    'multipart/form-data; boundary=x',
    'application/xml',
  ])('refuses %s with 415 problem+json', async (type) => {
    const res = await post(type);
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.headers.accept).toBe('application/json');
    const body = JSON.parse(res.body) as { status: number; title: string; detail: string };
    expect(body).toMatchObject({ status: 415, title: 'Unsupported media type' });
    expect(body.detail).toContain('application/json');
  });

  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON',
    'application/merge-patch+json',
    undefined,
  ])('accepts %s', async (type) => {
    expect((await post(type)).statusCode).toBe(201);
  });

  it('still refuses a JSON content type with a body that is not JSON with 400', async () => {
    expect((await post('application/json', 'name=x')).statusCode).toBe(400);
  });

  it('classifies media types', () => {
    expect(isJsonMediaType('application/problem+json')).toBe(true);
    expect(isJsonMediaType('application/jsonp')).toBe(false);
    expect(isJsonMediaType('text/json+xml')).toBe(false);
  });
});

describe('a handler nearing its timeout', () => {
  it('answers 503 with Retry-After, never 500 (middy early timeout)', async () => {
    const slowOperations = [
      {
        method: 'post',
        path: '/things',
        summary: 'Slowly',
        tag: 'Test',
        auth: 'public',
        responses: { 200: { description: 'OK' } },
      },
    ] as const satisfies readonly Operation[];
    const slow = httpApi(slowOperations, {
      'POST /things': async () => {
        const e = new Error('[AbortError]: The operation was aborted.');
        e.name = 'TimeoutError';
        throw e;
      },
    });
    const res = (await slow(apiEvent({ routeKey: 'POST /things', body: {} }), lambdaContext)) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
  });
});

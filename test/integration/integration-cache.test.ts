// The webhook routes read an integration through a per-container cache (INTEGRATION_CACHE_TTL_MS):
// an old token rotated away or an integration disabled by another container (the ops function, in
// AWS) keeps working here until the entry is older than the TTL, never longer; a refusal is always
// decided on a fresh read, so a new token, an integration enabled again, or one created a moment
// later works at once, and a miss is never kept. Handlers are called with a controlled clock (`req.now`), against DynamoDB Local.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { enqueuePagerDuty, receiveWebhook } from '../../functions/ingest/ingest';
import { hashToken } from '../../shared/domain/integration';
import type { HttpRequest, HttpResult } from '../../shared/http/api';
import { HttpProblem } from '../../shared/http/problem';
import { documentClient, tableName } from '../../shared/store/client';
import { createIntegration, INTEGRATION_CACHE_TTL_MS, rotateIntegrationToken } from '../../shared/store/integrations';
import { givenIntegration } from '../support/store';

const T0 = Date.parse('2026-03-01T10:00:00.000Z');
let n = 0;

function request(now: number, init: Partial<HttpRequest>): HttpRequest {
  return {
    event: {} as APIGatewayProxyEventV2,
    params: {},
    query: {},
    headers: { 'content-type': 'application/json' },
    rawBody: '',
    now: new Date(now),
    input: { query: undefined, body: undefined },
    ...init,
  };
}

/** The status a webhook answers at `now` (a thrown problem is its answer). */
async function hook(integrationId: string, token: string, now: number): Promise<number> {
  const body = JSON.stringify({ dedupKey: `k-${n++}`, summary: 'disk full' });
  try {
    const r: HttpResult = await receiveWebhook(
      request(now, {
        params: { integrationId },
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        rawBody: body,
      }),
    );
    return r.statusCode!;
  } catch (err) {
    if (err instanceof HttpProblem) return err.status;
    throw err;
  }
}

/** A PagerDuty Events API v2 event at `now`: 202, or 400 with `Invalid routing key`. */
async function enqueue(routingKey: string, now: number): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: `pd-${n++}`,
    payload: { summary: 'disk full', source: 'db-1', severity: 'critical' },
  });
  const r = await enqueuePagerDuty(request(now, { rawBody: body }));
  return { status: r.statusCode!, body: String(r.body) };
}

/** What the ops function in another container does: change the item in the table, not through this process. */
async function changeElsewhere(id: string, set: Record<string, unknown>): Promise<void> {
  const names = Object.fromEntries(Object.keys(set).map((k) => [`#${k}`, k]));
  const values = Object.fromEntries(Object.entries(set).map(([k, v]) => [`:${k}`, v]));
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: { pk: `INTEGRATION#${id}`, sk: 'INTEGRATION' },
      UpdateExpression: `SET ${Object.keys(set)
        .map((k) => `#${k} = :${k}`)
        .join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

describe('the integration read of a webhook, cached per container', () => {
  it('keeps a token rotated away elsewhere working until the TTL has passed, and the new one works at once', async () => {
    const { id, token } = await givenIntegration('generic');
    expect(await hook(id, token, T0)).toBe(202);
    await changeElsewhere(id, { tokenHash: hashToken('the-new-token') });
    expect(await hook(id, token, T0 + 1000)).toBe(202);
    // The new token is refused by the cached entry, so it is read again: accepted at once.
    expect(await hook(id, 'the-new-token', T0 + 1001)).toBe(202);
    // That read is now the cached entry: the old token is refused from then on.
    expect(await hook(id, token, T0 + 1002)).toBe(401);
  });

  it('keeps an old token working no longer than the TTL', async () => {
    const { id, token } = await givenIntegration('generic');
    expect(await hook(id, token, T0)).toBe(202);
    await changeElsewhere(id, { tokenHash: hashToken('another-new-token') });
    expect(await hook(id, token, T0 + INTEGRATION_CACHE_TTL_MS)).toBe(202);
    expect(await hook(id, token, T0 + INTEGRATION_CACHE_TTL_MS + 1)).toBe(401);
  });

  it('an integration enabled again elsewhere answers at once', async () => {
    const { id, token } = await givenIntegration('generic');
    await changeElsewhere(id, { enabled: false });
    expect(await hook(id, token, T0)).toBe(404);
    await changeElsewhere(id, { enabled: true });
    expect(await hook(id, token, T0 + 1)).toBe(202);
  });

  it('keeps a disabled integration answering until the TTL, then 404', async () => {
    const { id, token } = await givenIntegration('generic');
    expect(await hook(id, token, T0)).toBe(202);
    await changeElsewhere(id, { enabled: false });
    expect(await hook(id, token, T0 + 1000)).toBe(202);
    expect(await hook(id, token, T0 + INTEGRATION_CACHE_TTL_MS + 1)).toBe(404);
  });

  it('refuses a wrong token however warm the cache is', async () => {
    const { id, token } = await givenIntegration('generic');
    expect(await hook(id, token, T0)).toBe(202);
    expect(await hook(id, 'not-the-token', T0 + 1)).toBe(401);
    expect(await hook(id, `${token}x`, T0 + 2)).toBe(401);
  });

  it('never keeps a miss: an unknown integration is read again, and found once it exists', async () => {
    const id = `cache-late-${process.pid}-${Date.now().toString(36)}`;
    expect(await hook(id, 'late-token', T0)).toBe(404);
    expect(await hook(id, 'late-token', T0)).toBe(404);
    await createIntegration(
      { id, type: 'generic', name: 'late', enabled: true, allowedTopicArns: [] },
      'late-token',
      new Date(T0).toISOString(),
    );
    expect(await hook(id, 'late-token', T0)).toBe(202);
  });

  it('refuses an unknown routing key every time, accepts it once it exists, and a revoked one only until the TTL', async () => {
    const id = `cache-pd-${process.pid}-${Date.now().toString(36)}`;
    const key = `routing-${id}`;
    const unknown = await enqueue(key, T0);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toContain('Invalid routing key');
    expect((await enqueue(key, T0 + 1)).status).toBe(400);
    await createIntegration(
      { id, type: 'pagerduty', name: 'pd', enabled: true, allowedTopicArns: [] },
      key,
      new Date(T0).toISOString(),
    );
    expect((await enqueue(key, T0 + 2)).status).toBe(202);
    // Disabled by another container: accepted while the entry is younger than the TTL, refused after.
    await changeElsewhere(id, { enabled: false });
    expect((await enqueue(key, T0 + 2 + INTEGRATION_CACHE_TTL_MS)).status).toBe(202);
    expect((await enqueue(key, T0 + 3 + INTEGRATION_CACHE_TTL_MS)).status).toBe(400);
  });

  it('drops what it cached when this process changes the integration (the local runtime: one process)', async () => {
    const { id, token } = await givenIntegration('generic');
    expect(await hook(id, token, T0)).toBe(202);
    await rotateIntegrationToken(id, 'rotated-here', new Date(T0).toISOString());
    expect(await hook(id, token, T0 + 1)).toBe(401);
    expect(await hook(id, 'rotated-here', T0 + 1)).toBe(202);
  });
});

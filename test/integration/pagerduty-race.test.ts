// Issue 10 §2: resolves racing triggers on one PagerDuty dedup key through POST /v2/enqueue.
// Every delivery is answered 202 (never 500), and the store ends consistent: at most one live
// alert under the key, every archived alert resolved, no alert both live and archived.
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { handler as ingest } from '../../functions/ingest/handler';
import { documentClient, tableName } from '../../shared/store/client';
import { getAlert, getLiveAlert } from '../../shared/store/alerts';
import { dayOf, keys } from '../../shared/store/keys';
import { getItems } from '../../shared/store/query';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiEvent, lambdaContext, type Handler } from '../support/http-event';
import { givenIntegration } from '../support/store';

// 50 requests in one process on a shared machine: give each the time a real function has (30 s), so the
// early-timeout 503 does not hide the answer under test.
const context = { ...lambdaContext, getRemainingTimeInMillis: () => 30_000 } as Context;
const enqueue = async (body: object) => {
  const r = (await (ingest as Handler)(
    apiEvent({ routeKey: 'POST /v2/enqueue', body }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: r.statusCode ?? 200, body: JSON.parse(r.body ?? '{}') as Record<string, unknown> };
};

describe('POST /v2/enqueue under concurrent resolves and triggers on one dedup key', () => {
  it('answers 202 to all 50 deliveries and leaves one consistent state', async () => {
    const { id, token } = await givenIntegration('pagerduty');
    const dedupKey = `race-${Date.now().toString(36)}`;
    const trigger = (i: number) => ({
      routing_key: token,
      event_action: 'trigger',
      dedup_key: dedupKey,
      payload: {
        summary: `Disk full (trigger ${i})`,
        source: 'db-1',
        severity: 'critical',
        custom_details: { seq: i },
      },
    });
    const resolve = (i: number) => ({
      routing_key: token,
      event_action: 'resolve',
      dedup_key: dedupKey,
      payload: { summary: `resolve ${i}` },
    });
    // An alert is open before the storm so the first resolves have something to close.
    expect((await enqueue(trigger(-1))).status).toBe(202);
    const day = dayOf((await getLiveAlert(id, dedupKey))!.firstReceivedAt);

    const bodies = Array.from({ length: 25 }, (_, i) => [resolve(i), trigger(i)]).flat();
    const answers = await Promise.all(bodies.map((b) => enqueue(b)));

    const byStatus = answers.reduce<Record<number, number>>(
      (m, a) => ({ ...m, [a.status]: (m[a.status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus).toEqual({ 202: 50 });
    for (const a of answers) expect(a.body).toMatchObject({ status: 'success', dedup_key: dedupKey });

    // Every alert item of this integration and key, live or archived (gsi4 holds keys only).
    const r = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :day',
        ExpressionAttributeValues: { ':day': keys.alertsByDay(day) },
      }),
    );
    const items = (await getItems('alerts of the day', r.Items ?? [])).filter(
      (a) => a.integrationId === id && a.dedupKey === dedupKey,
    );
    const live = items.filter((a) => a.status === 'firing');
    const archived = items.filter((a) => a.status !== 'firing');
    expect(live.length).toBeLessThanOrEqual(1);
    for (const a of archived) expect(a).toMatchObject({ status: 'resolved', resolvedAt: expect.any(String) });
    // No alert is both live and archived.
    expect(new Set(items.map((a) => a.id)).size).toBe(items.length);
    const current = await getLiveAlert(id, dedupKey);
    expect(current?.id).toBe(live[0]?.id);
    if (current) expect((await getAlert(current.id))?.status).toBe('firing');
    // At least the opening alert was resolved by the storm.
    expect(archived.length).toBeGreaterThanOrEqual(1);
  });
});

// When DynamoDB fails, a webhook answers 503 with Retry-After so the sender retries, and
// nothing is half-written (the raw payload write is the first write and it failed).
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { hashToken } from '../../../shared/domain/integration';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiEvent, call, type Handler } from '../../support/http-event';

process.env.TABLE_NAME = 'unit-test';
process.env.AWS_REGION = 'us-east-1';

const ddb = mockClient(DynamoDBDocumentClient);
const raw = mockClient(DynamoDBClient);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/ingest/handler') as { handler: Handler };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { clearIntegrationCache } = require('../../../shared/store/integrations') as {
  clearIntegrationCache: () => void;
};

const integrationItem = {
  pk: 'INTEGRATION#int-1',
  sk: 'INTEGRATION',
  type: 'Integration',
  id: 'int-1',
  sourceType: 'generic',
  name: 'x',
  enabled: true,
  allowedTopicArns: [],
  tokenHash: hashToken('secret-token'),
  tokenHint: 'oken',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  version: 1,
};

const send = (body: unknown) =>
  call(handler, {
    routeKey: 'POST /hooks/{integrationId}',
    params: { integrationId: 'int-1' },
    headers: { authorization: 'Bearer secret-token' },
    body: body as object,
  });

beforeEach(() => {
  ddb.reset();
  raw.reset();
  // Each case starts cold: the integration read is cached per container for a few seconds.
  clearIntegrationCache();
});

describe('ingest when DynamoDB fails', () => {
  it('answers 503 problem+json with Retry-After when the payload cannot be stored, and writes no alert', async () => {
    ddb.on(GetCommand).resolves({ Item: integrationItem });
    ddb.on(PutCommand).rejects(
      Object.assign(new Error('throttled'), {
        name: 'ProvisionedThroughputExceededException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const r = await send({ dedupKey: 'a', summary: 'b' });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers['retry-after']).toBeDefined();
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 503 when the integration cannot be read', async () => {
    ddb
      .on(GetCommand)
      .rejects(Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
    const r = await send({ dedupKey: 'a', summary: 'b' });
    expect(r.status).toBe(503);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('answers 503 (not 202) when an alert write fails after the payload was stored', async () => {
    ddb.on(GetCommand).resolves({ Item: integrationItem });
    ddb.on(PutCommand).resolves({});
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));
    const r = await send({ dedupKey: 'a', summary: 'b' });
    expect(r.status).toBe(503);
    // The payload was stored first, then its one alert's write was tried; nothing else is written
    // (there is no completion mark: the sender's retry finds the alert missing and records it).
    expect(ddb.commandCalls(PutCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });
});

describe('ingest when DynamoDB stalls or cannot be reached', () => {
  it('answers 503 with Retry-After before the function times out when the store does not answer', async () => {
    ddb.on(GetCommand).callsFake(() => new Promise(() => {}));
    const deadline = Date.now() + 1500;
    const context = {
      functionName: 'ingest',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => deadline - Date.now(),
    } as unknown as Context;
    const event = apiEvent({
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: 'int-1' },
      headers: { authorization: 'Bearer secret-token' },
      body: { dedupKey: 'a', summary: 'b' },
    });
    const r = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    expect(Date.now()).toBeLessThan(deadline);
    expect(r.statusCode).toBe(503);
    expect((r.headers ?? {})['retry-after']).toBeDefined();
  });

  it('answers 503 when the connection to the store fails (no AWS response at all)', async () => {
    ddb
      .on(GetCommand)
      .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));
    const r = await send({ dedupKey: 'a', summary: 'b' });
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBeDefined();
  });
});

describe('ingest when a request outlives its deadline or a write fails', () => {
  const slowly = <T>(ms: number, value: T) => new Promise<T>((done) => setTimeout(() => done(value), ms));
  const batch = (n: number) => ({ alerts: Array.from({ length: n }, (_, i) => ({ dedupKey: `k${i}`, summary: 's' })) });
  const alertWrites = () => ddb.commandCalls(UpdateCommand).length;

  it('stops writing once it answered 503 at its deadline', async () => {
    ddb.on(GetCommand).resolves({ Item: integrationItem });
    ddb.on(PutCommand).resolves({});
    // Each alert write takes 50 ms: 40 alerts, 8 at a time, need ~250 ms; the deadline comes at ~100 ms.
    ddb.on(UpdateCommand).callsFake(() => slowly(50, { Attributes: { id: 'a1', count: 2 } }));
    const deadline = Date.now() + 2100;
    const context = {
      functionName: 'ingest',
      awsRequestId: 'r',
      getRemainingTimeInMillis: () => deadline - Date.now(),
    } as unknown as Context;
    const event = apiEvent({
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: 'int-1' },
      headers: { authorization: 'Bearer secret-token' },
      body: batch(40),
    });
    const r = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    expect(r.statusCode).toBe(503);
    expect((r.headers ?? {})['retry-after']).toBeDefined();
    const atAnswer = alertWrites();
    await slowly(400, undefined);
    // Only the writes in flight when it answered finished; nothing new started beside the sender's retry.
    expect(alertWrites()).toBeLessThanOrEqual(atAnswer + 8);
    expect(alertWrites()).toBeLessThan(40);
  });

  it('takes no new alert once one write failed (the answer is 503; the retry writes the rest)', async () => {
    ddb.on(GetCommand).resolves({ Item: integrationItem });
    ddb.on(PutCommand).resolves({});
    // The first alert's write fails after 20 ms; the others take 20 ms each.
    ddb.on(UpdateCommand).callsFake((input: { Key: { pk: string } }) =>
      slowly(20, undefined).then(() => {
        if (input.Key.pk.endsWith('#k0'))
          throw Object.assign(new Error('down'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
        return { Attributes: { id: 'a1', count: 2 } };
      }),
    );
    const r = await send(batch(40));
    expect(r.status).toBe(503);
    await slowly(300, undefined);
    // The first eight started together; after the failure, none of the other 32 started.
    expect(alertWrites()).toBeLessThanOrEqual(8);
  });
});

// Keep the low-level client mock referenced so the import is not flagged as unused.
void GetItemCommand;
void PutItemCommand;

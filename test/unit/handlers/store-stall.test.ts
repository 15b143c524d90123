// A DynamoDB that accepts connections and never answers (a stalled store): each attempt of a store
// call fails at the per-attempt request timeout, the call fails (StoreUnavailableError) after its
// retries instead of hanging, and an HTTP route answers 503 problem+json with Retry-After before its
// deadline (decision 0009). Without throwOnRequestTimeout the SDK only logs a warning and waits.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { configureDynamoClient, dynamoDBClient, STORE_MAX_ATTEMPTS } from '../../../shared/store/client';
import { StoreUnavailableError } from '../../../shared/store/errors';
import { getIntegration } from '../../../shared/store/integrations';
import { call, type Handler } from '../../support/http-event';

const REQUEST_TIMEOUT_MS = 300;

let server: Server;
const sockets = new Set<Socket>();
let requests = 0;

beforeAll(async () => {
  // Reads each request's first bytes (so a request counts) and never writes a byte back.
  server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => requests++);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'stall',
    AWS_SECRET_ACCESS_KEY: 'stall',
    TABLE_NAME: 'stall-test',
    NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
  });
  configureDynamoClient(() => {}); // a new client, built with the settings above
});

afterAll(async () => {
  dynamoDBClient().destroy();
  configureDynamoClient(() => {});
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = 0;
});

describe('a stalled DynamoDB', () => {
  it('fails a store call with a timeout after its retries, instead of hanging', async () => {
    const started = performance.now();
    const err = await getIntegration('int-1').then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as Error).message).toMatch(/TimeoutError/);
    expect(((err as Error).cause as { name?: string }).name).toBe('TimeoutError');
    // Every attempt was sent and timed out; the retries' back-off adds at most a few hundred ms.
    expect(requests).toBe(STORE_MAX_ATTEMPTS);
    expect(elapsed).toBeGreaterThanOrEqual(STORE_MAX_ATTEMPTS * REQUEST_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(STORE_MAX_ATTEMPTS * REQUEST_TIMEOUT_MS + 3000);
  });

  it('makes a webhook answer 503 problem+json with Retry-After, well before the handler deadline', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../../functions/ingest/handler') as { handler: Handler };
    const started = performance.now();
    const r = await call(handler, {
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: 'int-1' },
      headers: { authorization: 'Bearer secret-token' },
      body: { dedupKey: 'a', summary: 'b' },
    });
    const elapsed = performance.now() - started;
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.headers['retry-after']).toBeDefined();
    // The store's failure answered (not the early timeout 8 s into the 10 s the test context grants).
    expect(r.body.detail).toMatch(/could not store/);
    expect(elapsed).toBeLessThan(8000);
    // The integration read was the first step and it failed: nothing was written after it.
    expect(requests).toBe(STORE_MAX_ATTEMPTS);
  });
});

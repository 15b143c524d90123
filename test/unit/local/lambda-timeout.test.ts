// An HTTP handler nearing its Lambda timeout answers 503 with Retry-After (shared/http/api.ts, its
// deadline taken from context.getRemainingTimeInMillis()), never the runtime's timeout 500 — also
// when the local runtime's one process was too busy to run either timer on time (issue 11: ~4 in
// 1,000 POSTs under load were answered 500).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import type { FunctionDefinition } from '../../../infra/catalog';
import { LambdaHost, LambdaTimeoutError } from '../../../infra/local/lambda';
import type { Operation } from '../../../shared/api/operation';
import { httpApi } from '../../../shared/http/idempotent-api';
import { apiEvent } from '../../support/http-event';

const fn = (name: string, timeoutSeconds: number): FunctionDefinition => ({
  name,
  description: name,
  entry: `functions/${name}/handler.ts`,
  memoryMb: 128,
  timeoutSeconds,
  triggers: [],
});

const ops = [
  {
    method: 'post',
    path: '/things',
    summary: 'Never finishes',
    tag: 'Test',
    auth: 'public',
    responses: { 200: { description: 'OK' } },
  },
] as const satisfies readonly Operation[];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The process does nothing else for `ms` (a saturated event loop). */
const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end);
};

let dataDir: string;
beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), 'lambda-timeout-'))));
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('a request past its handler deadline in a busy local runtime', () => {
  it('is answered 503 with Retry-After by the handler, not 500 by the runtime timeout', async () => {
    const remaining: number[] = [];
    const api = httpApi(
      ops,
      {
        'POST /things': () => new Promise<never>(() => {}),
      },
      { timeoutEarlyMs: 400 },
    );
    const host = new LambdaHost({
      functions: [fn('other', 1), fn('api', 1)],
      region: 'eu-west-1',
      dataDir,
      handlers: {
        // Another invocation with the same timeout, started earlier: its timeout timer is due first.
        other: () => new Promise((r) => setTimeout(r, 5000).unref()),
        api: (event, context: Context) => {
          remaining.push(context.getRemainingTimeInMillis());
          return api(event as never, context);
        },
      },
      log: () => {},
    });
    const other = host.invoke('other', {}).catch((e: unknown) => e);
    await sleep(700);
    // api: deadline 1 s from now, its own 503 at 0.6 s — after `other` times out.
    const answer = host.invoke('api', apiEvent({ routeKey: 'POST /things', body: {} })).catch((e: unknown) => e);
    await sleep(50);
    // The process is busy past both of api's deadlines (its 503 and the runtime's timeout).
    busy(1500);
    expect(await answer).toMatchObject({ statusCode: 503, headers: expect.objectContaining({ 'retry-after': '5' }) });
    expect(await other).toBeInstanceOf(LambdaTimeoutError);
    // The handler saw the true remaining time of its invocation (as Lambda gives it).
    expect(remaining[0]).toBeGreaterThan(800);
    expect(remaining[0]).toBeLessThanOrEqual(1000);
  });

  it('a handler that ignores its deadline is still stopped by the runtime timeout', async () => {
    const host = new LambdaHost({
      functions: [fn('stuck', 0.3)],
      region: 'eu-west-1',
      dataDir,
      handlers: { stuck: () => new Promise((r) => setTimeout(r, 5000).unref()) },
      log: () => {},
    });
    await expect(host.invoke('stuck', {})).rejects.toBeInstanceOf(LambdaTimeoutError);
  });
});

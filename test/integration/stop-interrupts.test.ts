// Ctrl-C writes nothing to the dead-letter file (issue 10 §5): an asynchronous invocation that the
// runtime's stop cuts short (waiting for a retry) is not a failure. It goes to interrupted.jsonl and
// is handed back to its function on the next start, once.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { FunctionDefinition } from '../../infra/catalog';
import { readJsonl } from '../../infra/local/jsonl';
import type { LambdaHandler } from '../../infra/local/lambda';
import { eventPublisher } from '../../shared/adapters/events';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

jest.setTimeout(60_000);

const def = (name: string, extra: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name,
  description: name,
  entry: `functions/${name}/handler.ts`,
  memoryMb: 128,
  timeoutSeconds: 5,
  triggers: [],
  ...extra,
});
const functions: FunctionDefinition[] = [
  def('publisher', {
    triggers: [{ kind: 'http', method: 'POST', path: '/publish', auth: 'public' }],
    publishEvents: true,
  }),
  def('consumer', { triggers: [{ kind: 'event', pattern: { 'detail-type': ['Work'] } }] }),
];
const state = { down: true, calls: [] as number[], done: [] as number[] };
const handlers: Record<string, LambdaHandler> = {
  publisher: async (e: { body?: string }) => {
    await eventPublisher().publish([
      { source: 'nocturne.test', detailType: 'Work', detail: JSON.parse(e.body ?? '{}') as Record<string, unknown> },
    ]);
    return { statusCode: 202 };
  },
  consumer: async (e: { detail: { n: number } }) => {
    state.calls.push(e.detail.n);
    if (state.down) throw new Error('store unavailable');
    state.done.push(e.detail.n);
  },
};

let rt: TestRuntime | undefined;
const dataDir = tempDataDir();
afterAll(async () => {
  await rt?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('a stop during the retries writes no dead letter; the next start hands the event back once', async () => {
  const prefix = uniqueTablePrefix();
  // Retries a minute apart: the stop comes while the first retry is waiting.
  const start = () =>
    startTestRuntime({
      dataDir,
      tablePrefix: prefix,
      catalog: { functions },
      handlers,
      retry: { asyncDelaysMs: [60_000, 60_000], deadLetterReplayMs: 0 },
    });
  rt = await start();
  expect((await rt.request('POST', '/publish', { body: { n: 7 } })).status).toBe(202);
  for (let i = 0; i < 100 && state.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  expect(state.calls).toEqual([7]);
  await rt.stop();
  expect(existsSync(path.join(dataDir, 'dlq.jsonl')) ? readJsonl(path.join(dataDir, 'dlq.jsonl')) : []).toEqual([]);
  expect(readJsonl(path.join(dataDir, 'interrupted.jsonl'))).toEqual([
    expect.objectContaining({ function: 'consumer', event: expect.objectContaining({ detail: { n: 7 } }) }),
  ]);

  state.down = false;
  rt = await start();
  await rt.settle();
  expect(state.done).toEqual([7]);
  await rt.stop();
  rt = await start();
  await rt.settle();
  expect(state.done).toEqual([7]);
  expect(existsSync(path.join(dataDir, 'dlq.jsonl')) ? readJsonl(path.join(dataDir, 'dlq.jsonl')) : []).toEqual([]);
});

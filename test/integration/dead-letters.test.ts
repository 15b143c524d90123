// The local runtime never gives up on an accepted event by itself: an asynchronous invocation that
// fails every retry lands in dlq.jsonl, and the runtime hands it back to its function on start and
// periodically, each entry exactly once, until it succeeds or has been redriven maxRedrives times
// (then a log line says a person must look at it).
import { rmSync } from 'node:fs';
import { readJson } from '../../infra/local/jsonl';
import type { FunctionDefinition } from '../../infra/catalog';
import type { LambdaHandler } from '../../infra/local/lambda';
import { eventPublisher } from '../../shared/adapters/events';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';
import path from 'node:path';

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

/** The consumer fails while `down` is true, as a handler does while DynamoDB is unreachable. */
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

const start = (dataDir: string, prefix: string, retry: Record<string, unknown> = {}) =>
  startTestRuntime({
    dataDir,
    tablePrefix: prefix,
    catalog: { functions },
    handlers,
    retry: { asyncDelaysMs: [10, 10], deadLetterReplayMs: 0, ...retry },
  });

let rt: TestRuntime | undefined;
const dataDir = tempDataDir();
afterAll(async () => {
  await rt?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('replays a dead-lettered event on restart and periodically, exactly once per entry, until it succeeds', async () => {
  const prefix = uniqueTablePrefix();
  rt = await start(dataDir, prefix);
  state.down = true;
  expect((await rt.request('POST', '/publish', { body: { n: 1 } })).status).toBe(202);
  await rt.settle();
  expect(state.calls).toEqual([1, 1, 1]);
  expect(rt.deadLetters()).toEqual([
    expect.objectContaining({ function: 'consumer', redrives: 0, id: expect.any(String) }),
  ]);

  // Still down: the replay fails its retries and writes one new entry, redrive 1; the first is settled.
  await rt.replayDeadLetters();
  await rt.settle();
  expect(rt.deadLetters().map((d) => d.redrives)).toEqual([0, 1]);
  await rt.stop();

  // The store is back; the runtime restarts: the one unsettled entry is replayed at start, once.
  state.down = false;
  state.calls.length = 0;
  rt = await start(dataDir, prefix);
  await rt.settle();
  await rt.replayDeadLetters();
  await rt.settle();
  expect(state.done).toEqual([1]);
  expect(state.calls).toEqual([1]);
  const settled = readJson<{ settled: Record<string, string> }>(path.join(dataDir, 'dlq-replayed.json'), {
    settled: {},
  }).settled;
  expect(Object.values(settled)).toEqual(['replayed', 'replayed']);
  await rt.stop();

  // A third start replays nothing.
  rt = await start(dataDir, prefix);
  await rt.settle();
  expect(state.calls).toEqual([1]);
});

it('leaves an event that keeps failing for a person after maxRedrives, with a log line', async () => {
  await rt?.stop();
  const dir = tempDataDir();
  try {
    state.down = true;
    state.calls.length = 0;
    rt = await start(dir, uniqueTablePrefix(), { maxRedrives: 2 });
    await rt.request('POST', '/publish', { body: { n: 2 } });
    await rt.settle();
    for (let i = 0; i < 4; i++) {
      await rt.replayDeadLetters();
      await rt.settle();
    }
    // 3 attempts, then two redrives of 3 attempts each; nothing after.
    expect(state.calls).toEqual(Array(9).fill(2));
    expect(rt.deadLetters().map((d) => d.redrives)).toEqual([0, 1, 2]);
    expect(rt.logs.some((l) => /consumer failed after 2 redrives .* left in dlq\.jsonl for a person/.test(l))).toBe(
      true,
    );
  } finally {
    await rt?.stop();
    rt = undefined;
    rmSync(dir, { recursive: true, force: true });
  }
});

// The local runtime's store is supervised: when the DynamoDB Local process dies without stop(),
// `exited` says so (expected: false), and `npm start` (infra/local/main.ts) stops with a clear
// message instead of answering 503 forever; a stop() is an expected exit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local';

jest.setTimeout(120_000);

it('reports an unexpected death of DynamoDB Local, and a stop as expected', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nocturne-ddb-'));
  try {
    const killed = await startDynamoDbLocal({ dataDir: dir, startTimeoutMs: 100_000 });
    process.kill(killed.pid!, 'SIGKILL');
    await expect(killed.exited).resolves.toMatchObject({ signal: 'SIGKILL', expected: false });

    const stopped = await startDynamoDbLocal({ dataDir: dir, startTimeoutMs: 100_000 });
    await stopped.stop();
    await expect(stopped.exited).resolves.toMatchObject({ expected: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

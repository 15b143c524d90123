// The stream pollers' checkpoint file: saves made close together become one write (no file write
// per batch), flush() writes whatever is pending, and a failed write is tried again, so a position
// the function acknowledged is never dropped.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CheckpointStore } from '../../../infra/local/streams';

describe('stream checkpoints', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nocturne-checkpoints-'));
    file = path.join(dir, 'stream-checkpoints.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every save made before a flush in one write, with the latest positions', async () => {
    // Prepare: a delay no test waits for, so only flush() writes.
    const written: string[] = [];
    const store = new CheckpointStore(file, {
      delayMs: 3_600_000,
      write: async (_f, data) => void written.push(JSON.stringify(data)),
    });
    const cp = store.get('outbox', 'arn:stream');

    // Act: three acknowledged batches.
    for (const seq of ['100', '200', '300']) {
      cp.shards.s1 = { sequenceNumber: seq };
      store.save();
    }
    await store.flush();

    // Assess
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!)).toEqual({
      outbox: { streamArn: 'arn:stream', shards: { s1: { sequenceNumber: '300' } } },
    });
  });

  it('writes the file a new store (a restart) reads its positions from', async () => {
    // Prepare
    const store = new CheckpointStore(file, { delayMs: 3_600_000 });
    store.get('outbox', 'arn:stream').shards.s1 = { sequenceNumber: '42', done: true };

    // Act
    store.save();
    await store.flush();

    // Assess
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      outbox: { streamArn: 'arn:stream', shards: { s1: { sequenceNumber: '42', done: true } } },
    });
    expect(new CheckpointStore(file).get('outbox', 'arn:stream').shards.s1).toEqual({
      sequenceNumber: '42',
      done: true,
    });
  });

  it('reports a failed write and writes the same positions at the next flush', async () => {
    // Prepare: the first write fails (a full disk, say).
    const written: unknown[] = [];
    let fail = true;
    const store = new CheckpointStore(file, {
      delayMs: 3_600_000,
      write: async (_f, data) => {
        if (fail) throw new Error('ENOSPC');
        written.push(JSON.parse(JSON.stringify(data)));
      },
    });
    store.get('outbox', 'arn:stream').shards.s1 = { sequenceNumber: '7' };
    store.save();

    // Act
    await expect(store.flush()).rejects.toThrow('ENOSPC');
    fail = false;
    await store.flush();

    // Assess
    expect(written).toEqual([{ outbox: { streamArn: 'arn:stream', shards: { s1: { sequenceNumber: '7' } } } }]);
  });

  it('flushes with nothing saved without writing', async () => {
    const write = jest.fn(async () => undefined);
    const store = new CheckpointStore(file, { write });
    await store.flush();
    expect(write).not.toHaveBeenCalled();
  });
});

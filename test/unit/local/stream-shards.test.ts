// Shard rollover, which DynamoDB Local rarely shows: a closed parent shard is read to its end
// before its child, and a restart resumes each shard after its checkpoint.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionDefinition } from '../../../infra/catalog';
import { LambdaHost } from '../../../infra/local/lambda';
import { checkpointStore, StreamPoller } from '../../../infra/local/streams';

const STREAM = 'arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/1';
const rec = (seq: string, type?: string) => ({
  eventID: `e${seq}`,
  eventName: 'INSERT' as const,
  dynamodb: {
    Keys: { pk: { S: seq } },
    ...(type ? { NewImage: { pk: { S: seq }, type: { S: type } } } : {}),
    SequenceNumber: seq,
    SizeBytes: 1,
    StreamViewType: 'NEW_AND_OLD_IMAGES' as const,
  },
});

describe('stream shards', () => {
  const ddb = mockClient(DynamoDBClient);
  const streams = mockClient(DynamoDBStreamsClient);
  let dataDir: string;
  const fn: FunctionDefinition = {
    name: 'changes',
    description: '',
    entry: 'x.ts',
    memoryMb: 128,
    timeoutSeconds: 3,
    triggers: [],
  };

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'nocturne-shards-'));
    ddb.reset();
    streams.reset();
    ddb
      .on(DescribeTableCommand)
      .resolves({ Table: { LatestStreamArn: STREAM, StreamSpecification: { StreamEnabled: true } } });
    // Listed child first: order in the listing must not matter.
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: {
        Shards: [
          { ShardId: 'child', ParentShardId: 'parent', SequenceNumberRange: { StartingSequenceNumber: '300' } },
          { ShardId: 'parent', SequenceNumberRange: { StartingSequenceNumber: '100', EndingSequenceNumber: '200' } },
        ],
      },
    });
    streams
      .on(GetShardIteratorCommand)
      .callsFake((input: { ShardId: string; ShardIteratorType: string; SequenceNumber?: string }) => ({
        ShardIterator: `${input.ShardId}|${input.ShardIteratorType}|${input.SequenceNumber ?? ''}`,
      }));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function poller(
    seen: string[][],
    handler: (e: DynamoDBStreamEvent) => Promise<unknown> = async () => ({ batchItemFailures: [] }),
    itemTypes?: ReadonlySet<string>,
  ) {
    const host = new LambdaHost({
      functions: [fn],
      region: 'us-east-1',
      dataDir,
      log: () => {},
      handlers: {
        changes: async (e: DynamoDBStreamEvent) => {
          seen.push(e.Records.map((r) => r.dynamodb!.SequenceNumber!));
          return handler(e);
        },
      },
    });
    return new StreamPoller({
      fn,
      batchSize: 10,
      tableName: 't',
      endpoint: 'http://127.0.0.1:1',
      region: 'us-east-1',
      dataDir,
      checkpoints: checkpointStore(dataDir),
      host,
      ddb: new DynamoDBClient({ region: 'us-east-1' }),
      pollMs: 10_000,
      retryBaseMs: 1,
      itemTypes,
      log: () => {},
    });
  }

  it('reads the parent to its end before the child, then checkpoints both', async () => {
    streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      const [shard, type] = input.ShardIterator.split('|');
      if (shard === 'parent') return type === 'TRIM_HORIZON' ? { Records: [rec('100'), rec('200')] } : { Records: [] };
      if (type === 'TRIM_HORIZON') return { Records: [rec('300')], NextShardIterator: 'child|after-300|' };
      return { Records: [], NextShardIterator: 'child|after-300|' };
    });
    const seen: string[][] = [];
    const p = poller(seen);
    p.start();
    await p.drain();
    await p.stop();

    expect(seen).toEqual([['100', '200'], ['300']]);
    const cp = JSON.parse(readFileSync(path.join(dataDir, 'stream-checkpoints.json'), 'utf8'));
    expect(cp.changes).toEqual({
      streamArn: STREAM,
      shards: { parent: { sequenceNumber: '200', done: true }, child: { sequenceNumber: '300' } },
    });
  });

  it('resumes after the checkpoint on restart', async () => {
    // Prepare: a checkpoint that says the parent is done and the child read up to 300.
    const store = checkpointStore(dataDir);
    store.get('changes', STREAM).shards = {
      parent: { sequenceNumber: '200', done: true },
      child: { sequenceNumber: '300' },
    };
    store.save();
    await store.flush();
    streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      const [shard, type, seq] = input.ShardIterator.split('|');
      if (shard === 'child' && type === 'AFTER_SEQUENCE_NUMBER' && seq === '300')
        return { Records: [rec('301')], NextShardIterator: 'child|x|' };
      return { Records: [], NextShardIterator: 'child|x|' };
    });

    // Act
    const seen: string[][] = [];
    const p = poller(seen);
    p.start();
    await p.drain();
    await p.stop();

    // Assess
    expect(seen).toEqual([['301']]);
    expect(streams.commandCalls(GetShardIteratorCommand).map((c) => c.args[0].input.ShardId)).toEqual(['child']);
  });

  it('hands each attempt records of its own, as plain JSON: a handler that changes its event changes no retry', async () => {
    // Prepare: the parent's two records; the first attempt changes every record and fails from 200.
    streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      const [shard, type] = input.ShardIterator.split('|');
      if (shard === 'parent') return type === 'TRIM_HORIZON' ? { Records: [rec('100'), rec('200')] } : { Records: [] };
      return { Records: [], NextShardIterator: 'child|x|' };
    });
    const events: DynamoDBStreamEvent[] = [];
    const handler = async (e: DynamoDBStreamEvent) => {
      events.push(JSON.parse(JSON.stringify(e)) as DynamoDBStreamEvent);
      expect(JSON.parse(JSON.stringify(e))).toStrictEqual(e); // nothing JSON would drop or change
      const firstAttempt = events.length === 1;
      for (const r of e.Records) r.dynamodb!.Keys!.pk!.S = 'changed by the handler';
      return { batchItemFailures: firstAttempt ? [{ itemIdentifier: '200' }] : [] };
    };

    // Act
    const seen: string[][] = [];
    const p = poller(seen, handler);
    p.start();
    await p.drain();
    await p.stop();

    // Assess
    expect(seen).toEqual([['100', '200'], ['200']]);
    expect(events[1]!.Records[0]!.dynamodb!.Keys).toEqual({ pk: { S: '200' } });
  });

  it('with itemTypes, hands over only records of those types and consumes the others without an invocation', async () => {
    // Prepare: the parent holds a raw payload and an alert; the child only a deletion and a raw payload.
    streams.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      const [shard, type] = input.ShardIterator.split('|');
      if (shard === 'parent')
        return type === 'TRIM_HORIZON' ? { Records: [rec('100', 'RawPayload'), rec('200', 'Alert')] } : { Records: [] };
      if (type === 'TRIM_HORIZON')
        return { Records: [rec('300'), rec('301', 'RawPayload')], NextShardIterator: 'child|x|' };
      return { Records: [], NextShardIterator: 'child|x|' };
    });

    // Act
    const seen: string[][] = [];
    const p = poller(seen, undefined, new Set(['Alert']));
    p.start();
    await p.drain();
    await p.stop();

    // Assess: one invocation, with the alert alone; every record read and acknowledged.
    expect(seen).toEqual([['200']]);
    expect({ delivered: p.delivered, read: p.read }).toEqual({ delivered: 1, read: 4 });
    const cp = JSON.parse(readFileSync(path.join(dataDir, 'stream-checkpoints.json'), 'utf8'));
    expect(cp.changes.shards).toEqual({
      parent: { sequenceNumber: '200', done: true },
      child: { sequenceNumber: '301' },
    });
  });
});

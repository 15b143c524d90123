// DynamoDB Streams → Lambda, as an event source mapping does it: one poller per function with
// a tableStream trigger reads the main table's stream from DynamoDB Local, invokes the handler
// with a real DynamoDBStreamEvent in batches of the trigger's batchSize, honours
// batchItemFailures (ReportBatchItemFailures), retries with backoff, and after maxAttempts
// writes the batch to dlq.jsonl and moves on. Its position per shard is checkpointed in
// $dataDir/stream-checkpoints.json, so a restart neither replays nor loses records. Shards are
// read parent before child, so the order of changes to one item is kept across rollovers.
import path from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  type AttributeValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { FunctionDefinition } from '../catalog';
import { readJson, writeJsonAtomic } from './jsonl';
import { describe, type LambdaHost } from './lambda';

type LambdaAttributeValue = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['Keys']>[string];

interface ShardCheckpoint {
  /** Last sequence number handed to the function (successfully, or dead-lettered). */
  sequenceNumber?: string;
  /** The shard is closed and fully read. */
  done?: boolean;
}

interface FunctionCheckpoint {
  streamArn: string;
  shards: Record<string, ShardCheckpoint>;
}

/** stream-checkpoints.json: { [functionName]: { streamArn, shards } }, shared by all pollers. */
export class CheckpointStore {
  private data: Record<string, FunctionCheckpoint>;
  constructor(private readonly file: string) {
    this.data = readJson<Record<string, FunctionCheckpoint>>(file, {});
  }

  get(fn: string, streamArn: string): FunctionCheckpoint {
    const cp = this.data[fn];
    if (cp?.streamArn === streamArn) return cp;
    // A new stream (the table was re-created): start from its beginning.
    const fresh: FunctionCheckpoint = { streamArn, shards: {} };
    this.data[fn] = fresh;
    return fresh;
  }

  save(): void {
    writeJsonAtomic(this.file, this.data);
  }
}

export interface StreamPollerOptions {
  fn: FunctionDefinition;
  batchSize: number;
  tableName: string;
  endpoint: string;
  region: string;
  dataDir: string;
  checkpoints: CheckpointStore;
  host: LambdaHost;
  ddb: DynamoDBClient;
  pollMs: number;
  /** Attempts per batch before it is dead-lettered (default 4: the first try and 3 retries). */
  maxAttempts?: number;
  /** Backoff before retry n is retryBaseMs * 2^(n-1) (default 200 ms). */
  retryBaseMs?: number;
  log: (line: string) => void;
}

/** Lambda's event carries binary attributes as base64 strings; the SDK gives bytes. */
function toLambdaValue(v: AttributeValue): LambdaAttributeValue {
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  if (v.B !== undefined) return { B: b64(v.B) };
  if (v.BS !== undefined) return { BS: v.BS.map(b64) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) } as LambdaAttributeValue;
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) } as LambdaAttributeValue;
  const { $unknown: _u, ...rest } = v as AttributeValue & { $unknown?: unknown };
  return rest as LambdaAttributeValue;
}

function toLambdaImage(
  image: Record<string, AttributeValue> | undefined,
): Record<string, LambdaAttributeValue> | undefined {
  if (!image) return undefined;
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

export function toLambdaRecord(r: StreamRecord, streamArn: string, region: string): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime
    ? new Date(d.ApproximateCreationDateTime).getTime() / 1000
    : Date.now() / 1000;
  const record: DynamoDBRecord = {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(created),
      Keys: toLambdaImage(d.Keys),
      ...(d.NewImage ? { NewImage: toLambdaImage(d.NewImage) } : {}),
      ...(d.OldImage ? { OldImage: toLambdaImage(d.OldImage) } : {}),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'],
    },
    eventSourceARN: streamArn,
  };
  if (r.userIdentity) record.userIdentity = { type: r.userIdentity.Type, principalId: r.userIdentity.PrincipalId };
  return record;
}

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private streamArn?: string;
  private shards: Shard[] = [];
  private shardsReadAt = 0;
  private readonly iterators = new Map<string, string>();
  private lock: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private running = false;
  /** What the poller is doing, for the console and tests. */
  status: 'idle' | 'polling' | 'waiting-for-handler' | 'no-stream' | 'stopped' | 'error' = 'idle';
  lastError?: string;
  delivered = 0;

  get functionName(): string {
    return this.o.fn.name;
  }

  get batchSize(): number {
    return this.o.batchSize;
  }

  constructor(private readonly o: StreamPollerOptions) {
    this.streams = new DynamoDBStreamsClient({
      endpoint: o.endpoint,
      region: o.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 2,
    });
  }

  start(): void {
    this.running = true;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.serialized(() => this.pollOnce())
        .catch((err) => {
          this.status = 'error';
          this.lastError = describe(err);
          this.o.log(`[streams] ${this.o.fn.name}: ${this.lastError}`);
        })
        .finally(() => this.schedule(this.o.pollMs));
    }, ms);
    this.timer.unref();
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.lock.then(work, work);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /** Poll until a full pass finds no new record (tests). */
  async drain(): Promise<number> {
    let total = 0;
    for (let pass = 0; pass < 1000; pass++) {
      const r = await this.serialized(() => this.pollOnce(true));
      total += r.records;
      if (r.records === 0 && !r.shardClosed) break;
    }
    return total;
  }

  /** Stop polling; a batch being retried is abandoned unacknowledged once the host wakes its waits. */
  halt(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  async stop(): Promise<void> {
    this.halt();
    await this.lock;
    this.status = 'stopped';
    this.streams.destroy();
  }

  private async refreshShards(): Promise<void> {
    const t = await this.o.ddb.send(new DescribeTableCommand({ TableName: this.o.tableName }));
    const arn = t.Table?.LatestStreamArn;
    if (!arn || !t.Table?.StreamSpecification?.StreamEnabled) {
      this.streamArn = undefined;
      this.shards = [];
      return;
    }
    if (arn !== this.streamArn) this.iterators.clear();
    this.streamArn = arn;
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const r = await this.streams.send(new DescribeStreamCommand({ StreamArn: arn, ExclusiveStartShardId: start }));
      shards.push(...(r.StreamDescription?.Shards ?? []));
      start = r.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    this.shards = shards;
    this.shardsReadAt = Date.now();
    // Forget checkpoints of shards that have been trimmed away.
    const cp = this.o.checkpoints.get(this.o.fn.name, arn);
    const live = new Set(shards.map((s) => s.ShardId));
    let changed = false;
    for (const id of Object.keys(cp.shards))
      if (!live.has(id)) {
        delete cp.shards[id];
        changed = true;
      }
    if (changed) this.o.checkpoints.save();
  }

  private async iteratorFor(shardId: string, cp: ShardCheckpoint): Promise<string | undefined> {
    const cached = this.iterators.get(shardId);
    if (cached) return cached;
    const r = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shardId,
        ...(cp.sequenceNumber
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cp.sequenceNumber }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return r.ShardIterator;
  }

  /** One pass over the readable shards; returns how many records were handed to the function. */
  private async pollOnce(forceRefresh = false): Promise<{ records: number; shardClosed: boolean }> {
    const nothing = { records: 0, shardClosed: false };
    if (!this.running) return nothing;
    if (!this.o.host.isAvailable(this.o.fn)) {
      // Leave the records in the stream until the handler exists.
      this.status = 'waiting-for-handler';
      return nothing;
    }
    if (forceRefresh || !this.streamArn || Date.now() - this.shardsReadAt > 5000) await this.refreshShards();
    if (!this.streamArn) {
      this.status = 'no-stream';
      return nothing;
    }
    this.status = 'polling';
    const cp = this.o.checkpoints.get(this.o.fn.name, this.streamArn);
    const listed = new Set(this.shards.map((s) => s.ShardId!));
    let delivered = 0;
    let shardClosed = false;
    for (const shard of this.shards) {
      const id = shard.ShardId!;
      const state = (cp.shards[id] ??= {});
      if (state.done) continue;
      // Children wait until their parent is read to the end.
      if (shard.ParentShardId && listed.has(shard.ParentShardId) && !cp.shards[shard.ParentShardId]?.done) continue;
      let iterator = await this.iteratorFor(id, state);
      if (!iterator) continue;
      let r;
      try {
        r = await this.streams.send(
          new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(this.o.batchSize, 1000) }),
        );
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') {
          this.iterators.delete(id);
          if (name === 'TrimmedDataAccessException') state.sequenceNumber = undefined;
          continue;
        }
        throw err;
      }
      const records = r.Records ?? [];
      if (records.length) {
        if (!(await this.deliver(id, records, state))) {
          // Stopped while retrying: the batch stays unacknowledged and is read again on restart.
          this.iterators.delete(id);
          return { records: delivered, shardClosed };
        }
        delivered += records.length;
      }
      iterator = r.NextShardIterator ?? '';
      if (iterator) this.iterators.set(id, iterator);
      else {
        this.iterators.delete(id);
        state.done = true;
        shardClosed = true;
        this.o.checkpoints.save();
      }
    }
    if (shardClosed) this.shardsReadAt = 0;
    this.delivered += delivered;
    return { records: delivered, shardClosed };
  }

  /** Hands one batch to the function; false when the poller stopped before the batch was settled. */
  private async deliver(shardId: string, records: StreamRecord[], state: ShardCheckpoint): Promise<boolean> {
    const streamArn = this.streamArn!;
    let remaining = records.map((r) => toLambdaRecord(r, streamArn, this.o.region));
    const maxAttempts = this.o.maxAttempts ?? 4;
    const base = this.o.retryBaseMs ?? 200;
    let lastError = '';
    const checkpoint = (seq: string | undefined) => {
      if (!seq) return;
      state.sequenceNumber = seq;
      this.o.checkpoints.save();
    };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) await this.o.host.wait(base * 2 ** (attempt - 2));
      if (attempt > 1 && !this.running) return false;
      const event: DynamoDBStreamEvent = { Records: remaining };
      try {
        const result = (await this.o.host.invoke(this.o.fn.name, event, 'tableStream')) as
          { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined;
        const failures = result?.batchItemFailures ?? [];
        if (failures.length === 0) {
          checkpoint(remaining.at(-1)?.dynamodb?.SequenceNumber);
          return true;
        }
        // Retry from the first failed record; an identifier that names no record fails the batch.
        const indexes = failures.map((f) =>
          remaining.findIndex((rec) => rec.dynamodb?.SequenceNumber === f.itemIdentifier),
        );
        const first = indexes.some((i) => i < 0) ? 0 : Math.min(...indexes);
        if (first > 0) checkpoint(remaining[first - 1]!.dynamodb?.SequenceNumber);
        remaining = remaining.slice(first);
        lastError = `batchItemFailures from sequence number ${remaining[0]?.dynamodb?.SequenceNumber}`;
      } catch (err) {
        lastError = describe(err);
      }
      this.o.log(
        `[streams] ${this.o.fn.name} failed on ${remaining.length} record(s) (attempt ${attempt}/${maxAttempts}): ${lastError}`,
      );
    }
    this.o.host.deadLetter({
      kind: 'tableStream',
      function: this.o.fn.name,
      error: lastError,
      streamArn,
      shardId,
      firstSequenceNumber: remaining[0]?.dynamodb?.SequenceNumber,
      lastSequenceNumber: remaining.at(-1)?.dynamodb?.SequenceNumber,
      event: { Records: remaining },
    });
    checkpoint(remaining.at(-1)?.dynamodb?.SequenceNumber);
    return true;
  }
}

export function checkpointStore(dataDir: string): CheckpointStore {
  return new CheckpointStore(path.join(dataDir, 'stream-checkpoints.json'));
}

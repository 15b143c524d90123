// DynamoDB Streams → Lambda, as an event source mapping does it: one poller per function with
// a tableStream trigger reads the main table's stream from DynamoDB Local, invokes the handler
// with a real DynamoDBStreamEvent in batches of the trigger's batchSize, honours
// batchItemFailures (ReportBatchItemFailures), retries with backoff, and after maxAttempts
// writes the batch to dlq.jsonl and moves on. Its position per shard is checkpointed in
// $dataDir/stream-checkpoints.json (written at most once a second, and on stop: see CheckpointStore),
// so a restart after a stop neither replays nor loses records, and one after a crash replays at most
// the last second's (never loses one). Shards are
// read parent before child, so the order of changes to one item is kept across rollovers.
import { mkdir, rename, writeFile } from 'node:fs/promises';
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
import { readJson } from './jsonl';
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

/** Writes the checkpoint file (tests count the writes). */
export type CheckpointWriter = (file: string, data: unknown) => Promise<void>;

/**
 * stream-checkpoints.json: { [functionName]: { streamArn, shards } }, shared by all pollers.
 *
 * A save() is written within `delayMs` (default 1 s), off the event loop (temp file + rename, so a
 * crash leaves the old or the new file), and every save made meanwhile goes into that one write:
 * a synchronous write per batch was ~2.5 % of the runtime's CPU under bench:ingest. flush() — which
 * the pollers' drain() and stop() await — writes what is pending, so a restart after a stop neither
 * replays nor loses a record. A crash replays at most the batches acknowledged in the last `delayMs`
 * (at least once, as an event source mapping does after a failure); it never skips a record, since
 * the file never runs ahead of what the function acknowledged.
 */
export class CheckpointStore {
  private data: Record<string, FunctionCheckpoint>;
  private dirty = false;
  private writing?: Promise<void>;
  /** flush() calls waiting: the pending write goes now, without the delay. */
  private urgent = 0;
  private wake?: () => void;
  private failure?: unknown;
  private readonly delayMs: number;
  private readonly write: CheckpointWriter;

  constructor(
    private readonly file: string,
    opts: { delayMs?: number; write?: CheckpointWriter } = {},
  ) {
    this.data = readJson<Record<string, FunctionCheckpoint>>(file, {});
    this.delayMs = opts.delayMs ?? 1000;
    this.write = opts.write ?? writeJsonAtomicAsync;
  }

  get(fn: string, streamArn: string): FunctionCheckpoint {
    const cp = this.data[fn];
    if (cp?.streamArn === streamArn) return cp;
    // A new stream (the table was re-created): start from its beginning.
    const fresh: FunctionCheckpoint = { streamArn, shards: {} };
    this.data[fn] = fresh;
    return fresh;
  }

  /** The checkpoints changed: write them within delayMs (or at the next flush). */
  save(): void {
    this.dirty = true;
    this.writing ??= this.writeLoop();
  }

  /** Writes now whatever was saved and not yet written; resolves once it is on disk, or throws the write's error. */
  async flush(): Promise<void> {
    this.urgent++;
    try {
      if (this.dirty) this.writing ??= this.writeLoop();
      this.wake?.();
      while (this.writing) await this.writing;
      if (this.failure) {
        const err = this.failure;
        this.failure = undefined;
        throw err;
      }
    } finally {
      this.urgent--;
    }
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.dirty) {
        if (!this.urgent)
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.delayMs);
            timer.unref();
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        this.wake = undefined;
        this.dirty = false;
        try {
          await this.write(this.file, this.data);
        } catch (err) {
          this.dirty = true; // not written: the next save() or flush() tries again
          throw err;
        }
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.writing = undefined;
    }
  }
}

/** The JSON written now (a snapshot), then renamed over the file: a crash leaves the old or the new one. */
async function writeJsonAtomicAsync(file: string, data: unknown): Promise<void> {
  const text = `${JSON.stringify(data)}\n`;
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
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
  /** The trigger's `itemTypes`: only records whose new image's `type` is one of these are delivered. */
  itemTypes?: ReadonlySet<string>;
  /** Attempts per batch before it is dead-lettered (default 4: the first try and 3 retries). */
  maxAttempts?: number;
  /** Backoff before retry n is retryBaseMs * 2^(n-1) (default 200 ms). */
  retryBaseMs?: number;
  log: (line: string) => void;
}

const noop = (): void => undefined;
/**
 * A logger without `info`: the SDK's logger middleware then skips building a sensitive-data-filtered
 * copy of every GetRecords response (a batch of images) that the default no-op logger would throw
 * away (~1.3 % of the runtime's CPU under bench:ingest). As shared/store/client.ts does.
 */
const SDK_LOGGER = { debug: noop, trace: noop, warn: noop } as unknown as NonNullable<
  ConstructorParameters<typeof DynamoDBStreamsClient>[0]
>['logger'];

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');

/** Lambda's event carries binary attributes as base64 strings; the SDK gives bytes. */
function toLambdaValue(v: AttributeValue): LambdaAttributeValue {
  // Strings and numbers first, without the rest-spread below: this runs for every attribute of
  // every image the outbox reads (toLambdaRecord was ~1.2 % of the runtime's CPU under bench:ingest).
  if (v.S !== undefined) return { S: v.S };
  if (v.N !== undefined) return { N: v.N };
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
  const out: Record<string, LambdaAttributeValue> = {};
  for (const k of Object.keys(image)) out[k] = toLambdaValue(image[k]!);
  return out;
}

/**
 * The record Lambda hands the function, as plain JSON (no undefined members): the poller builds a
 * fresh one for every attempt and hands it over without the host's JSON copy. `receivedAt` (ms)
 * stands in for a missing creation time.
 */
export function toLambdaRecord(
  r: StreamRecord,
  streamArn: string,
  region: string,
  receivedAt = Date.now(),
): DynamoDBRecord {
  const d = r.dynamodb ?? {};
  const created = d.ApproximateCreationDateTime
    ? new Date(d.ApproximateCreationDateTime).getTime() / 1000
    : receivedAt / 1000;
  const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = { ApproximateCreationDateTime: Math.floor(created) };
  if (d.Keys) dynamodb.Keys = toLambdaImage(d.Keys);
  if (d.NewImage) dynamodb.NewImage = toLambdaImage(d.NewImage);
  if (d.OldImage) dynamodb.OldImage = toLambdaImage(d.OldImage);
  if (d.SequenceNumber !== undefined) dynamodb.SequenceNumber = d.SequenceNumber;
  if (d.SizeBytes !== undefined) dynamodb.SizeBytes = d.SizeBytes;
  if (d.StreamViewType !== undefined)
    dynamodb.StreamViewType = d.StreamViewType as NonNullable<DynamoDBRecord['dynamodb']>['StreamViewType'];
  const record: DynamoDBRecord = {};
  if (r.eventID !== undefined) record.eventID = r.eventID;
  if (r.eventName !== undefined) record.eventName = r.eventName as DynamoDBRecord['eventName'];
  record.eventVersion = '1.1';
  record.eventSource = 'aws:dynamodb';
  record.awsRegion = region;
  record.dynamodb = dynamodb;
  record.eventSourceARN = streamArn;
  if (r.userIdentity) {
    record.userIdentity = {};
    if (r.userIdentity.Type !== undefined) record.userIdentity.type = r.userIdentity.Type;
    if (r.userIdentity.PrincipalId !== undefined) record.userIdentity.principalId = r.userIdentity.PrincipalId;
  }
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
  /** Records read from the stream (delivered, or consumed without an invocation by the `itemTypes` filter). */
  read = 0;

  get functionName(): string {
    return this.o.fn.name;
  }

  get itemTypes(): readonly string[] | undefined {
    return this.o.itemTypes ? [...this.o.itemTypes] : undefined;
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
      logger: SDK_LOGGER,
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

  /** Poll until a full pass finds no new record, and write the checkpoints (tests). */
  async drain(): Promise<number> {
    let total = 0;
    for (let pass = 0; pass < 1000; pass++) {
      const r = await this.serialized(() => this.pollOnce(true));
      total += r.records;
      if (r.records === 0 && !r.shardClosed) break;
    }
    await this.o.checkpoints.flush();
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
    // What was acknowledged is on disk before the runtime's stop resolves: a restart replays none of it.
    await this.o.checkpoints.flush().catch((err: unknown) => {
      this.o.log(`[streams] ${this.o.fn.name}: writing the checkpoints failed: ${describe(err)}`);
    });
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

  /** One pass over the readable shards; returns how many records were read (handed to the function or filtered out). */
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
    let read = 0;
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
      const itemTypes = this.o.itemTypes;
      const wanted = itemTypes
        ? records.filter((rec) => itemTypes.has(rec.dynamodb?.NewImage?.type?.S ?? ''))
        : records;
      if (wanted.length) {
        if (!(await this.deliver(id, wanted, state))) {
          // Stopped while retrying: the batch stays unacknowledged and is read again on restart.
          this.iterators.delete(id);
          return { records: read, shardClosed };
        }
        delivered += wanted.length;
      }
      // Records the filter left out are consumed with the batch, as an event filter consumes them in AWS.
      const last = records.at(-1)?.dynamodb?.SequenceNumber;
      if (wanted.length < records.length && last && state.sequenceNumber !== last) {
        state.sequenceNumber = last;
        this.o.checkpoints.save();
      }
      read += records.length;
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
    this.read += read;
    return { records: read, shardClosed };
  }

  /** Hands one batch to the function; false when the poller stopped before the batch was settled. */
  private async deliver(shardId: string, records: StreamRecord[], state: ShardCheckpoint): Promise<boolean> {
    const streamArn = this.streamArn!;
    const receivedAt = Date.now();
    // Each attempt gets records built for it alone (a handler that changes its event changes no
    // retry's), so the host need not copy them: `ownedEvent`.
    const lambdaRecords = (from: StreamRecord[]) =>
      from.map((r) => toLambdaRecord(r, streamArn, this.o.region, receivedAt));
    let remaining = records;
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
      const event: DynamoDBStreamEvent = { Records: lambdaRecords(remaining) };
      try {
        const result = (await this.o.host.invoke(this.o.fn.name, event, 'tableStream', { ownedEvent: true })) as
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
      event: { Records: lambdaRecords(remaining) },
    });
    checkpoint(remaining.at(-1)?.dynamodb?.SequenceNumber);
    return true;
  }
}

export function checkpointStore(dataDir: string): CheckpointStore {
  return new CheckpointStore(path.join(dataDir, 'stream-checkpoints.json'));
}

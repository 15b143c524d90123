// Stored reconciliation runs (docs/revenue-assurance.md "Stored runs"): a run of one period is an
// execution of state-machines/ra-reconcile.asl.json. Its Tasks are the steps here:
//   plan       (ra-split)      the batches Load finished for the period on both sides, listed as the
//                               Pieces map's items (no batch read), and the partition count;
//   piece      (ra-split)      one Pieces Distributed Map item: one batch opened (envelope) and cut by
//                               the key's hash into one piece per partition under the run;
//   collect    (ra-split)      the pieces' results merged (volumes, bad lines; a refused batch fails
//                               the run), plus the partition manifest the Partitions map reads;
//   partition  (ra-partition)  one Partitions map item: reconcilePartition over its sides' pieces,
//                               findings stored under the run;
//   summarize  (ra-summarize)  mergeResults over the Map's result files, the controls, then the run
//                               becomes its period's current run (the run it replaces loses its findings);
//   fail       (ra-summarize)  the run failed: its findings are deleted, a refused file raises an alert.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ulid } from 'ulid';
import { detectAnomalies, volumesOf, volumePoints, type VolumePoint } from '../../domain/revenue/anomalies';
import { DEFAULT_RA_CONTROLS, evaluateControls, filesControl } from '../../domain/revenue/controls';
import { reconcilePartition } from '../../domain/revenue/match';
import { partitionKeyOf, partitionOf } from '../../domain/revenue/partition';
import { mergeResults } from '../../domain/revenue/summary';
import {
  DEFAULT_RECONCILE_CONFIG,
  MAX_PARTITIONS,
  SIDES,
  type PartitionResult,
  type ReconcileConfig,
  type Side,
  type UsageRecord,
} from '../../domain/revenue/types';
import { ConflictError, ValidationError } from '../../domain/errors';
import { EnvelopeError, keyIdOf, openEnvelope } from '../../adapters/envelope';
import { bucketName, deleteObjects, getObjectBytes, listObjects, putObject } from '../../adapters/s3';
import { UsageErrorLog, readUsageBatches, readUsageRecords } from '../../adapters/usage-files';
import { raKeys, type LoadManifest } from '../../domain/revenue/files';
import { logger } from '../../observability/logger';
import {
  deleteFindings,
  getRun,
  getSettings,
  insertRun,
  makeCurrent,
  putFindings,
  requireRun,
  updateRun,
  volumesOfPeriods,
  claimRunKey,
  DEFAULT_CURRENCY,
  type RaRun,
  type RaSettings,
} from '../../store/revenue';
import { syncControls } from './controls';

export const RA_BUCKET = 'ra-files';
export const RA_KEY = 'ra';
export const RA_MACHINE = 'ra-reconcile';
/** Input bytes per partition at most (more partitions than the config's minimum for big periods). */
export const PARTITION_INPUT_BYTES = 2 * 1024 * 1024;

/** The settings in force: stored ones, or the defaults. */
export async function currentSettings(): Promise<
  Omit<RaSettings, 'version' | 'updatedAt' | 'updatedBy'> & { version: number }
> {
  const s = await getSettings();
  return (
    s ?? {
      reconcile: DEFAULT_RECONCILE_CONFIG,
      controls: DEFAULT_RA_CONTROLS,
      currency: DEFAULT_CURRENCY,
      version: 0,
    }
  );
}

const PERIOD = /^\d{4}-\d{2}-\d{2}$/;
export function isPeriod(p: string): boolean {
  if (!PERIOD.test(p)) return false;
  const d = new Date(`${p}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === p;
}

/** Starts executions (the Step Functions adapter in both runtimes; tests may pass another). */
export interface RunExecutions {
  start(machine: string, name: string, input: unknown): Promise<string>;
}

export interface StartRunRequest {
  period: string;
  trigger: RaRun['trigger'];
  /** Idempotency-Key of the request (with the caller): the same key answers the same run. */
  idempotencyKey?: string;
  now: Date;
  executions: RunExecutions;
}

/** Starts a run of a period; with the same idempotency key, answers the run it started before. */
export async function startRun(r: StartRunRequest): Promise<{ run: RaRun; created: boolean }> {
  if (!isPeriod(r.period))
    throw new ValidationError('The period is not a day.', [{ field: 'period', message: 'Use YYYY-MM-DD.' }]);
  if (r.period > r.now.toISOString().slice(0, 10))
    throw new ValidationError('The period is in the future.', [
      { field: 'period', message: 'A run reconciles a day that has begun.' },
    ]);
  const runId = `${r.period}-${ulid(r.now.getTime()).toLowerCase()}`;
  if (r.idempotencyKey !== undefined) {
    const keyHash = createHash('sha256').update(`${r.trigger.by}\u0000${r.idempotencyKey}`).digest('hex');
    const claimed = await claimRunKey(keyHash, runId, r.now);
    if (claimed !== runId) {
      const earlier = await getRun(claimed);
      if (earlier && earlier.period !== r.period)
        throw new ConflictError(`Idempotency-Key was used for a run of ${earlier.period}; use a new key.`);
      if (earlier) return { run: earlier, created: false };
    }
  }
  const settings = await currentSettings();
  const run: RaRun = {
    id: runId,
    period: r.period,
    status: 'running',
    trigger: r.trigger,
    startedAt: r.now.toISOString(),
    config: settings.reconcile,
    currency: settings.currency,
    version: 1,
  };
  if (!(await insertRun(run))) return { run: (await getRun(runId))!, created: false };
  try {
    const executionArn = await r.executions.start(RA_MACHINE, runId, { runId });
    return { run: await updateRun(runId, { executionArn }), created: true };
  } catch (err) {
    await updateRun(runId, {
      status: 'failed',
      endedAt: new Date().toISOString(),
      error: { kind: 'start', message: `The run could not be started: ${(err as Error).message}` },
    });
    throw err;
  }
}

/** Yesterday in UTC (the schedule's period). */
export function yesterdayOf(now: Date): string {
  return new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
}

// ---- split ------------------------------------------------------------------------------------

/** A file the run refused whole (tampered, wrongly keyed, not an envelope): the run fails, nothing is loaded. */
export class RaFileRejected extends Error {
  override readonly name = 'RaFileRejected';
}

/** A side has no loaded file for the period: reconciling would call every record of the other side missing. */
export class RaNoFiles extends Error {
  override readonly name = 'RaNoFiles';
}

/** Plan's answer: where the split items are, how many partitions, where the pieces' results go. */
export interface PlanOutput {
  bucket: string;
  /** JSON array of SplitItem: the Pieces Distributed Map's ItemReader. */
  itemsKey: string;
  /** The Pieces map's ResultWriter prefix. */
  resultsPrefix: string;
  partitions: number;
  items: number;
}

/** One item of the Pieces map: one batch Load wrote, its place in the run's list. */
export interface SplitItem {
  item: number;
  side: Side;
  key: string;
}

export interface PieceInput {
  runId: string;
  bucket: string;
  partitions: number;
  item: SplitItem;
}

/** What a Pieces item returns (to the ResultWriter's files, read by Collect). */
export interface PieceOutput {
  item: number;
  side: Side;
  records: number;
  badLines: number;
  pieces: number;
  volumes: VolumePoint[];
  /** The batch did not open (tampered, other key, not an envelope): Collect fails the run with this. */
  rejected?: string;
}

export interface SplitOutput {
  bucket: string;
  manifestKey: string;
  resultsPrefix: string;
  partitions: number;
}

/** One item of the Partitions map: the prefixes under which each side's pieces of the partition lie. */
export interface ManifestItem {
  partition: number;
  billing: string;
  network: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** The run's intermediate objects (all under runs/<runId>/, deleted when the run ends). */
export const runKeys = {
  items: (runId: string) => `runs/${runId}/split-items.json`,
  pieceResults: (runId: string) => `runs/${runId}/split-results`,
  /** A side's pieces of one partition: one object per split item that had records of it. */
  pieces: (runId: string, partition: number, side: Side) => `runs/${runId}/pieces/${pad(partition, 4)}/${side}/`,
  /** Keyed by the item, so a retried item overwrites its own pieces (never doubles them). */
  piece: (runId: string, partition: number, side: Side, item: number) =>
    `${runKeys.pieces(runId, partition, side)}${pad(item, 6)}.jsonl`,
  manifest: (runId: string) => `runs/${runId}/partitions.json`,
  partitionResults: (runId: string) => `runs/${runId}/results`,
};

/** Canonical JSON Lines: the default field names, read back with the default mapping. */
function recordLine(r: UsageRecord): string {
  return JSON.stringify({
    record_id: r.recordId,
    subscriber: r.subscriber,
    service: r.service,
    direction: r.direction,
    start_time: r.startTime,
    quantity: r.quantity,
    ...(r.unit !== undefined ? { unit: r.unit } : {}),
    charge: r.charge,
    ...(r.part !== undefined ? { part: r.part } : {}),
  });
}

/** The batches Load wrote for the files of one side and period it finished loading (their manifests). */
async function loadedFiles(bucket: string, side: Side, period: string) {
  const out = { files: [] as string[], batches: [] as string[], errored: 0, errorLogs: [] as string[] };
  for (const o of await listObjects(bucket, raKeys.periodManifests(side, period))) {
    const m = JSON.parse((await getObjectBytes(bucket, o.key)).toString('utf8')) as LoadManifest;
    if (m.status !== 'loaded') continue;
    out.files.push(raKeys.inbox(m.file));
    out.batches.push(...m.batches);
    out.errored += m.errored;
    if (m.errored > 0 && m.errorsKey) out.errorLogs.push(m.errorsKey);
  }
  return out;
}

/** Runs `tasks` at most `width` at once. */
async function inParallel(tasks: Array<() => Promise<unknown>>, width = 8): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/**
 * Split, step 1 (op plan): the batches Load finished for the period on both sides, listed as the
 * Pieces map's items, and the partition count from their stored sizes. Reads no batch.
 */
export async function planSplit(runId: string): Promise<PlanOutput> {
  const run = await requireRun(runId);
  const config: ReconcileConfig = run.config ?? DEFAULT_RECONCILE_CONFIG;
  const bucket = bucketName(RA_BUCKET);
  const loaded = {
    billing: await loadedFiles(bucket, 'billing', run.period),
    network: await loadedFiles(bucket, 'network', run.period),
  };
  const empty = SIDES.filter((side) => loaded[side].files.length === 0);
  if (empty.length > 0)
    throw new RaNoFiles(`No ${empty.join(' and no ')} file of ${run.period} was loaded: nothing to reconcile against.`);
  const items: SplitItem[] = [];
  let totalBytes = 0;
  for (const side of SIDES) {
    const sizes = new Map(
      (await listObjects(bucket, raKeys.periodBatches(side, run.period))).map((o) => [o.key, o.size]),
    );
    for (const key of loaded[side].batches) {
      items.push({ item: items.length, side, key });
      totalBytes += sizes.get(key) ?? 0;
    }
  }
  const partitions = Math.min(
    MAX_PARTITIONS,
    Math.max(config.partitions, Math.ceil(totalBytes / PARTITION_INPUT_BYTES)),
  );
  const itemsKey = runKeys.items(runId);
  await putObject(bucket, itemsKey, JSON.stringify(items), 'application/json');
  await updateRun(
    runId,
    {
      files: { billing: loaded.billing.files, network: loaded.network.files },
      badLines: {
        billing: { count: loaded.billing.errored, logs: loaded.billing.errorLogs },
        network: { count: loaded.network.errored, logs: loaded.network.errorLogs },
      },
      partitions,
    },
    'running',
  );
  return { bucket, itemsKey, resultsPrefix: runKeys.pieceResults(runId), partitions, items: items.length };
}

/**
 * Split, step 2 (op piece, one Pieces map item): one batch opened (envelope, RA key), its records
 * cut by the hash of their partition key into one piece per partition under the run, and its
 * volumes counted. Holds one batch (Load's BATCH_RECORDS records at most), never the period.
 */
export async function splitPiece(input: PieceInput): Promise<PieceOutput> {
  const run = await requireRun(input.runId);
  if (run.status !== 'running') throw new ConflictError(`Run ${run.id} is ${run.status}; its split is done.`);
  const config: ReconcileConfig = run.config ?? DEFAULT_RECONCILE_CONFIG;
  const { item, side, key } = input.item;
  const out: PieceOutput = { item, side, records: 0, badLines: 0, pieces: 0, volumes: [] };
  let content: Buffer;
  try {
    content = await openEnvelope(await getObjectBytes(input.bucket, key), { expectedKeyId: keyIdOf(RA_KEY) });
  } catch (err) {
    if (err instanceof EnvelopeError) return { ...out, rejected: `${key} was refused (${err.reason}): ${err.message}` };
    throw err;
  }
  const lines: string[][] = Array.from({ length: input.partitions }, () => []);
  const volumes = new Map<string, number>();
  const errors = new UsageErrorLog();
  // Batches are Load's generic format (gzip): the default mapping reads them.
  for await (const records of readUsageBatches(Readable.from([content]), { errors })) {
    volumesOf(records, side, 'day', config.mediation.timeZone, volumes);
    for (const rec of records) lines[partitionOf(partitionKeyOf(rec, config), input.partitions)]!.push(recordLine(rec));
    out.records += records.length;
  }
  const writes: Array<() => Promise<void>> = [];
  lines.forEach((partition, p) => {
    if (partition.length === 0) return;
    const body = partition.join('\n');
    writes.push(() => putObject(input.bucket, runKeys.piece(input.runId, p, side, item), body, 'application/x-ndjson'));
  });
  await inParallel(writes);
  return { ...out, badLines: errors.count, pieces: writes.length, volumes: volumePoints(volumes) };
}

interface ResultManifest {
  ResultFiles: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', Array<{ Key: string }>>>;
}

interface MapResult {
  ResultWriterDetails: { Bucket: string; Key: string };
}

/** The outputs of a Distributed Map's succeeded children, from its ResultWriter files. */
async function mapOutputs<T>(details: MapResult['ResultWriterDetails'], what: string): Promise<T[]> {
  const manifest = JSON.parse((await getObjectBytes(details.Bucket, details.Key)).toString('utf8')) as ResultManifest;
  if ((manifest.ResultFiles.FAILED ?? []).length > 0)
    throw new Error(`The Distributed Map reported failed ${what}; the run cannot go on.`);
  const out: T[] = [];
  for (const f of manifest.ResultFiles.SUCCEEDED ?? []) {
    const entries = JSON.parse((await getObjectBytes(details.Bucket, f.Key)).toString('utf8')) as Array<{
      Output: string;
    }>;
    for (const e of entries) out.push(JSON.parse(e.Output) as T);
  }
  return out;
}

export interface CollectInput {
  runId: string;
  plan: PlanOutput;
  pieces: MapResult;
}

/**
 * Split, step 3 (op collect): the pieces' results merged (a refused batch fails the run whole,
 * before any partition is reconciled), the run's volumes and bad lines stored, and the partition
 * manifest written for the Partitions map.
 */
export async function collectSplit(input: CollectInput): Promise<SplitOutput> {
  const run = await requireRun(input.runId);
  const { bucket, partitions } = input.plan;
  const outputs = (await mapOutputs<PieceOutput>(input.pieces.ResultWriterDetails, 'split items')).sort(
    (a, b) => a.item - b.item,
  );
  const rejected = outputs.find((o) => o.rejected !== undefined);
  if (rejected) throw new RaFileRejected(rejected.rejected);
  if (outputs.length !== input.plan.items)
    throw new Error(`The split answered ${outputs.length} of ${input.plan.items} items; the run cannot go on.`);
  const volumes = new Map<string, number>();
  const badLines: NonNullable<RaRun['badLines']> = run.badLines ?? {
    billing: { count: 0, logs: [] },
    network: { count: 0, logs: [] },
  };
  for (const o of outputs) {
    for (const v of o.volumes) {
      const k = `${v.series}\u0000${v.period}`;
      volumes.set(k, (volumes.get(k) ?? 0) + v.volume);
    }
    badLines[o.side].count += o.badLines;
  }
  const manifest: ManifestItem[] = Array.from({ length: partitions }, (_, p) => ({
    partition: p,
    billing: runKeys.pieces(run.id, p, 'billing'),
    network: runKeys.pieces(run.id, p, 'network'),
  }));
  const manifestKey = runKeys.manifest(run.id);
  await putObject(bucket, manifestKey, JSON.stringify(manifest), 'application/json');
  await updateRun(run.id, { badLines, volumes: volumePoints(volumes), partitions }, 'running');
  return { bucket, manifestKey, resultsPrefix: runKeys.partitionResults(run.id), partitions };
}

// ---- one partition ----------------------------------------------------------------------------

export interface PartitionInput {
  runId: string;
  bucket: string;
  item: ManifestItem;
}

/** What a Map item returns: the partition's result without its findings (they are stored). */
export type PartitionOutput = Omit<PartitionResult, 'findings'> & { partition: number; findings: number };

export async function reconcileRunPartition(input: PartitionInput, now = new Date()): Promise<PartitionOutput> {
  const run = await requireRun(input.runId);
  if (run.status !== 'running') throw new ConflictError(`Run ${run.id} is ${run.status}; its partitions are done.`);
  const config = run.config ?? DEFAULT_RECONCILE_CONFIG;
  // A side's pieces (read 8 at a time) in item order, the batches' order: the records in the order
  // the files had them.
  const read = async (prefix: string) => {
    const pieces = await listObjects(input.bucket, prefix);
    const parsed: UsageRecord[][] = new Array<UsageRecord[]>(pieces.length);
    await inParallel(
      pieces.map((o, i) => async () => {
        parsed[i] = await readUsageRecords(Readable.from([await getObjectBytes(input.bucket, o.key)]));
      }),
    );
    return parsed.flat();
  };
  const [billing, network] = await Promise.all([read(input.item.billing), read(input.item.network)]);
  const result = reconcilePartition(billing, network, config);
  await putFindings(run.id, input.item.partition, result.findings, now.toISOString());
  const { findings, ...rest } = result;
  return { ...rest, partition: input.item.partition, findings: findings.length };
}

// ---- summarize --------------------------------------------------------------------------------

export interface SummarizeInput {
  runId: string;
  split: SplitOutput;
  map: MapResult;
}

async function partitionResults(details: MapResult['ResultWriterDetails']): Promise<PartitionResult[]> {
  const outputs = await mapOutputs<PartitionOutput>(details, 'partitions');
  return outputs.map((o) => ({ ...o, findings: [] }));
}

/** Previous same weekdays of a period (the anomaly baseline), newest first. */
function baselinePeriods(period: string, weeks: number): string[] {
  const t = Date.parse(`${period}T00:00:00Z`);
  return Array.from({ length: weeks }, (_, i) => new Date(t - (i + 1) * 7 * 86_400_000).toISOString().slice(0, 10));
}

export async function summarizeRun(
  input: SummarizeInput,
  now = new Date(),
): Promise<{ runId: string; status: string }> {
  let run = await requireRun(input.runId);
  const settings = await currentSettings();
  if (run.status === 'running') {
    const results = await partitionResults(input.map.ResultWriterDetails);
    const summary = mergeResults(results);
    const own: VolumePoint[] = (run.volumes ?? []).filter((v) => v.period === run.period);
    const baseline = await volumesOfPeriods(baselinePeriods(run.period, 6));
    const verdicts = detectAnomalies([...baseline.filter((v) => v.period !== run.period), ...own]).filter(
      (v) => v.period === run.period,
    );
    const controls = [...evaluateControls(summary, verdicts, settings.controls, run.period), filesControl(run.period)];
    run = await updateRun(
      run.id,
      { status: 'succeeded', endedAt: now.toISOString(), summary, controls, anomalies: verdicts },
      'running',
    );
  }
  if (run.status !== 'succeeded') return { runId: run.id, status: run.status };
  const { replaced } = await makeCurrent(run, {
    completedAt: run.endedAt!,
    currency: run.currency ?? DEFAULT_CURRENCY,
    summary: run.summary!,
    volumes: (run.volumes ?? []).filter((v) => v.period === run.period),
    controls: run.controls ?? [],
  });
  if (replaced !== undefined) {
    const deleted = await deleteFindings(replaced);
    await updateRun(replaced, { status: 'superseded', supersededBy: replaced === run.id ? undefined : run.id });
    logger.info('RA run replaced', { period: run.period, runId: run.id, replaced, findingsDeleted: deleted });
  }
  await removeIntermediates(input.split.bucket, run.id);
  // Only the period's current run speaks for the controls (an older overlapping re-run does not);
  // Extract sends partners the period's current run's findings from the store.
  if (replaced !== run.id) await syncControls(run, settings.controls, now);
  return { runId: run.id, status: replaced === run.id ? 'superseded' : 'succeeded' };
}

async function removeIntermediates(bucket: string, runId: string): Promise<void> {
  // A big period leaves items × partitions pieces: deleted 1,000 per request.
  const objects = await listObjects(bucket, `runs/${runId}/`);
  await deleteObjects(
    bucket,
    objects.map((o) => o.key),
  );
}

// ---- fail -------------------------------------------------------------------------------------

export interface FailInput {
  runId: string;
  error: { Error?: string; Cause?: string };
}

/** The message of a Task failure: Lambda's Cause is JSON ({ errorMessage, errorType }) in AWS. */
function causeOf(e: FailInput['error']): string {
  const cause = e.Cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text
  }
  return cause || e.Error || 'unknown error';
}

export async function failRun(input: FailInput, now = new Date()): Promise<{ runId: string; status: string }> {
  const run = await getRun(input.runId);
  if (!run) return { runId: input.runId, status: 'missing' };
  // A run that completed keeps what it stored (a late or duplicated Abort must not undo it).
  if (run.status === 'succeeded' || run.status === 'superseded') return { runId: run.id, status: run.status };
  const kind = input.error.Error ?? 'States.TaskFailed';
  const message = causeOf(input.error);
  // Nothing half loaded: whatever partitions stored for this run goes.
  await deleteFindings(run.id);
  const bucket = bucketName(RA_BUCKET);
  await removeIntermediates(bucket, run.id);
  let failed = run;
  if (run.status === 'running')
    failed = await updateRun(
      run.id,
      { status: 'failed', endedAt: now.toISOString(), error: { kind, message } },
      'running',
    );
  if (kind === 'RaFileRejected') {
    const settings = await currentSettings();
    const file = /^(\S+) was refused/.exec(message)?.[1] ?? '';
    await syncControls(failed, settings.controls, now, [filesControl(run.period, { file, reason: message })]);
  }
  return { runId: run.id, status: failed.status };
}

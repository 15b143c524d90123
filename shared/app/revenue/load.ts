// The Load daemon ("From Generic Format", issue 12 §1): every few minutes it collects each file
// delivered under inbox/<side>/<period>/, opens its envelope with the RA key, reads it with the
// side's schema mapping (config/mappings/<side>.json in the RA bucket; the default mapping when
// there is none), writes the valid records as sealed generic-format batches, the bad lines to a
// per-file error log, a manifest last, and moves the delivered bytes to processed/ (or rejected/).
//
// - A file that does not open (tampered, wrongly keyed, not an envelope) or cannot be read at all
//   (header without the required columns, broken gzip) is rejected whole: nothing of it is written
//   under batches/, it moves to rejected/, and an alert enters the pipeline as `nocturne-ra`.
// - Idempotent: batch keys derive from the file's name, so a retried load overwrites the same
//   batches (and deletes any left over from an earlier, longer delivery of the same name); the
//   manifest holds the delivered bytes' sha256, so the same delivery seen again is only moved.
// - Each run is reported to the job registry (processed = lines read, errored = bad lines).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { EnvelopeError, openEnvelope, sealEnvelope } from '../../adapters/envelope';
import { deleteObject, getObjectBytes, listObjects, ObjectNotFoundError, putObject } from '../../adapters/s3';
import {
  readUsageBatches,
  UsageErrorLog,
  usageMappingSchema,
  DEFAULT_USAGE_MAPPING,
  type UsageMapping,
} from '../../adapters/usage-files';
import type { CanonicalAlert } from '../../domain/alert';
import { fileAlertKey, fileLoadedResolve, fileRejectedAlert } from '../../domain/revenue/alerts';
import {
  genericLine,
  INBOX_PREFIX,
  parseInboxKey,
  raKeys,
  type InboxFile,
  type LoadManifest,
} from '../../domain/revenue/files';
import type { Side } from '../../domain/revenue/types';
import { liveRaAlert, sendRaAlerts } from './alerts';
import { daemonJob, reportDaemonRun } from './daemon-jobs';

export const LOAD_JOB = daemonJob({
  id: 'ra-load',
  name: 'RA Load (from generic format)',
  type: 'Load',
  activity:
    'Collects usage files delivered to the RA bucket inbox/<side>/<period>/, decrypts and validates them, and writes batches for the reconciliation runs. Bad lines are in errors/; refused files in rejected/.',
  everyMinutes: 5,
});

/** Records per batch file. */
export const BATCH_RECORDS = 50_000;
/** Files taken per run; the rest wait for the next one. */
export const MAX_FILES_PER_RUN = 100;

export interface LoadContext {
  bucket: string;
  /** The RA master key id (KMS_KEY_RA): delivered files must be sealed for it; batches are. */
  keyId: string;
  now: Date;
}

export type FileOutcome =
  | { key: string; outcome: 'loaded'; lines: number; records: number; errored: number; batches: number }
  | { key: string; outcome: 'rejected'; reason: string }
  | { key: string; outcome: 'duplicate' }
  | { key: string; outcome: 'misplaced'; reason: string };

export interface LoadRunResult {
  files: FileOutcome[];
  processed: number;
  errored: number;
  /** The job's standing after the run's ping. */
  job?: { status: string; errorLevel: string };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function getOptional(bucket: string, key: string): Promise<Buffer | undefined> {
  try {
    return await getObjectBytes(bucket, key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

/** The side's schema mapping; a broken configuration stops the run (the files wait in the inbox). */
export async function mappingFor(bucket: string, side: Side): Promise<UsageMapping> {
  const key = `config/mappings/${side}.json`;
  const bytes = await getOptional(bucket, key);
  if (!bytes) return DEFAULT_USAGE_MAPPING;
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Error(`s3 ${key} is not valid JSON: fix the ${side} mapping; the ${side} files wait in the inbox`);
  }
  const r = usageMappingSchema.safeParse(raw);
  if (!r.success)
    throw new Error(
      `s3 ${key}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}; the ${side} files wait in the inbox`,
    );
  return r.data;
}

async function readManifest(bucket: string, f: InboxFile): Promise<LoadManifest | undefined> {
  const bytes = await getOptional(bucket, raKeys.manifest(f));
  return bytes && (JSON.parse(bytes.toString('utf8')) as LoadManifest);
}

/** Deletes objects under the prefix that are not in keep. */
async function prune(bucket: string, prefix: string, keep: Set<string>): Promise<void> {
  for (const o of await listObjects(bucket, prefix)) if (!keep.has(o.key)) await deleteObject(bucket, o.key);
}

class UnreadableFileError extends Error {}

/** Reads the plaintext into sealed batches under the file's prefix. Throws UnreadableFileError for a file with no usable header or broken gzip. */
async function writeBatches(
  ctx: LoadContext,
  f: InboxFile,
  plaintext: Buffer,
  mapping: UsageMapping,
  errors: UsageErrorLog,
): Promise<{ records: number; batches: string[] }> {
  const batches: string[] = [];
  let records = 0;
  try {
    for await (const batch of readUsageBatches(Readable.from([plaintext]), {
      mapping,
      errors,
      batchSize: BATCH_RECORDS,
    })) {
      const body = gzipSync(`${batch.map(genericLine).join('\n')}\n`);
      const key = raKeys.batch(f, batches.length + 1);
      await putObject(ctx.bucket, key, await sealEnvelope(body, ctx.keyId), 'application/octet-stream');
      batches.push(key);
      records += batch.length;
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('Z_'))
      throw new UnreadableFileError(`the file is not readable gzip (${(err as Error).message})`);
    throw err;
  }
  const first = errors.errors[0];
  if (records === 0 && first && errors.count === 1 && first.reason.startsWith('the header'))
    throw new UnreadableFileError(`line ${first.line}: ${first.reason}`);
  return { records, batches };
}

async function reject(
  ctx: LoadContext,
  f: InboxFile,
  delivered: Buffer,
  digest: string,
  reason: string,
  alerts: CanonicalAlert[],
): Promise<FileOutcome> {
  const at = ctx.now.toISOString();
  // Nothing of a refused file stays under batches/ (an earlier delivery of the same name included).
  await prune(ctx.bucket, raKeys.batchPrefix(f), new Set());
  await putObject(ctx.bucket, raKeys.errors(f), `${JSON.stringify({ line: 0, reason })}\n`, 'application/x-ndjson');
  const manifest: LoadManifest = {
    file: f,
    sha256: digest,
    status: 'rejected',
    lines: 0,
    records: 0,
    errored: 0,
    batches: [],
    errorsKey: raKeys.errors(f),
    reason,
    loadedAt: at,
  };
  await putObject(ctx.bucket, raKeys.manifest(f), JSON.stringify(manifest), 'application/json');
  await putObject(ctx.bucket, raKeys.rejected(f), delivered);
  await deleteObject(ctx.bucket, raKeys.inbox(f));
  alerts.push(fileRejectedAlert(f, reason, at));
  return { key: raKeys.inbox(f), outcome: 'rejected', reason };
}

/** Loads one delivered file (see the module comment). */
export async function loadFile(
  ctx: LoadContext,
  f: InboxFile,
  mappings: Map<Side, UsageMapping>,
  alerts: CanonicalAlert[],
): Promise<FileOutcome> {
  const key = raKeys.inbox(f);
  const delivered = await getObjectBytes(ctx.bucket, key);
  const digest = sha256(delivered);
  const previous = await readManifest(ctx.bucket, f);
  if (previous && previous.sha256 === digest) {
    // The same delivery again (a retry after the manifest was written, or a partner re-sending it).
    await putObject(ctx.bucket, previous.status === 'loaded' ? raKeys.processed(f) : raKeys.rejected(f), delivered);
    await deleteObject(ctx.bucket, key);
    return { key, outcome: 'duplicate' };
  }

  let plaintext: Buffer;
  try {
    plaintext = await openEnvelope(delivered, { expectedKeyId: ctx.keyId });
  } catch (err) {
    if (err instanceof EnvelopeError) return reject(ctx, f, delivered, digest, err.message, alerts);
    throw err;
  }

  let mapping = mappings.get(f.side);
  if (!mapping) {
    mapping = await mappingFor(ctx.bucket, f.side);
    mappings.set(f.side, mapping);
  }
  const errors = new UsageErrorLog(100_000);
  let written: { records: number; batches: string[] };
  try {
    written = await writeBatches(ctx, f, plaintext, mapping, errors);
  } catch (err) {
    if (err instanceof UnreadableFileError) return reject(ctx, f, delivered, digest, err.message, alerts);
    throw err;
  }
  await prune(ctx.bucket, raKeys.batchPrefix(f), new Set(written.batches));
  if (errors.count > 0) {
    const lines = errors.errors.map((e) => JSON.stringify(e));
    if (errors.count > errors.errors.length)
      lines.push(
        JSON.stringify({ line: null, reason: `${errors.count - errors.errors.length} more bad lines not listed` }),
      );
    await putObject(ctx.bucket, raKeys.errors(f), `${lines.join('\n')}\n`, 'application/x-ndjson');
  } else {
    await deleteObject(ctx.bucket, raKeys.errors(f));
  }
  const manifest: LoadManifest = {
    file: f,
    sha256: digest,
    status: 'loaded',
    lines: written.records + errors.count,
    records: written.records,
    errored: errors.count,
    batches: written.batches,
    errorsKey: errors.count > 0 ? raKeys.errors(f) : undefined,
    loadedAt: ctx.now.toISOString(),
  };
  await putObject(ctx.bucket, raKeys.manifest(f), JSON.stringify(manifest), 'application/json');
  await putObject(ctx.bucket, raKeys.processed(f), delivered);
  await deleteObject(ctx.bucket, raKeys.rejected(f));
  await deleteObject(ctx.bucket, key);
  // A file of this name refused earlier is now loaded: its alert resolves.
  const live = await liveRaAlert(fileAlertKey(f));
  if (live && !live.resolvedAt) alerts.push(fileLoadedResolve(f, ctx.now.toISOString(), live.startsAt));
  return {
    key,
    outcome: 'loaded',
    lines: manifest.lines,
    records: written.records,
    errored: errors.count,
    batches: written.batches.length,
  };
}

/** One run of the daemon: every file in the inbox (up to MAX_FILES_PER_RUN), then the job ping. */
export async function loadInbox(ctx: LoadContext): Promise<LoadRunResult> {
  const files: FileOutcome[] = [];
  const alerts: CanonicalAlert[] = [];
  const mappings = new Map<Side, UsageMapping>();
  try {
    const listed = (await listObjects(ctx.bucket, INBOX_PREFIX)).filter((o) => !o.key.endsWith('/'));
    for (const o of listed.slice(0, MAX_FILES_PER_RUN)) {
      const f = parseInboxKey(o.key);
      if (typeof f === 'string') {
        files.push({ key: o.key, outcome: 'misplaced', reason: f });
        continue;
      }
      files.push(await loadFile(ctx, f, mappings, alerts));
    }
  } catch (err) {
    await sendRaAlerts(alerts, ctx.now);
    await reportDaemonRun(
      LOAD_JOB,
      { kind: 'fail', processed: 0, errored: 0, log: `${(err as Error).message}\n${summaryLog(files)}` },
      ctx.now,
    );
    throw err;
  }
  await sendRaAlerts(alerts, ctx.now);
  let processed = 0;
  let errored = 0;
  for (const f of files)
    if (f.outcome === 'loaded') {
      processed += f.lines;
      errored += f.errored;
    }
  const job = await reportDaemonRun(
    LOAD_JOB,
    { kind: 'success', processed, errored, log: summaryLog(files) || undefined },
    ctx.now,
  );
  return { files, processed, errored, job };
}

function summaryLog(files: FileOutcome[]): string {
  return files
    .map((f) => {
      switch (f.outcome) {
        case 'loaded':
          return `loaded ${f.key}: ${f.records} records, ${f.errored} bad lines`;
        case 'rejected':
          return `REJECTED ${f.key}: ${f.reason}`;
        case 'misplaced':
          return `left ${f.reason}`;
        default:
          return `already loaded ${f.key}`;
      }
    })
    .join('\n');
}

// A reconciliation run over two local usage files (the `npm run ra` CLI and the bench): split both
// files into partitions on raw bytes (usage-files.ts), then reconcile partition by partition with
// the same domain code a stored run's Distributed Map items use (reconcilePartition, mergeResults).
// Memory stays bounded: a line is kept as its bytes (not as a record) until its partition's turn,
// and past `memoryBudgetBytes` the spooled lines go to temporary files. With `workers` (by default
// one per core, up to 2, for inputs of 16 MiB or more), the two files are split at the same time and
// partitions reconciled in parallel on worker threads (usage-file-worker, run as bundled plain
// JavaScript); the spooled bytes move between threads without being copied.
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { mergeResults } from '../domain/revenue/summary';
import { reconcilePartition } from '../domain/revenue/match';
import {
  MAX_PARTITIONS,
  type PartitionResult,
  type ReconcileConfig,
  type RunSummary,
  type Side,
  type UsageRecord,
} from '../domain/revenue/types';
import {
  DEFAULT_USAGE_MAPPING,
  UsageErrorLog,
  UsageLineParser,
  splitUsageLines,
  type UsageLayout,
  type UsageLineError,
  type UsageMapping,
} from './usage-files';

const BLOCK = 256 * 1024;
/**
 * Input bytes per partition at most: a run over big files uses more partitions than the config's
 * minimum, so that one partition's records (parsed only when its turn comes) stay a few MiB. The
 * classes do not depend on the partition count; only memory and parallelism do.
 */
export const PARTITION_INPUT_BYTES = 2 * 1024 * 1024;

export interface SpoolData {
  blocks: Uint8Array[];
  spillFile?: string;
}
const HEADER = 8; // u32 line number, u32 byte length

/** Lines of one side of one partition: length-prefixed byte records in 1 MiB blocks. */
export class LineSpool {
  blocks: Buffer[] = [];
  private current: Buffer | undefined;
  private used = 0;
  spillFile: string | undefined;
  bytes = 0;

  /** Appends a line; returns the bytes newly allocated (for the memory budget). */
  add(buf: Buffer, start: number, end: number, lineNo: number): number {
    const len = end - start;
    let grown = 0;
    if (this.current === undefined || this.used + HEADER + len > this.current.length) {
      if (this.current !== undefined) this.blocks.push(this.current.subarray(0, this.used));
      const size = Math.max(BLOCK, HEADER + len);
      this.current = Buffer.allocUnsafe(size);
      this.used = 0;
      grown = size;
    }
    const c = this.current;
    const u = this.used;
    c[u] = lineNo;
    c[u + 1] = lineNo >>> 8;
    c[u + 2] = lineNo >>> 16;
    c[u + 3] = lineNo >>> 24;
    c[u + 4] = len;
    c[u + 5] = len >>> 8;
    c[u + 6] = len >>> 16;
    c[u + 7] = len >>> 24;
    buf.copy(c, u + HEADER, start, end);
    this.used = u + HEADER + len;
    this.bytes += HEADER + len;
    return grown;
  }

  /** Writes what is in memory to the spill file; returns the bytes freed. */
  spill(dir: string, name: string): number {
    const all = this.takeBlocks();
    if (all.length === 0) return 0;
    this.spillFile ??= path.join(dir, name);
    const fd = openSync(this.spillFile, 'a');
    let freed = 0;
    try {
      for (const b of all) {
        writeSync(fd, b);
        freed += b.buffer.byteLength;
      }
    } finally {
      closeSync(fd);
    }
    return freed;
  }

  private takeBlocks(): Buffer[] {
    const all = this.blocks;
    if (this.current !== undefined && this.used > 0) all.push(this.current.subarray(0, this.used));
    this.blocks = [];
    this.current = undefined;
    this.used = 0;
    return all;
  }

  /** What crosses to another thread: the blocks (transferable) and the spill file. */
  export(): SpoolData {
    return { blocks: this.takeBlocks(), spillFile: this.spillFile };
  }

  static from(data: SpoolData): LineSpool {
    const s = new LineSpool();
    s.blocks = data.blocks.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    s.spillFile = data.spillFile;
    return s;
  }

  /** Every line (spilled ones first, in file order), then forgets them. */
  drain(onLine: (buf: Buffer, start: number, end: number, lineNo: number) => void): void {
    const all = this.takeBlocks();
    if (this.spillFile !== undefined) all.unshift(readFileSync(this.spillFile));
    for (const b of all) {
      for (let p = 0; p < b.length;) {
        const lineNo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
        const len = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
        onLine(b, p + HEADER, p + HEADER + len, lineNo);
        p += HEADER + len;
      }
    }
    if (this.spillFile !== undefined) rmSync(this.spillFile, { force: true });
    this.spillFile = undefined;
    this.bytes = 0;
  }
}

export interface RunProgress {
  phase: 'split' | 'reconcile';
  recordsRead: number;
  partitionsDone: number;
  partitions: number;
  /** 0…1 of the whole run (splitting counts as the first half). */
  fraction: number;
  elapsedMs: number;
}

export interface UsageFileInput {
  /** A local path (a stream cannot go to a worker thread: with a stream, the run stays in this thread). */
  path?: string;
  stream?: Readable;
  mapping?: UsageMapping;
}

export interface FileRunOptions {
  billing: UsageFileInput;
  network: UsageFileInput;
  config: ReconcileConfig;
  /** Spooled line bytes kept in memory before spilling to temporary files (default 192 MiB). */
  memoryBudgetBytes?: number;
  /**
   * Worker threads: 0 = all in this thread; 'auto' (the default) = one per core up to 2 when the
   * input is at least AUTO_WORKERS_MIN_BYTES, else 0. Workers run usage-file-worker as plain
   * JavaScript (see workerScript).
   */
  workers?: number | 'auto';
  /** Each partition's result, in partition order (its findings are dropped from memory afterwards). */
  onPartition?(result: PartitionResult, partition: number): void;
  onProgress?(p: RunProgress): void;
  /** Milliseconds between progress calls (default 200). */
  progressEveryMs?: number;
  now?: () => number;
}

export interface FileRunResult {
  summary: RunSummary;
  /** Bad lines per side: the first 10,000 with line number and reason, and the count. */
  errors: Record<Side, UsageErrorLog>;
  timings: { splitMs: number; reconcileMs: number; totalMs: number };
}

// ---------------------------------------------------------------------------------------------
// The two steps, as plain functions a worker thread runs too

export interface SplitJob {
  side: Side;
  path?: string;
  mapping: UsageMapping;
  partitions: number;
  keyField: 'recordId' | 'subscriber';
  /** In-memory bytes for this side before its spools go to files under tmpDir. */
  budget: number;
  tmpDir: string;
}

export interface SplitOutcome {
  layout?: UsageLayout;
  lines: number;
  errorCount: number;
  errors: UsageLineError[];
  spools: SpoolData[];
}

/** Step 1 for one side: its lines into per-partition spools. */
export async function splitSide(
  job: SplitJob,
  stream: Readable | undefined,
  onLines: (lines: number, bytesRead: number) => void,
): Promise<SplitOutcome> {
  let read = 0;
  const input = stream ?? plainFileChunks(job.path!, (n) => (read += n)) ?? createReadStream(job.path!, READ_OPTIONS);
  const bytesRead = () => (input as Readable & { bytesRead?: number }).bytesRead ?? read;
  const spools = Array.from({ length: job.partitions }, () => new LineSpool());
  const errors = new UsageErrorLog();
  let inMemory = 0;
  let lines = 0;
  const { layout } = await splitUsageLines(input, {
    mapping: job.mapping,
    errors,
    partitions: job.partitions,
    keyField: job.keyField,
    onLine: (p, buf, start, end, lineNo) => {
      inMemory += spools[p]!.add(buf, start, end, lineNo);
      if ((++lines & 0x3fff) === 0) {
        if (inMemory > job.budget) {
          for (const [q, sp] of spools.entries()) sp.spill(job.tmpDir, `${job.side}-${q}`);
          inMemory = 0;
        }
        onLines(lines, bytesRead());
      }
    },
  });
  onLines(lines, bytesRead());
  return { layout, lines, errorCount: errors.count, errors: errors.errors, spools: spools.map((s) => s.export()) };
}

const READ_CHUNK = 1 << 20;
const READ_OPTIONS = { highWaterMark: READ_CHUNK };

/**
 * A file that is not gzip as chunks read into one reused buffer (each chunk is valid until the
 * next is asked for; the line splitter copies what it keeps). Fresh memory is dear (every page
 * first touched costs a fault, heavily so in a microVM): a stream would allocate a new buffer
 * per chunk. Undefined for a gzip file, whose chunks the gunzip stream holds on to.
 */
function plainFileChunks(file: string, onRead: (bytes: number) => void): AsyncIterable<Buffer> | undefined {
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  const n = readSync(fd, buf, 0, 2, 0);
  if (n === 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    closeSync(fd);
    return undefined;
  }
  return (async function* () {
    try {
      for (let pos = 0; ;) {
        const got = readSync(fd, buf, 0, READ_CHUNK, pos);
        if (got === 0) return;
        pos += got;
        onRead(got);
        yield buf.subarray(0, got);
      }
    } finally {
      closeSync(fd);
    }
  })();
}

export interface ReconcileJob {
  partition: number;
  billing: SpoolData;
  network: SpoolData;
  layouts: Partial<Record<Side, UsageLayout>>;
  mappings: Record<Side, UsageMapping>;
  config: ReconcileConfig;
}

export interface ReconcileOutcome {
  partition: number;
  result: PartitionResult;
  errors: Record<Side, UsageLineError[]>;
}

/** Step 2 for one partition: parse its lines from both sides, reconcile them. */
export function reconcileSpooled(job: ReconcileJob): ReconcileOutcome {
  const errors: Record<Side, UsageLineError[]> = { billing: [], network: [] };
  const parse = (side: Side): UsageRecord[] => {
    const out: UsageRecord[] = [];
    const layout = job.layouts[side];
    const spool = LineSpool.from(job[side]);
    if (layout === undefined) return out;
    const parser = new UsageLineParser(job.mappings[side], layout);
    spool.drain((buf, start, end, lineNo) => {
      const r = parser.parse(buf.toString('utf8', start, end), lineNo);
      if (typeof r === 'string') errors[side].push({ line: lineNo, reason: r });
      else out.push(r);
    });
    return out;
  };
  const result = reconcilePartition(parse('billing'), parse('network'), job.config);
  return { partition: job.partition, result, errors };
}

const transferables = (spools: SpoolData[]): ArrayBuffer[] => [
  ...new Set(spools.flatMap((s) => s.blocks.map((b) => b.buffer as ArrayBuffer))),
];

// ---------------------------------------------------------------------------------------------
// Worker threads

type WorkerReply =
  | { kind: 'progress'; lines: number; bytesRead: number }
  | { kind: 'split'; outcome: SplitOutcome }
  | { kind: 'reconciled'; outcome: ReconcileOutcome }
  | { kind: 'failed'; message: string };

/**
 * The worker threads' script as plain JavaScript, so that a worker loads one file rather than the
 * TypeScript toolchain: usage-file-worker.js beside this file in a compiled build; else
 * usage-file-worker.ts bundled by esbuild (tsx's own compiler) into `cacheDir`, and reused while
 * none of the files it was built from has changed (their sizes and mtimes are in a manifest).
 */
export async function workerScript(
  cacheDir = path.join(
    tmpdir(),
    `nocturne-ra-worker-${createHash('sha256').update(__dirname).digest('hex').slice(0, 12)}`,
  ),
): Promise<string> {
  const built = path.join(__dirname, 'usage-file-worker.js');
  if (existsSync(built)) return built;
  const manifestFile = path.join(cacheDir, 'manifest.json');
  const stamp = (f: string) => {
    const st = statSync(f, { throwIfNoEntry: false });
    return st === undefined ? '' : `${st.size}:${st.mtimeMs}`;
  };
  let stale: string | undefined;
  try {
    const m = JSON.parse(readFileSync(manifestFile, 'utf8')) as { script: string; inputs: Record<string, string> };
    if (existsSync(m.script) && Object.entries(m.inputs).every(([f, st]) => stamp(f) === st)) return m.script;
    stale = m.script;
  } catch {
    // no manifest yet, or an unreadable one: build
  }
  const { build } = await import('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const script = path.join(cacheDir, `usage-file-worker-${process.pid}-${Date.now()}.cjs`);
  const r = await build({
    entryPoints: [path.join(__dirname, 'usage-file-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    outfile: script,
    metafile: true,
    logLevel: 'error',
    absWorkingDir: path.resolve(__dirname, '../..'),
  });
  const inputs: Record<string, string> = {};
  for (const f of Object.keys(r.metafile.inputs)) {
    const abs = path.resolve(__dirname, '../..', f);
    inputs[abs] = stamp(abs);
  }
  const tmp = `${manifestFile}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify({ script, inputs }));
  renameSync(tmp, manifestFile);
  if (stale !== undefined && stale !== script) rmSync(stale, { force: true });
  return script;
}

/** Workers for a run of `totalBytes` of input: 'auto' is one per core up to 2, none for small inputs. */
export function workerCountFor(workers: number | 'auto' | undefined, totalBytes: number): number {
  if (workers === 'auto' || workers === undefined) {
    return totalBytes < AUTO_WORKERS_MIN_BYTES ? 0 : Math.min(2, availableParallelism());
  }
  return Math.max(0, Math.min(workers, 16));
}
/** Below this much input a run stays in one thread: starting workers costs more than they save. */
export const AUTO_WORKERS_MIN_BYTES = 16 * 1024 * 1024;

class RunWorker {
  private readonly worker: Worker;
  private pending:
    { resolve(r: WorkerReply): void; reject(e: Error): void; onProgress?(r: WorkerReply): void } | undefined;

  constructor(script: string) {
    // No execArgv: the parent's (tsx's loader) is not needed by a plain JavaScript script.
    this.worker = new Worker(script, { execArgv: [] });
    this.worker.on('message', (m: WorkerReply) => {
      if (m.kind === 'progress') return this.pending?.onProgress?.(m);
      const p = this.pending;
      this.pending = undefined;
      if (m.kind === 'failed') p?.reject(new Error(m.message));
      else p?.resolve(m);
    });
    this.worker.on('error', (err) => {
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    });
  }

  call(message: unknown, transfer: ArrayBuffer[], onProgress?: (r: WorkerReply) => void): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, onProgress };
      this.worker.postMessage(message, transfer);
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

// ---------------------------------------------------------------------------------------------
// The run

/** Reconciles two usage files; every partition goes through reconcilePartition. */
export async function reconcileUsageFiles(opts: FileRunOptions): Promise<FileRunResult> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const sizes = (['billing', 'network'] as const).map((s) =>
    opts[s].path !== undefined ? statSync(opts[s].path!).size : 0,
  );
  const totalSize = sizes[0]! + sizes[1]! || 1;
  const partitions = Math.min(
    MAX_PARTITIONS,
    Math.max(opts.config.partitions, Math.ceil(totalSize / PARTITION_INPUT_BYTES)),
  );
  const keyField = opts.config.fallback.enabled ? 'subscriber' : 'recordId';
  const budget = opts.memoryBudgetBytes ?? 192 * 1024 * 1024;
  const every = opts.progressEveryMs ?? 200;
  const sides: Side[] = ['billing', 'network'];
  const mappings: Record<Side, UsageMapping> = {
    billing: opts.billing.mapping ?? DEFAULT_USAGE_MAPPING,
    network: opts.network.mapping ?? DEFAULT_USAGE_MAPPING,
  };
  const canUseWorkers = opts.billing.stream === undefined && opts.network.stream === undefined;
  const workerCount = canUseWorkers ? workerCountFor(opts.workers, totalSize) : 0;
  const errors: Record<Side, UsageErrorLog> = { billing: new UsageErrorLog(), network: new UsageErrorLog() };
  const tmpDir = mkdtempSync(path.join(tmpdir(), 'nocturne-ra-'));
  const workers: RunWorker[] = [];
  const linesRead: Record<Side, number> = { billing: 0, network: 0 };
  const bytesRead: Record<Side, number> = { billing: 0, network: 0 };
  let partitionsDone = 0;
  let lastProgress = Number.NEGATIVE_INFINITY;
  const report = (phase: RunProgress['phase'], force = false) => {
    if (opts.onProgress === undefined) return;
    const t = now();
    if (!force && t - lastProgress < every) return;
    lastProgress = t;
    const fraction =
      phase === 'split'
        ? (0.5 * (bytesRead.billing + bytesRead.network)) / totalSize
        : 0.5 + (0.5 * partitionsDone) / partitions;
    opts.onProgress({
      phase,
      recordsRead: linesRead.billing + linesRead.network,
      partitionsDone,
      partitions,
      fraction: Math.min(1, fraction),
      elapsedMs: t - t0,
    });
  };
  const addErrors = (side: Side, list: UsageLineError[], count = list.length) => {
    for (const e of list) errors[side].add(e.line, e.reason);
    errors[side].count += count - list.length;
  };

  try {
    if (workerCount > 0) {
      const script = await workerScript();
      for (let i = 0; i < workerCount; i++) workers.push(new RunWorker(script));
    }
    // Step 1: split.
    const splitJob = (side: Side): SplitJob => ({
      side,
      path: opts[side].path,
      mapping: mappings[side],
      partitions,
      keyField,
      budget: budget / 2,
      tmpDir,
    });
    const onLines = (side: Side) => (lines: number, read: number) => {
      linesRead[side] = lines;
      bytesRead[side] = read;
      report('split');
    };
    let outcomes: SplitOutcome[];
    if (workers.length === 0) {
      outcomes = [];
      for (const side of sides) outcomes.push(await splitSide(splitJob(side), opts[side].stream, onLines(side)));
    } else {
      outcomes = await Promise.all(
        sides.map(async (side, i) => {
          const w = workers[i % workers.length]!;
          const job = splitJob(side);
          // With one worker the two sides queue on it; RunWorker takes one call at a time.
          if (i > 0 && workers.length === 1) await Promise.resolve();
          const reply = await serialised(w, () =>
            w.call({ kind: 'split', job }, [], (m) => m.kind === 'progress' && onLines(side)(m.lines, m.bytesRead)),
          );
          if (reply.kind !== 'split') throw new Error('unexpected worker reply');
          return reply.outcome;
        }),
      );
    }
    const layouts: Partial<Record<Side, UsageLayout>> = {};
    for (const [i, side] of sides.entries()) {
      const o = outcomes[i]!;
      if (o.layout !== undefined) layouts[side] = o.layout;
      addErrors(side, o.errors, o.errorCount);
    }
    const tSplit = now();
    report('split', true);

    // Step 2: reconcile partitions (results handed on in partition order).
    const results: PartitionResult[] = new Array(partitions);
    const done = new Map<number, PartitionResult>();
    let nextToEmit = 0;
    const finish = (o: ReconcileOutcome) => {
      for (const side of sides) addErrors(side, o.errors[side]);
      done.set(o.partition, o.result);
      while (done.has(nextToEmit)) {
        const r = done.get(nextToEmit)!;
        done.delete(nextToEmit);
        opts.onPartition?.(r, nextToEmit);
        r.findings = [];
        results[nextToEmit] = r;
        nextToEmit++;
      }
      partitionsDone++;
      report('reconcile');
    };
    const job = (p: number): ReconcileJob => ({
      partition: p,
      billing: outcomes[0]!.spools[p]!,
      network: outcomes[1]!.spools[p]!,
      layouts,
      mappings,
      config: opts.config,
    });
    if (workers.length === 0) {
      for (let p = 0; p < partitions; p++) finish(reconcileSpooled(job(p)));
    } else {
      let next = 0;
      await Promise.all(
        workers.map(async (w) => {
          while (next < partitions) {
            const j = job(next++);
            const reply = await w.call({ kind: 'reconcile', job: j }, transferables([j.billing, j.network]));
            if (reply.kind !== 'reconciled') throw new Error('unexpected worker reply');
            finish(reply.outcome);
          }
        }),
      );
    }
    for (const side of sides) errors[side].errors.sort((a, b) => a.line - b.line);
    const tEnd = now();
    report('reconcile', true);
    return {
      summary: mergeResults(results),
      errors,
      timings: { splitMs: tSplit - t0, reconcileMs: tEnd - tSplit, totalMs: tEnd - t0 },
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

const queues = new WeakMap<RunWorker, Promise<unknown>>();
/** Runs calls on one worker one after the other. */
function serialised<T>(w: RunWorker, f: () => Promise<T>): Promise<T> {
  const prev = queues.get(w) ?? Promise.resolve();
  const run = prev.then(f, f);
  queues.set(
    w,
    run.catch(() => undefined),
  );
  return run;
}

// A reconciliation run over two local usage files (the `npm run ra` CLI and the bench): split both
// files into partitions on raw bytes (usage-files.ts), then reconcile partition by partition with
// the same domain code a stored run's Distributed Map items use (reconcilePartition, mergeResults).
// Memory stays bounded: a line is kept as its bytes (not as a record) until its partition's turn,
// and past `memoryBudgetBytes` the spooled lines go to temporary files.
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { mergeResults } from '../domain/revenue/summary';
import { reconcilePartition } from '../domain/revenue/match';
import type { PartitionResult, ReconcileConfig, RunSummary, Side, UsageRecord } from '../domain/revenue/types';
import {
  DEFAULT_USAGE_MAPPING,
  UsageErrorLog,
  UsageLineParser,
  splitUsageLines,
  type UsageLayout,
  type UsageMapping,
} from './usage-files';

const BLOCK = 1 << 20;
const HEADER = 8; // u32 line number, u32 byte length

/** Lines of one side of one partition: length-prefixed byte records in 1 MiB blocks. */
class LineSpool {
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
    c.writeUInt32LE(lineNo, this.used);
    c.writeUInt32LE(len, this.used + 4);
    buf.copy(c, this.used + HEADER, start, end);
    this.used += HEADER + len;
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

  /** Every line (spilled ones first, in file order), then forgets them. */
  drain(onLine: (buf: Buffer, start: number, end: number, lineNo: number) => void): void {
    const all = this.takeBlocks();
    if (this.spillFile !== undefined) all.unshift(readFileSync(this.spillFile));
    for (const b of all) {
      for (let p = 0; p < b.length;) {
        const lineNo = b.readUInt32LE(p);
        const len = b.readUInt32LE(p + 4);
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
  /** A local path, or a stream with its size (for progress) when known. */
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
  /** Each partition's result as it is done (its findings are dropped from memory afterwards). */
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

/** Reconciles two usage files; every partition goes through reconcilePartition. */
export async function reconcileUsageFiles(opts: FileRunOptions): Promise<FileRunResult> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  const partitions = opts.config.partitions;
  const keyField = opts.config.fallback.enabled ? 'subscriber' : 'recordId';
  const budget = opts.memoryBudgetBytes ?? 192 * 1024 * 1024;
  const every = opts.progressEveryMs ?? 200;
  const spools: Record<Side, LineSpool[]> = {
    billing: Array.from({ length: partitions }, () => new LineSpool()),
    network: Array.from({ length: partitions }, () => new LineSpool()),
  };
  const errors: Record<Side, UsageErrorLog> = { billing: new UsageErrorLog(), network: new UsageErrorLog() };
  const layouts: Partial<Record<Side, UsageLayout>> = {};
  let tmp: string | undefined;
  let inMemory = 0;
  let recordsRead = 0;
  let partitionsDone = 0;
  let lastProgress = 0;
  const report = (phase: RunProgress['phase'], fraction: number, force = false) => {
    if (opts.onProgress === undefined) return;
    const t = now();
    if (!force && t - lastProgress < every) return;
    lastProgress = t;
    opts.onProgress({ phase, recordsRead, partitionsDone, partitions, fraction, elapsedMs: t - t0 });
  };

  try {
    const sides: Side[] = ['billing', 'network'];
    const sizes = sides.map((s) => (opts[s].path !== undefined ? statSync(opts[s].path!).size : 0));
    const totalSize = sizes[0]! + sizes[1]! || 1;
    let doneSize = 0;
    for (const [i, side] of sides.entries()) {
      const input = opts[side];
      const stream = input.stream ?? createReadStream(input.path!, { highWaterMark: 1 << 20 });
      const bytesRead = () => (stream as Readable & { bytesRead?: number }).bytesRead ?? 0;
      const spool = spools[side];
      const { layout } = await splitUsageLines(stream, {
        mapping: input.mapping ?? DEFAULT_USAGE_MAPPING,
        errors: errors[side],
        partitions,
        keyField,
        onLine: (p, buf, start, end, lineNo) => {
          inMemory += spool[p]!.add(buf, start, end, lineNo);
          if ((++recordsRead & 0x3fff) === 0) {
            if (inMemory > budget) {
              tmp ??= mkdtempSync(path.join(tmpdir(), 'nocturne-ra-'));
              for (const s of sides) for (const [q, sp] of spools[s].entries()) inMemory -= sp.spill(tmp, `${s}-${q}`);
              inMemory = Math.max(0, inMemory);
            }
            report('split', (0.5 * (doneSize + bytesRead())) / totalSize);
          }
        },
      });
      doneSize += sizes[i]!;
      if (layout !== undefined) layouts[side] = layout;
    }
    const tSplit = now();
    report('split', 0.5, true);

    const results: PartitionResult[] = [];
    const parsers: Partial<Record<Side, UsageLineParser>> = {};
    for (const side of sides) {
      const layout = layouts[side];
      if (layout !== undefined)
        parsers[side] = new UsageLineParser(opts[side].mapping ?? DEFAULT_USAGE_MAPPING, layout);
    }
    const parseSpool = (side: Side, p: number): UsageRecord[] => {
      const out: UsageRecord[] = [];
      const parser = parsers[side];
      const spool = spools[side][p]!;
      if (parser === undefined) return out;
      spool.drain((buf, start, end, lineNo) => {
        const r = parser.parse(buf.toString('utf8', start, end), lineNo);
        if (typeof r === 'string') errors[side].add(lineNo, r);
        else out.push(r);
      });
      return out;
    };
    for (let p = 0; p < partitions; p++) {
      const result = reconcilePartition(parseSpool('billing', p), parseSpool('network', p), opts.config);
      opts.onPartition?.(result, p);
      result.findings = [];
      results.push(result);
      partitionsDone++;
      report('reconcile', 0.5 + (0.5 * partitionsDone) / partitions);
    }
    for (const side of sides) errors[side].errors.sort((a, b) => a.line - b.line);
    const tEnd = now();
    return {
      summary: mergeResults(results),
      errors,
      timings: { splitMs: tSplit - t0, reconcileMs: tEnd - tSplit, totalMs: tEnd - t0 },
    };
  } finally {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
  }
}

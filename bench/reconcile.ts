// npm run bench:reconcile — the revenue assurance engine from files (issue 12 §3/§5):
//  1. generates two sides of N records (default 1,000,000 each; `--records 100000,1000000`) as CSV
//     files with known problems of every class and traps (bench/ra-data.ts);
//  2. reconciles them in a child process (so its wall time and peak RSS are its own) through the
//     same code as `npm run ra -- reconcile` (reconcileUsageFiles → reconcilePartition);
//  3. prints, per size, one JSON line: records/s, wall time, peak RSS, and recall and precision per
//     class against the injected truth.
// Options: --records <n[,n...]>, --partitions <n> (the minimum; big files get more, see
// usage-file-run.ts), --rate <share per class>, --workers auto|<n> (worker threads, as the CLI's
// --workers; auto, the default, is one per core up to 2; 0 runs in one thread).
// cpuMs is the run's own process (all its threads); it leaves out esbuild bundling the worker
// script, which happens once per change of the sources (the second run on reuses it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_RECONCILE_CONFIG, FINDING_CLASSES, reconcileConfigSchema } from '../shared/domain/revenue';
import { reconcileUsageFiles } from '../shared/adapters/usage-file-run';
import { generateSides } from './ra-data';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Child: reconcile the two files, write `recordId,class` per finding, print the figures. */
async function measure(dir: string, partitions: number, workers: number | 'auto'): Promise<void> {
  const config = reconcileConfigSchema.parse({ ...DEFAULT_RECONCILE_CONFIG, partitions });
  const out: string[] = [];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = await reconcileUsageFiles({
    billing: { path: path.join(dir, 'billing.csv') },
    network: { path: path.join(dir, 'network.csv') },
    config,
    workers,
    onPartition: (r) => {
      for (const f of r.findings) out.push(`${f.recordId},${f.class}`);
    },
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  writeFileSync(path.join(dir, 'found.csv'), out.join('\n'));
  process.stdout.write(
    JSON.stringify({
      wallMs: Math.round(wallMs),
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      splitMs: Math.round(run.timings.splitMs),
      reconcileMs: Math.round(run.timings.reconcileMs),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      counts: run.summary.counts,
      leakagePct: run.summary.leakagePct,
      partitions: run.summary.partitions,
      badLines: run.errors.billing.count + run.errors.network.count,
    }) + '\n',
  );
}

async function bench(n: number, partitions: number, rate: number, workers: number | 'auto'): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'nocturne-bench-ra-'));
  try {
    const g = generateSides(n, path.join(dir, 'billing.csv'), path.join(dir, 'network.csv'), { rate });
    const stdout = execFileSync(
      process.execPath,
      [
        ...process.execArgv,
        __filename,
        '--measure',
        dir,
        '--partitions',
        String(partitions),
        '--workers',
        String(workers),
      ],
      {
        encoding: 'utf8',
        env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
        maxBuffer: 1 << 24,
      },
    );
    const m = JSON.parse(stdout.trim().split('\n').pop()!) as {
      wallMs: number;
      cpuMs: number;
      splitMs: number;
      reconcileMs: number;
      peakRssMb: number;
      counts: Record<string, number>;
      leakagePct: number;
      partitions: number;
      badLines: number;
    };
    const found = new Map<string, string>();
    for (const line of readFileSync(path.join(dir, 'found.csv'), 'utf8').split('\n')) {
      if (line === '') continue;
      const c = line.lastIndexOf(',');
      found.set(line.slice(0, c), line.slice(c + 1));
    }
    const perClass: Record<string, { injected: number; found: number; recall: number; precision: number }> = {};
    for (const cls of FINDING_CLASSES) {
      if (cls === 'matched') continue;
      let injected = 0;
      let hit = 0;
      for (const [id, c] of g.truth) {
        if (c !== cls) continue;
        injected++;
        if (found.get(id) === cls) hit++;
      }
      let flagged = 0;
      let right = 0;
      for (const [id, c] of found) {
        if (c !== cls) continue;
        flagged++;
        if (g.truth.get(id) === cls) right++;
      }
      perClass[cls] = {
        injected,
        found: flagged,
        recall: injected === 0 ? 1 : Math.round((hit / injected) * 1e5) / 1e5,
        precision: flagged === 0 ? (injected === 0 ? 1 : 0) : Math.round((right / flagged) * 1e5) / 1e5,
      };
    }
    // Every record not injected must be matched, and so must the first copy of a duplicated one.
    const expectedMatched = n - [...g.truth.values()].filter((c) => c !== 'duplicate').length;
    const records = g.lines.billing + g.lines.network;
    console.log(
      JSON.stringify({
        bench: 'reconcile',
        recordsPerSide: n,
        partitions: m.partitions,
        fileMb: Math.round((g.bytes.billing + g.bytes.network) / 1e5) / 10,
        wallMs: m.wallMs,
        // CPU time of the run (all threads): on a shared, loaded machine wall time shows the load.
        cpuMs: m.cpuMs,
        loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
        splitMs: m.splitMs,
        reconcileMs: m.reconcileMs,
        recordsPerSec: Math.round(records / (m.wallMs / 1000)),
        peakRssMb: m.peakRssMb,
        matched: { expected: expectedMatched, found: m.counts.matched },
        traps: g.traps,
        perClass,
        badLines: m.badLines,
        goals: {
          under4sAt2x1M: n === 1_000_000 ? m.wallMs < 4000 : undefined,
          rssUnder512Mb: m.peakRssMb < 512,
          recallPrecision999: Object.values(perClass).every((c) => c.recall >= 0.999 && c.precision >= 0.999),
        },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const partitions = Number(arg('partitions') ?? DEFAULT_RECONCILE_CONFIG.partitions);
  const measureDir = arg('measure');
  const w = arg('workers') ?? 'auto';
  const workers = w === 'auto' ? w : Number(w);
  if (measureDir !== undefined) return measure(measureDir, partitions, workers);
  const sizes = (arg('records') ?? '1000000').split(',').map((s) => Number(s.replaceAll('_', '')));
  const rate = Number(arg('rate') ?? 0.002);
  for (const n of sizes) await bench(n, partitions, rate, workers);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

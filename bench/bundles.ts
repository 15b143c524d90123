// npm run bench:bundles [function ...] — size and cold init of each catalog function, bundled exactly
// as the CDK app bundles it (infra/aws/bundling.ts: minified ESM for node22, AWS SDK left to the
// Lambda runtime, zod's English locale only, `import()`ed code split into chunks loaded on first use).
// For each function it prints the minified size of what loads at cold start (index.mjs and the
// chunks it imports statically; source maps not counted), the lazily loaded chunks apart, the three
// largest contributors, and the cold init: a fresh Node process importing the bundle and calling
// nothing (SDK found in node_modules, as Lambda finds it in the runtime), median of 5. Then a
// pass/fail summary against the budgets (issue 15: 300 KB, 150 ms); any failure exits non-zero.
// The bench fails, not the test suite: the sizes of the worst offenders are also held by
// test/infra/bundling.test.ts, cold init (machine speed) never is.
//
// Options (environment): BENCH_COLD_RUNS (5), BENCH_WITH_SDK=1 also bundles each function with the
// AWS SDK inside and times that (decision 0011's trade-off), BENCH_JSON_ONLY=1 prints the JSON only.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_FILE, bundleFunctionTo, type BundleOutput } from '../infra/aws/bundling';
import { catalog } from '../infra/catalog';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const WITH_SDK = process.env.BENCH_WITH_SDK === '1';

/** Issue 15's budgets. */
export const BUDGET = { bytes: 300_000, coldInitMs: 150 };

export interface BundleFigure {
  function: string;
  /** Minified bytes loaded at cold start: index.mjs and the chunks it imports statically (no maps). */
  bytes: number;
  /** Minified bytes of the chunks loaded on first use (`import()`), 0 when nothing is split off. */
  lazyBytes: number;
  /** The three largest contributors to `bytes`: npm package or project folder, bytes. */
  top: Array<{ name: string; bytes: number }>;
  /** Import of index.mjs in a fresh Node process, calling nothing: median wall time of the runs. */
  coldInitMs: number;
  /** The same import, CPU time (user + system): steadier than wall time on a busy machine. */
  coldInitCpuMs: number;
  /** With BENCH_WITH_SDK=1: the bytes and cold init with the AWS SDK bundled in (not deployed). */
  bytesWithSdk?: number;
  coldInitMsWithSdk?: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number) => Math.round(x * 10) / 10;
const kb = (b: number) => `${Math.round(b / 1000)} KB`;

/** `node_modules/@scope/pkg/...` → `@scope/pkg`; a project file → its top folders (`shared/domain`). */
export function contributorOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (m) return m[1]!;
  if (input.includes(':')) return input.split(':')[0]!; // plugin namespaces (e.g. nocturne-shim)
  const parts = input.replace(/^(\.\.\/)+/, '').split('/');
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts[0]!;
}

function topContributors(outputs: BundleOutput[]): Array<{ name: string; bytes: number }> {
  const by = new Map<string, number>();
  for (const o of outputs.filter((x) => x.initial))
    for (const [input, bytes] of Object.entries(o.inputs))
      by.set(contributorOf(input), (by.get(contributorOf(input)) ?? 0) + bytes);
  return [...by]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, bytes]) => ({ name, bytes }));
}

function coldInit(file: string): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)});
    const u = process.cpuUsage(c); process.stdout.write(JSON.stringify([performance.now() - t, (u.user + u.system) / 1000]));`;
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'bench', POWERTOOLS_LOG_LEVEL: 'ERROR' },
      encoding: 'utf8',
    });
    const [w, c] = JSON.parse(out) as [number, number];
    wall.push(w);
    cpu.push(c);
  }
  return { wallMs: round1(median(wall)), cpuMs: round1(median(cpu)) };
}

export async function measureBundles(names?: string[], opts: { withSdk?: boolean } = {}): Promise<BundleFigure[]> {
  // Inside the repository, so that `@aws-sdk/*` resolves from node_modules as in the Lambda runtime;
  // one directory per run, so that two runs (bench:ingest calls this too) do not remove each other's.
  const dir = path.join(ROOT, '.tools', `bench-bundles-${process.pid}`);
  const out: BundleFigure[] = [];
  try {
    for (const fn of catalog.functions.filter((f) => !names || names.includes(f.name))) {
      const fnDir = path.join(dir, fn.name);
      rmSync(fnDir, { recursive: true, force: true });
      mkdirSync(fnDir, { recursive: true });
      const outputs = await bundleFunctionTo(fn.entry, fnDir);
      const cold = coldInit(path.join(fnDir, BUNDLE_FILE));
      const figure: BundleFigure = {
        function: fn.name,
        bytes: outputs.filter((o) => o.initial).reduce((n, o) => n + o.bytes, 0),
        lazyBytes: outputs.filter((o) => !o.initial).reduce((n, o) => n + o.bytes, 0),
        top: topContributors(outputs),
        coldInitMs: cold.wallMs,
        coldInitCpuMs: cold.cpuMs,
      };
      if (opts.withSdk ?? WITH_SDK) {
        const sdkDir = path.join(dir, `${fn.name}.with-sdk`);
        mkdirSync(sdkDir, { recursive: true });
        const withSdk = await bundleFunctionTo(fn.entry, sdkDir, { bundleAwsSdk: true });
        figure.bytesWithSdk = withSdk.filter((o) => o.initial).reduce((n, o) => n + o.bytes, 0);
        figure.coldInitMsWithSdk = coldInit(path.join(sdkDir, BUNDLE_FILE)).wallMs;
      }
      out.push(figure);
      if (process.env.BENCH_JSON_ONLY !== '1') console.error(line(figure));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function line(f: BundleFigure): string {
  const size = `${kb(f.bytes)}${f.lazyBytes ? ` (+${kb(f.lazyBytes)} lazy)` : ''}`;
  const top = f.top.map((t) => `${t.name} ${kb(t.bytes)}`).join(', ');
  const sdk =
    f.coldInitMsWithSdk !== undefined ? `; SDK bundled: ${kb(f.bytesWithSdk!)}, ${f.coldInitMsWithSdk} ms` : '';
  return `${f.function.padEnd(26)} ${size.padEnd(22)} init ${String(f.coldInitMs).padStart(6)} ms (cpu ${f.coldInitCpuMs} ms)  top: ${top}${sdk}`;
}

export function verdict(figures: BundleFigure[]): { overSize: string[]; overColdInit: string[]; pass: boolean } {
  const overSize = figures.filter((f) => f.bytes >= BUDGET.bytes).map((f) => `${f.function} ${kb(f.bytes)}`);
  const overColdInit = figures
    .filter((f) => f.coldInitMs >= BUDGET.coldInitMs)
    .map((f) => `${f.function} ${f.coldInitMs} ms`);
  return { overSize, overColdInit, pass: overSize.length === 0 && overColdInit.length === 0 };
}

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  // The machine is shared: cold init is wall time and moves with the load, so print it alongside.
  const uptimeBefore = execFileSync('uptime', { encoding: 'utf8' }).trim();
  if (process.env.BENCH_JSON_ONLY !== '1') console.error(`uptime before: ${uptimeBefore}`);
  const figures = await measureBundles(names.length ? names : undefined);
  const uptimeAfter = execFileSync('uptime', { encoding: 'utf8' }).trim();
  const v = verdict(figures);
  console.log(
    JSON.stringify({
      bench: 'bundles',
      budget: BUDGET,
      cpus: os.cpus().length,
      uptimeBefore,
      uptimeAfter,
      functions: figures,
      overSize: v.overSize,
      overColdInit: v.overColdInit,
      pass: v.pass,
    }),
  );
  console.error(`uptime after: ${uptimeAfter} (cold init is wall time on a shared machine: it moves with the load)`);
  console.error(
    `size   < ${kb(BUDGET.bytes)}: ${figures.length - v.overSize.length}/${figures.length} pass` +
      (v.overSize.length ? `; FAIL: ${v.overSize.join(', ')}` : ''),
  );
  console.error(
    `init   < ${BUDGET.coldInitMs} ms: ${figures.length - v.overColdInit.length}/${figures.length} pass` +
      (v.overColdInit.length ? `; FAIL: ${v.overColdInit.join(', ')}` : ''),
  );
  console.error(v.pass ? 'bench:bundles PASS' : 'bench:bundles FAIL');
  if (!v.pass) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(2);
  });
}

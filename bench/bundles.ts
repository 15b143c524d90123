// Bundle size and cold-init time of each catalog function, bundled exactly as the CDK app bundles
// it (infra/aws/bundling.ts: minified ESM for node22, AWS SDK left to the Lambda runtime, zod's
// English locale only), loaded in a fresh Node process that finds the SDK in node_modules as
// Lambda finds it in the runtime. For comparison, the same bundle with the SDK bundled in.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleFunction } from '../infra/aws/bundling';
import { catalog } from '../infra/catalog';

const ROOT = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);

export interface BundleFigure {
  function: string;
  /** The deployed bundle (index.mjs, without its source map). */
  bytes: number;
  /** The same with the AWS SDK bundled in (not deployed; what decision 0002 weighed). */
  bytesWithSdk: number;
  /** Import of the deployed bundle in a fresh Node process, SDK loaded from node_modules: median wall time. */
  coldInitMs: number;
  /** The same import, CPU time (user + system): steadier than wall time on a busy machine. */
  coldInitCpuMs: number;
  /** Median wall time of the SDK-bundled variant, for comparison. */
  coldInitMsWithSdk: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (x: number) => Math.round(x * 10) / 10;

function coldInit(file: string): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  const script = `const c = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(file)});
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

export async function measureBundles(names?: string[]): Promise<BundleFigure[]> {
  // Inside the repository, so that `@aws-sdk/*` resolves from node_modules as in the Lambda runtime.
  const dir = path.join(ROOT, '.tools', 'bench-bundles');
  mkdirSync(dir, { recursive: true });
  const out: BundleFigure[] = [];
  try {
    for (const fn of catalog.functions.filter((f) => !names || names.includes(f.name))) {
      const deployed = (await bundleFunction(fn.entry)).code;
      const withSdk = (await bundleFunction(fn.entry, { bundleAwsSdk: true })).code;
      const file = path.join(dir, `${fn.name}.mjs`);
      const fileWithSdk = path.join(dir, `${fn.name}.with-sdk.mjs`);
      writeFileSync(file, deployed);
      writeFileSync(fileWithSdk, withSdk);
      const cold = coldInit(file);
      out.push({
        function: fn.name,
        bytes: Buffer.byteLength(deployed),
        bytesWithSdk: Buffer.byteLength(withSdk),
        coldInitMs: cold.wallMs,
        coldInitCpuMs: cold.cpuMs,
        coldInitMsWithSdk: coldInit(fileWithSdk).wallMs,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (require.main === module) {
  measureBundles(process.argv.slice(2).length ? process.argv.slice(2) : undefined).then((r) =>
    console.log(JSON.stringify({ bench: 'bundles', functions: r })),
  );
}

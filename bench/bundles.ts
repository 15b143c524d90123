// Bundle size and cold-init time of each catalog function, bundled as the CDK app bundles it
// (esbuild, minified ESM for node22), loaded in a fresh Node process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { catalog } from '../infra/catalog';

const ROOT = path.resolve(__dirname, '..');

export interface BundleFigure {
  function: string;
  bytes: number;
  bytesWithoutSdk: number;
  coldInitMs: number;
}

async function bundle(entry: string, externalSdk: boolean): Promise<string> {
  const r = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire } from 'module';const require = createRequire(import.meta.url);" },
    external: externalSdk ? ['@aws-sdk/*'] : [],
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0]!.text;
}

function coldInit(file: string): number {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const out = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t));`],
      { env: { ...process.env, AWS_REGION: 'us-east-1', TABLE_NAME: 'bench', POWERTOOLS_LOG_LEVEL: 'ERROR' }, encoding: 'utf8' },
    );
    runs.push(Number(out));
  }
  return runs.sort((a, b) => a - b)[1]!;
}

export async function measureBundles(names?: string[]): Promise<BundleFigure[]> {
  const dir = path.join(ROOT, '.tools', 'bench-bundles');
  mkdirSync(dir, { recursive: true });
  const out: BundleFigure[] = [];
  for (const fn of catalog.functions.filter((f) => !names || names.includes(f.name))) {
    const full = await bundle(fn.entry, false);
    const slim = await bundle(fn.entry, true);
    const file = path.join(dir, `${fn.name}.mjs`);
    writeFileSync(file, full);
    out.push({ function: fn.name, bytes: Buffer.byteLength(full), bytesWithoutSdk: Buffer.byteLength(slim), coldInitMs: Math.round(coldInit(file) * 10) / 10 });
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

if (require.main === module) {
  measureBundles().then((r) => console.log(JSON.stringify({ bench: 'bundles', functions: r })));
}

// How a catalog function becomes its Lambda bundle: the one place that holds the esbuild settings.
// The CDK app (catalog-function.ts) and `npm run bench:bundles` both bundle through here.
//
// esbuild runs through its JS API because it takes plugins, which NodejsFunction cannot. CDK
// synthesis is synchronous and esbuild's buildSync takes no plugins, so the CDK runs this file as a
// child process (`bundleFunctionSync`); the bench awaits `bundleFunctionTo` directly.
//
// - The AWS SDK v3 (`@aws-sdk/*`) is not bundled: the nodejs22.x runtime provides it (docs/decisions/0002).
// - zod 4 re-exports all of its ~40 locales (`z.locales`), and `import { z } from 'zod'` keeps them
//   all; Nocturne only uses English, zod's default. The `zod-locales-en` plugin bundles `en` alone.
// - luxon ships an ES module and a CommonJS build; cron-parser requires the latter while our code
//   imports the former. The `one-copy-of-dual-packages` plugin bundles one build only.
// - esbuild keeps every import of an external module, used or not, unless told the module has no
//   side effects. The `runtime-modules-side-effect-free` plugin passes on the `sideEffects: false`
//   the SDK packages declare, so that an SDK client whose code is tree-shaken away is not loaded.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { build, type BuildOptions, type Plugin } from 'esbuild';

/** Repository root: catalog entries are relative to it. */
const ROOT = path.resolve(__dirname, '..', '..');

/** What the Lambda runtime provides, left out of every bundle. */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*'];

/** Some bundled CommonJS dependencies call require() for Node built-ins. */
const REQUIRE_BANNER = "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

/** The file name Lambda loads: handler `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/**
 * zod's `export * as locales from '../locales/index.js'` (in zod/v4/classic/external.js and
 * zod/v4/core/index.js) resolves to a module exporting only `en`. `z.locales.en` still works; any
 * other `z.locales.xx` is undefined in a bundle (tests and the local runtime run unbundled zod).
 */
export const zodLocalesEnOnly: Plugin = {
  name: 'zod-locales-en',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.c?js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]zod[\\/]/.test(args.importer)) return undefined;
      return { path: 'zod-locales-en', namespace: 'nocturne-shim' };
    });
    b.onLoad({ filter: /^zod-locales-en$/, namespace: 'nocturne-shim' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: ROOT,
      loader: 'js',
    }));
  },
};

/**
 * docs/openapi.json is data (~800 KB of JSON, ~19 KB brotli-compressed): the `openapi` function
 * imports it, and the bundle carries it compressed, decompressed and parsed once at load.
 */
export const compressedOpenApiDocument: Plugin = {
  name: 'compressed-openapi-document',
  setup(b) {
    b.onLoad({ filter: /[\\/]docs[\\/]openapi\.json$/ }, async (args) => {
      const packed = brotliCompressSync(JSON.stringify(JSON.parse(await readFile(args.path, 'utf8')))).toString(
        'base64',
      );
      return {
        contents: `import { brotliDecompressSync } from 'node:zlib';
export default JSON.parse(brotliDecompressSync(Buffer.from(${JSON.stringify(packed)}, 'base64')).toString('utf8'));`,
        loader: 'js',
      };
    });
  },
};

/**
 * Packages that ship an ES module build (for `import`) and a CommonJS build (for `require`). Our code
 * imports them and a CommonJS dependency requires them (cron-parser requires luxon), so a bundle
 * would carry both builds (luxon: 2 × ~71 KB). Resolving the `require` as an `import` keeps one.
 */
export const DUAL_PACKAGES = ['luxon'];

export const oneCopyOfDualPackages: Plugin = {
  name: 'one-copy-of-dual-packages',
  setup(b) {
    const filter = new RegExp(`^(${DUAL_PACKAGES.join('|')})$`);
    b.onResolve({ filter }, async (args) => {
      if (args.kind !== 'require-call') return undefined;
      const r = await b.resolve(args.path, {
        kind: 'import-statement',
        importer: args.importer,
        resolveDir: args.resolveDir,
      });
      return r.errors.length ? { errors: r.errors } : { path: r.path, external: r.external };
    });
  },
};

/**
 * esbuild drops an unused import only from a module it knows to be free of side effects, which it
 * learns from the package's `"sideEffects": false` when it bundles the package, but never for an
 * external one: an `import { S3Client } from '@aws-sdk/client-s3'` in a shared adapter stays in
 * every bundle that reaches the adapter, even when tree shaking removed every use of S3Client, and
 * the Lambda runtime then loads the S3 client at cold start for nothing (~40–110 ms of CPU per
 * client, issue 15). This plugin gives esbuild, for the runtime-provided packages that declare it
 * in their own package.json, the same `sideEffects: false` it would read if it bundled them. An
 * import whose bindings are used is kept as before.
 */
export const runtimeModulesSideEffectFree: Plugin = {
  name: 'runtime-modules-side-effect-free',
  setup(b) {
    const declared = new Map<string, boolean>();
    const sideEffectFree = (pkg: string): boolean => {
      let free = declared.get(pkg);
      if (free === undefined) {
        try {
          const file = require.resolve(`${pkg}/package.json`, { paths: [ROOT] });
          free = (JSON.parse(readFileSync(file, 'utf8')) as { sideEffects?: unknown }).sideEffects === false;
        } catch {
          free = false; // not installed here, or no package.json export: keep esbuild's default
        }
        declared.set(pkg, free);
      }
      return free;
    };
    b.onResolve({ filter: /^@aws-sdk\/[^/]+/ }, (args) => {
      const pkg = /^@aws-sdk\/[^/]+/.exec(args.path)![0];
      return sideEffectFree(pkg) ? { path: args.path, external: true, sideEffects: false } : undefined;
    });
  },
};

export interface BundleOptions {
  /** Also bundle the AWS SDK (comparison figures only; never deployed). @default false */
  bundleAwsSdk?: boolean;
}

/**
 * The esbuild options of a function's bundle; `entry` is relative to the repository root. Code a
 * function loads with `import()` (e.g. the timer sweeper's feature handlers, the PDF renderer) is
 * split into chunk files beside `index.mjs`, loaded when first used; everything `index.mjs` imports
 * statically is loaded at cold start. Callers set `outdir`.
 */
export function esbuildOptions(entry: string, opts: BundleOptions = {}): BuildOptions {
  return {
    entryPoints: [path.resolve(ROOT, entry)],
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    splitting: true,
    entryNames: path.basename(BUNDLE_FILE, '.mjs'),
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_BANNER },
    external: opts.bundleAwsSdk ? [] : RUNTIME_PROVIDED_MODULES,
    plugins: [
      ...(opts.bundleAwsSdk ? [] : [runtimeModulesSideEffectFree]),
      zodLocalesEnOnly,
      oneCopyOfDualPackages,
      compressedOpenApiDocument,
    ],
    logLevel: 'warning',
  };
}

/** One file of a bundle, with what it weighs per source file (esbuild's metafile). */
export interface BundleOutput {
  /** File name in the output directory: `index.mjs` or `chunk-<hash>.mjs`. */
  file: string;
  bytes: number;
  /** Loaded at cold start: `index.mjs` and the chunks it imports statically, transitively. */
  initial: boolean;
  /** Bytes in this file per input (path relative to the repository, or `node_modules/<pkg>/...`). */
  inputs: Record<string, number>;
}

/**
 * Bundles one function into `outdir`: `index.mjs`, any chunks, and their source maps. Returns the
 * code files (not the maps), the entry first.
 */
export async function bundleFunctionTo(
  entry: string,
  outdir: string,
  opts: BundleOptions = {},
): Promise<BundleOutput[]> {
  const r = await build({ ...esbuildOptions(entry, opts), outdir, metafile: true });
  const outputs = r.metafile.outputs;
  const code = Object.keys(outputs).filter((k) => k.endsWith('.mjs'));
  // Chunks of import()ed modules have an entryPoint too: the function's entry is index.mjs.
  const entryKey = code.find((k) => path.basename(k) === BUNDLE_FILE)!;
  const initial = new Set<string>();
  const visit = (k: string) => {
    if (initial.has(k)) return;
    initial.add(k);
    for (const i of outputs[k]!.imports)
      if (i.kind === 'import-statement' && !i.external && outputs[i.path]) visit(i.path);
  };
  visit(entryKey);
  return [entryKey, ...code.filter((k) => k !== entryKey)].map((k) => ({
    file: path.basename(k),
    bytes: outputs[k]!.bytes,
    initial: initial.has(k),
    inputs: Object.fromEntries(Object.entries(outputs[k]!.inputs).map(([i, v]) => [i, v.bytesInOutput])),
  }));
}

/** Synchronous bundling for CDK synthesis: runs this file in a child Node process (tsx). */
export function bundleFunctionSync(entry: string, outdir: string): void {
  try {
    execFileSync(process.execPath, ['--import', 'tsx', __filename, entry, outdir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`Bundling ${entry} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

if (require.main === module) {
  const [entry, outdir] = process.argv.slice(2);
  if (!entry || !outdir) {
    console.error('usage: tsx infra/aws/bundling.ts <entry relative to the repository> <output directory>');
    process.exit(2);
  }
  bundleFunctionTo(entry, outdir).catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
}

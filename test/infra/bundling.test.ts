// The one infra test that bundles for real, as `npx cdk synth` does: every catalog entry exists,
// esbuild bundles it (locally, no Docker; infra/aws/bundling.ts) into a minified ES module with a
// source map, without the AWS SDK (the Lambda runtime provides it) and with zod's English locale
// only, and the bundle loads in Node 22, with the SDK outside the bundle, and exports `handler`.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { catalog } from '../../infra/catalog';
import { buildApp } from '../../infra/aws/build-app';
import { PROJECT_ROOT } from '../../infra/aws/catalog-function';
import { lambdaOf, type Json, type Synthesized } from './support/synth';

/**
 * Issue 15's budget, held for every catalog function since all were brought under it (sizes are
 * deterministic): bytes loaded at cold start. `npm run bench:bundles` prints each function's figure.
 */
const BUDGET_BYTES = 300_000;

/** Bytes loaded at cold start: index.mjs and the chunks it imports statically, transitively. */
function initialBytes(dir: string): number {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*"\.\/(chunk-\w+\.mjs)"/g)) visit(m[1]!);
  };
  visit('index.mjs');
  return [...seen].reduce((n, f) => n + fs.statSync(path.join(dir, f)).size, 0);
}

describe('bundling every catalog function', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nocturne-synth-'));
    // As in Lambda, the AWS SDK v3 is found outside the bundle (there: the runtime's node_modules).
    fs.mkdirSync(path.join(outdir, 'node_modules'));
    fs.symlinkSync(
      path.join(PROJECT_ROOT, 'node_modules', '@aws-sdk'),
      path.join(outdir, 'node_modules', '@aws-sdk'),
      'dir',
    );
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  it('finds a handler file at every catalog entry', () => {
    const missing = catalog.functions
      .filter((f) => !fs.existsSync(path.join(PROJECT_ROOT, f.entry)))
      .map((f) => `${f.name}: ${f.entry}`);
    expect(missing).toEqual([]);
  });

  it('bundles each entry into a minified ES module with a source map that loads and exports handler', () => {
    const { app, stack } = buildApp({
      bundle: true,
      nag: false,
      outdir,
      context: { 'aws:cdk:enable-asset-metadata': true },
    });
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
    // The functions are in the features' nested stacks, whose templates are files of the assembly.
    const resources = { ...template.toJSON().Resources };
    for (const nested of stack.featureStacks.values())
      Object.assign(
        resources,
        (JSON.parse(fs.readFileSync(path.join(assembly.directory, nested.templateFile), 'utf8')) as Json).Resources,
      );
    const s = { resources } as Synthesized;

    const overBudget: string[] = [];
    for (const def of catalog.functions) {
      const fn = s.resources[lambdaOf(s, def.name).id] as Json;
      expect(fn.Properties.Code.ZipFile).toBeUndefined();
      expect(fn.Properties.Handler).toBe('index.handler');
      const assetDir = path.join(assembly.directory, fn.Metadata['aws:asset:path']);
      // index.mjs, and chunk files for code the function loads with import(); each with its source map.
      const files = fs.readdirSync(assetDir).sort();
      const code = files.filter((f) => f.endsWith('.mjs'));
      expect(code[code.length - 1]).toBe('index.mjs');
      expect(code.every((f) => f === 'index.mjs' || /^chunk-\w+\.mjs$/.test(f))).toBe(true);
      expect(files).toEqual(code.flatMap((f) => [f, `${f}.map`]).sort());

      const bundle = fs.readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000); // minified: long lines
      for (const f of code) {
        const text = fs.readFileSync(path.join(assetDir, f), 'utf8');
        expect(text).toMatch(new RegExp(`//# sourceMappingURL=${f.replace('.', '\\.')}\\.map\\s*$`));
        // The SDK is imported, not bundled (its core would set the x-amz-user-agent header).
        expect(text).not.toContain('x-amz-user-agent');
        // zod's locales: English only (the German one would bring "Ungültige Eingabe").
        expect(text).not.toContain('Ungültige Eingabe');
      }
      // Issue 15's budget: under 300 KB loaded at cold start (index.mjs and the chunks it imports
      // statically; chunks loaded by import() on first use are not), for every function, so that
      // none regrows; `npm run bench:bundles` reports each function's size and cold init.
      const bytes = initialBytes(assetDir);
      if (bytes >= BUDGET_BYTES) overBudget.push(`${def.name}: ${bytes} bytes at cold start`);

      // Import the bundle in a Node 22 child process, with stand-ins for the deployed environment.
      // The chunks too: what the function loads on first use must load as well (the SDK from outside).
      const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, 'index.mjs')).href)});
        if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }
        for (const c of ${JSON.stringify(code.filter((f) => f !== 'index.mjs').map((f) => pathToFileURL(path.join(assetDir, f)).href))}) await import(c);
        console.log(process.versions.node);`;
      const env = Object.fromEntries(
        Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : `stand-in-${k}`,
        ]),
      );
      const nodeVersion = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', ...env, NODE_OPTIONS: '--enable-source-maps' },
        encoding: 'utf8',
      }).trim();
      expect({ function: def.name, node: nodeVersion.split('.')[0] }).toEqual({ function: def.name, node: '22' });
    }
    expect(overBudget).toEqual([]);
  });
});

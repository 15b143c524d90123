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

    for (const def of catalog.functions) {
      const fn = s.resources[lambdaOf(s, def.name).id] as Json;
      expect(fn.Properties.Code.ZipFile).toBeUndefined();
      expect(fn.Properties.Handler).toBe('index.handler');
      const assetDir = path.join(assembly.directory, fn.Metadata['aws:asset:path']);
      expect(fs.readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);

      const bundle = fs.readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000); // minified: long lines
      expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      // The SDK is imported, not bundled (its core would set the x-amz-user-agent header).
      expect(bundle).not.toContain('x-amz-user-agent');
      // zod's locales: English only (the German one would bring "Ungültige Eingabe").
      expect(bundle).not.toContain('Ungültige Eingabe');
      // The webhook's budget (issue 15: < 300 KB). Powertools idempotency is bundled only by functions with
      // create routes (shared/http/idempotent-api.ts); the webhook has none.
      if (def.name === 'ingest') expect(Buffer.byteLength(bundle)).toBeLessThan(300_000);
      // The OpenAPI document is data, embedded compressed; the API's schemas are not bundled to build it.
      if (def.name === 'openapi') expect(Buffer.byteLength(bundle)).toBeLessThan(300_000);

      // Import the bundle in a Node 22 child process, with stand-ins for the deployed environment.
      const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(assetDir, 'index.mjs')).href)});
        if (typeof m.handler !== 'function') { console.error('no handler export'); process.exit(3); }
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
  });
});

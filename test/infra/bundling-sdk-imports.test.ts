// Which AWS SDK packages a bundle imports at cold start (issue 15): an SDK import whose bindings
// tree shaking removed must not load the package (the Lambda runtime would load that client at
// cold start for nothing); a used one must stay; a package that does not declare itself free of
// side effects keeps esbuild's default (its import stays). Bundled with the real esbuild options.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build, stop } from 'esbuild';
import { bundleFunctionTo, esbuildOptions } from '../../infra/aws/bundling';
import { PROJECT_ROOT } from '../../infra/aws/catalog-function';
import { catalog } from '../../infra/catalog';

const sdkImportsIn = (texts: string[]): string[] =>
  [...new Set(texts.flatMap((t) => [...t.matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)].map((m) => m[1]!)))].sort();

/** The `@aws-sdk/*` packages the bundle of `source` (a module in the repository) imports, sorted. */
async function sdkImportsOf(source: string, opts: { bundleAwsSdk?: boolean } = {}): Promise<string[]> {
  const { entryPoints: _entry, ...options } = esbuildOptions('functions/ingest/handler.ts', opts);
  const r = await build({
    ...options,
    stdin: { contents: source, loader: 'ts', resolveDir: PROJECT_ROOT, sourcefile: 'entry.ts' },
    outdir: path.join(os.tmpdir(), 'nocturne-sdk-imports'),
    write: false,
  });
  return sdkImportsIn(r.outputFiles.filter((f) => f.path.endsWith('.mjs')).map((f) => f.text));
}

/** The `@aws-sdk/*` packages a catalog function loads at cold start (index.mjs and its static chunks). */
async function coldStartSdkOf(name: string): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nocturne-sdk-imports-'));
  try {
    const outputs = await bundleFunctionTo(catalog.functions.find((f) => f.name === name)!.entry, dir);
    return sdkImportsIn(outputs.filter((o) => o.initial).map((o) => fs.readFileSync(path.join(dir, o.file), 'utf8')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('SDK imports of a bundle', () => {
  afterAll(() => stop()); // esbuild's service process would keep the jest worker alive

  it('drops an SDK client whose bindings are unused and keeps the one in use', async () => {
    const imports = await sdkImportsOf(`
      import { S3Client } from '@aws-sdk/client-s3';
      import { KMSClient } from '@aws-sdk/client-kms';
      import { SNSClient } from '@aws-sdk/client-sns';
      function unused() { return [new S3Client({}), new KMSClient({})]; }
      export const handler = async () => new SNSClient({}).config.region;
    `);
    expect(imports).toEqual(['@aws-sdk/client-sns']);
  });

  it('keeps an unused import of an SDK package that does not declare sideEffects: false', async () => {
    // @aws-sdk/lib-dynamodb's package.json has no "sideEffects" field.
    expect(
      JSON.parse(fs.readFileSync(require.resolve('@aws-sdk/lib-dynamodb/package.json'), 'utf8')),
    ).not.toHaveProperty('sideEffects');
    const imports = await sdkImportsOf(`
      import { GetCommand } from '@aws-sdk/lib-dynamodb';
      function unused() { return new GetCommand({ TableName: 't', Key: {} }); }
      export const handler = async () => 1;
    `);
    expect(imports).toEqual(['@aws-sdk/lib-dynamodb']);
  });

  it('leaves the SDK to esbuild when it is bundled (comparison builds)', async () => {
    const imports = await sdkImportsOf(
      `import { SNSClient } from '@aws-sdk/client-sns';
       export const handler = async () => new SNSClient({}).config.region;`,
      { bundleAwsSdk: true },
    );
    expect(imports).toEqual([]);
  });

  // Clients only some invocations use are not loaded at cold start (docs/decisions/0011, issue 15).
  it.each([
    // starts a run (DynamoDB, Step Functions); reads no file: no S3, no KMS
    ['ra-scheduler', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/lib-dynamodb']],
    // the revenue API starts runs and reads their results; none of its code uses S3 or KMS
    ['ops-revenue', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/lib-dynamodb']],
    // mail over HTTP needs no S3; the first SES event loads it
    ['inbound-email', ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']],
    // SNS loads with the first publish: a status update, a runbook's notify step, an order's notification
    ['status-page', ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']],
    ['runbook-steps', ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb']],
    ['order-steps', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sfn', '@aws-sdk/lib-dynamodb']],
    // pages go out on nearly every event: SNS stays at cold start
    ['paging', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-sns', '@aws-sdk/lib-dynamodb']],
  ])('%s loads only the SDK packages every invocation needs at cold start', async (name, expected) => {
    expect(await coldStartSdkOf(name)).toEqual(expected);
  });
});

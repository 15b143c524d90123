// S3 and envelope encryption through the local runtime, as handlers use them: the catalog's buckets
// served by s3rver, BUCKET_<NAME> / KMS_KEY_<NAME> set, grants checked as IAM would, a sealed file
// written by one function and opened by another, a tampered one refused whole, and a Distributed
// Map whose children read the bucket's objects.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { catalog, type FunctionDefinition, type StateMachineDefinition } from '../../infra/catalog';
import type { LambdaHandler } from '../../infra/local/lambda';
import { EnvelopeError, keyIdOf, openEnvelope, sealEnvelope } from '../../shared/adapters/envelope';
import { bucketName, getObjectBytes, listObjects, putObject } from '../../shared/adapters/s3';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(60_000);

const fn = (name: string, extra: Partial<FunctionDefinition> = {}): FunctionDefinition => ({
  name,
  description: name,
  entry: `test/${name}.ts`,
  memoryMb: 128,
  timeoutSeconds: 10,
  triggers: [],
  ...extra,
});

const functions = [
  fn('ra-writer', { buckets: { 'ra-files': 'readwrite' }, keys: { ra: 'encrypt' } }),
  fn('ra-reader', { buckets: { 'ra-files': 'read' }, keys: { ra: 'decrypt' } }),
  fn('ra-stranger'),
  fn('ra-part', { buckets: { 'ra-files': 'read' } }),
  fn('ra-prefixed', { buckets: { 'ra-files': { read: ['inbox/'], readwrite: ['batches/'] } } }),
];
const machine: StateMachineDefinition = {
  name: 'ra-fixture-distributed',
  description: 'fixture',
  definitionFile: 'test/fixtures/state-machines/distributed-list.asl.json',
  type: 'STANDARD',
  substitutions: { StepFn: { function: 'ra-part' } },
  buckets: { 'ra-files': 'readwrite' },
};

const handlers: Record<string, LambdaHandler> = {
  'ra-writer': async (event: { key: string; text: string }) => {
    await putObject(bucketName('ra-files'), event.key, await sealEnvelope(Buffer.from(event.text), keyIdOf('ra')));
    return { bucket: bucketName('ra-files'), keyId: keyIdOf('ra') };
  },
  'ra-reader': async (event: { key: string }) => {
    try {
      const file = await getObjectBytes(bucketName('ra-files'), event.key);
      return { text: (await openEnvelope(file, { expectedKeyId: keyIdOf('ra') })).toString() };
    } catch (err) {
      if (err instanceof EnvelopeError) return { refused: err.reason, message: err.message };
      throw err;
    }
  },
  'ra-stranger': async (event: { bucket: string; key: string }) => getObjectBytes(event.bucket, event.key),
  'ra-prefixed': async (event: { op: 'get' | 'put' | 'list'; key: string }) => {
    const bucket = bucketName('ra-files');
    if (event.op === 'get') return (await getObjectBytes(bucket, event.key)).length;
    if (event.op === 'list') return (await listObjects(bucket, event.key)).map((o) => o.key);
    await putObject(bucket, event.key, 'x');
    return 'put';
  },
  'ra-part': async (event: { key: string; size: number }) => ({
    key: event.key,
    bytes: (await getObjectBytes(bucketName('ra-files'), event.key)).length,
  }),
};

describe('S3 and envelopes in the local runtime', () => {
  let rt: TestRuntime;
  let raw: S3Client;
  beforeAll(async () => {
    rt = await startTestRuntime({
      catalog: { functions, stateMachines: [machine], buckets: catalog.buckets, keys: catalog.keys },
      handlers,
    });
    raw = new S3Client({
      endpoint: rt.s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterAll(async () => {
    raw?.destroy();
    await rt?.stop();
  });

  it('creates the catalog buckets and gives functions their names and the local key ids', async () => {
    const bucket = rt.s3.buckets.get('ra-files')!;
    expect(bucket).toMatch(/-ra-files$/);
    const out = (await rt.invoke('ra-writer', { key: 'inbox/network/2026-11-29.csv.enc', text: 'a,b\n1,2\n' })) as {
      bucket: string;
      keyId: string;
    };
    expect(out).toEqual({ bucket, keyId: 'local:ra' });
  });

  it('opens a file sealed by another function; the stored bytes are not the plaintext', async () => {
    await rt.invoke('ra-writer', { key: 'inbox/billing/day1.csv.enc', text: 'record_id,quantity\nc1,60\n' });
    expect(await rt.invoke('ra-reader', { key: 'inbox/billing/day1.csv.enc' })).toEqual({
      text: 'record_id,quantity\nc1,60\n',
    });
    const stored = await (
      await raw.send(
        new GetObjectCommand({ Bucket: rt.s3.buckets.get('ra-files')!, Key: 'inbox/billing/day1.csv.enc' }),
      )
    ).Body!.transformToByteArray();
    expect(Buffer.from(stored).includes(Buffer.from('record_id'))).toBe(false);
  });

  it('refuses a tampered file whole', async () => {
    await rt.invoke('ra-writer', { key: 'inbox/billing/day2.csv.enc', text: 'record_id,quantity\nc2,61\n' });
    const bucket = rt.s3.buckets.get('ra-files')!;
    const bytes = Buffer.from(
      await (
        await raw.send(new GetObjectCommand({ Bucket: bucket, Key: 'inbox/billing/day2.csv.enc' }))
      ).Body!.transformToByteArray(),
    );
    bytes[bytes.length - 20]! ^= 0x01;
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'inbox/billing/day2.csv.enc', Body: bytes }));
    expect(await rt.invoke('ra-reader', { key: 'inbox/billing/day2.csv.enc' })).toMatchObject({ refused: 'tampered' });
  });

  it('denies a function the catalog does not grant the bucket, naming the fix', async () => {
    await expect(
      rt.invoke('ra-stranger', { bucket: rt.s3.buckets.get('ra-files')!, key: 'inbox/billing/day1.csv.enc' }),
    ).rejects.toThrow(/not authorized to perform: s3:GetObject .*set buckets: \{ 'ra-files': 'read' \}/);
  });

  it('holds a function to the key prefixes it declares, as IAM would, naming the fix', async () => {
    await rt.invoke('ra-writer', { key: 'inbox/network/prefixed.csv.enc', text: 'x' });
    expect(await rt.invoke('ra-prefixed', { op: 'get', key: 'inbox/network/prefixed.csv.enc' })).toBeGreaterThan(0);
    expect(await rt.invoke('ra-prefixed', { op: 'put', key: 'batches/network/p1' })).toBe('put');
    expect(await rt.invoke('ra-prefixed', { op: 'list', key: 'batches/' })).toEqual(['batches/network/p1']);
    await expect(rt.invoke('ra-prefixed', { op: 'put', key: 'inbox/network/p1' })).rejects.toThrow(
      /not authorized to perform: s3:PutObject .*inbox\/network\/p1.*add 'inbox\/' to readwrite of buckets/,
    );
    await expect(rt.invoke('ra-prefixed', { op: 'get', key: 'runs/r1/partitions.json' })).rejects.toThrow(
      /not authorized to perform: s3:GetObject .*add 'runs\/' to read of buckets/,
    );
    // A listing of the whole bucket is outside every prefix (ListBucket's s3:prefix condition).
    await expect(rt.invoke('ra-prefixed', { op: 'list', key: '' })).rejects.toThrow(
      /not authorized to perform: s3:ListBucket .*s3:prefix \(none\)/,
    );
  });

  it('runs a Distributed Map over the bucket’s objects, each child reading its object', async () => {
    const bucket = rt.s3.buckets.get('ra-files')!;
    for (let i = 0; i < 4; i++)
      await raw.send(new PutObjectCommand({ Bucket: bucket, Key: `partitions/p${i}`, Body: 'x'.repeat(10 * (i + 1)) }));
    const svc = rt.stepFunctions.service;
    const { executionArn } = svc.startExecution({
      stateMachineArn: rt.stepFunctions.machines[0]!.arn,
      input: JSON.stringify({ bucket, prefix: 'partitions/', run: 'e2e' }),
    });
    await svc.idle();
    const d = svc.describeExecution({ executionArn }) as { status: string; output: string };
    expect(d.status).toBe('SUCCEEDED');
    const manifestKey = (JSON.parse(d.output) as { map: { ResultWriterDetails: { Key: string } } }).map
      .ResultWriterDetails.Key;
    const manifest = JSON.parse(
      await (await raw.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }))).Body!.transformToString(),
    ) as { ResultFiles: { SUCCEEDED: Array<{ Key: string }> } };
    const results = JSON.parse(
      await (
        await raw.send(new GetObjectCommand({ Bucket: bucket, Key: manifest.ResultFiles.SUCCEEDED[0]!.Key }))
      ).Body!.transformToString(),
    ) as Array<{ Output: string }>;
    expect(results.map((r) => (JSON.parse(r.Output) as { bytes: number }).bytes).sort((a, b) => a - b)).toEqual([
      10, 20, 30, 40,
    ]);
    expect(rt.invocations.filter((i) => i.function === 'ra-part')).toHaveLength(4);
  });
});

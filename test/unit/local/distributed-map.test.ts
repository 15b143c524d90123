// The local engine runs a Distributed Map as AWS does (decision 0024): items from S3 (ItemReader:
// listObjectsV2, getObject of CSV / JSON / JSON Lines), ItemSelector, ItemBatcher, MaxConcurrency,
// ToleratedFailurePercentage, ResultWriter files in S3, the machine's bucket grants, and each child
// workflow journaled so that a restart runs only the children that had not finished. The S3 API is
// a real one (s3rver, in-process, on a free port).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FunctionDefinition, StateMachineDefinition } from '../../../infra/catalog';
import { PROJECT_ROOT } from '../../../infra/local/dynamodb-local';
import { startLocalS3, type LocalS3 } from '../../../infra/local/s3';
import { StatesError } from '../../../infra/local/stepfunctions/asl';
import { loadLocalMachines } from '../../../infra/local/stepfunctions/definitions';
import {
  batchItems,
  exceedsTolerance,
  parseCsvRows,
  parseItems,
} from '../../../infra/local/stepfunctions/distributed-map';
import { StepFunctionsService } from '../../../infra/local/stepfunctions/service';

const REGION = 'us-east-1';

describe('ItemReader parsing, batching and the failure threshold (pure)', () => {
  it('reads CSV as AWS does: header from the first row, quoted fields, CRLF, values as strings', () => {
    const csv = 'id,name,note\r\n1,"Smith, J","said ""hi""\nthen left"\r\n2,Ann,\r\n';
    expect(parseItems(csv, { InputType: 'CSV' })).toEqual([
      { id: '1', name: 'Smith, J', note: 'said "hi"\nthen left' },
      { id: '2', name: 'Ann', note: '' },
    ]);
  });

  it('takes given headers and other delimiters, and stops at MaxItems', () => {
    expect(
      parseItems('a|b\nc|d\ne|f\n', {
        InputType: 'CSV',
        CSVHeaderLocation: 'GIVEN',
        CSVHeaders: ['x', 'y'],
        CSVDelimiter: 'PIPE',
        MaxItems: 2,
      }),
    ).toEqual([
      { x: 'a', y: 'b' },
      { x: 'c', y: 'd' },
    ]);
    expect(parseCsvRows('\uFEFFa;b\n\n1;2', ';')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads JSON arrays and JSON Lines (blank lines skipped), naming the bad line', () => {
    expect(parseItems('[{"a":1},2]', { InputType: 'JSON' })).toEqual([{ a: 1 }, 2]);
    expect(parseItems('{"a":1}\n\n{"a":2}\r\n', { InputType: 'JSONL' })).toEqual([{ a: 1 }, { a: 2 }]);
    expect(() => parseItems('{"a":1}\n{oops', { InputType: 'JSONL' })).toThrow(/line 2 of the JSON Lines file/);
    expect(() => parseItems('{"a":1}', { InputType: 'JSON' })).toThrow(/must hold an array/);
    expect(() => parseItems('a,b\n"open', { InputType: 'CSV' })).toThrow(/ends inside a quoted field/);
    try {
      parseItems('x', { InputType: 'MANIFEST' });
    } catch (err) {
      expect(err).toBeInstanceOf(StatesError);
      expect((err as StatesError).error).toBe('States.ItemReaderFailed');
    }
  });

  it('batches by item count and by bytes', () => {
    expect(batchItems([1, 2, 3, 4, 5], { MaxItemsPerBatch: 2 })).toEqual([[1, 2], [3, 4], [5]]);
    const big = 'x'.repeat(100);
    expect(batchItems([big, big, big], { MaxInputBytesPerBatch: 250 }).map((b) => b.length)).toEqual([2, 1]);
  });

  it('fails a run when failures exceed the count or the percentage tolerated (none tolerated by default)', () => {
    expect(exceedsTolerance(0, 10)).toBe(false);
    expect(exceedsTolerance(1, 10)).toBe(true);
    expect(exceedsTolerance(3, 10, undefined, 30)).toBe(false);
    expect(exceedsTolerance(4, 10, undefined, 30)).toBe(true);
    expect(exceedsTolerance(2, 10, 2)).toBe(false);
    expect(exceedsTolerance(3, 10, 2)).toBe(true);
  });
});

const fnDef = (name: string): FunctionDefinition => ({
  name,
  description: name,
  entry: `test/${name}.ts`,
  memoryMb: 128,
  timeoutSeconds: 10,
  triggers: [],
});
const machine = (name: string, buckets?: StateMachineDefinition['buckets']): StateMachineDefinition => ({
  name,
  description: `fixture ${name}`,
  definitionFile: `test/fixtures/state-machines/${name.replace(/-nogrant$/, '')}.asl.json`,
  type: 'STANDARD',
  substitutions: { StepFn: { function: 'step' } },
  buckets,
});

describe('a Distributed Map in the local engine, against a real S3 API', () => {
  const dirs: string[] = [];
  let s3: LocalS3;
  let client: S3Client;
  let bucket: string;
  const services: StepFunctionsService[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nocturne-dmap-s3-'));
    dirs.push(dir);
    s3 = await startLocalS3({ dataDir: dir, buckets: [{ name: 'fixture-files', description: 'x' }], prefix: 'test' });
    bucket = s3.buckets.get('fixture-files')!;
    client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });
  afterEach(async () => {
    for (const s of services.splice(0)) await s.shutdown();
  });
  afterAll(async () => {
    client.destroy();
    await s3.stop();
    dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const get = async (key: string) =>
    (await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString()) as string;

  function service(step: (event: Record<string, unknown>) => Promise<unknown>, dataDir?: string) {
    const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'nocturne-dmap-'));
    if (!dataDir) dirs.push(dir);
    const machines = loadLocalMachines(
      PROJECT_ROOT,
      [
        machine('distributed-list', { 'fixture-files': 'readwrite' }),
        machine('distributed-file', { 'fixture-files': 'read' }),
        machine('distributed-file-nogrant'),
      ],
      [fnDef('step')],
      REGION,
    );
    const svc = new StepFunctionsService({
      machines,
      dataDir: dir,
      region: REGION,
      timeScale: 0.02,
      log: () => {},
      invoke: (_fn, payload) => step(payload as Record<string, unknown>),
      s3: { client, buckets: s3.buckets },
    });
    svc.start();
    services.push(svc);
    return { svc, dir };
  }

  const arnOf = (name: string) => `arn:aws:states:${REGION}:000000000000:stateMachine:${name}`;
  async function finished(svc: StepFunctionsService, executionArn: string) {
    await svc.idle();
    return svc.describeExecution({ executionArn }) as {
      status: string;
      output?: string;
      error?: string;
      cause?: string;
    };
  }

  it('maps every object under a prefix, at most MaxConcurrency at once, and writes the results to S3', async () => {
    for (let i = 0; i < 5; i++) await put(`parts/p${i}.jsonl`, 'x'.repeat(i + 1));
    await put('other/ignored.jsonl', 'no');
    let running = 0;
    let peak = 0;
    const seen: unknown[] = [];
    const { svc } = service(async (event) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      seen.push(event);
      return { key: event.key, doubled: Number(event.size) * 2 };
    });
    const { executionArn } = svc.startExecution({
      stateMachineArn: arnOf('distributed-list'),
      input: JSON.stringify({ bucket, prefix: 'parts/', run: 'r1' }),
    });
    const d = await finished(svc, executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(peak).toBe(2);
    expect(seen).toHaveLength(5);
    expect(seen).toContainEqual({ key: 'parts/p3.jsonl', size: 4, run: 'r1' });
    const out = JSON.parse(d.output!) as {
      map: { MapRunArn: string; ResultWriterDetails: { Bucket: string; Key: string } };
    };
    expect(out.map.MapRunArn).toMatch(/:mapRun:distributed-list\/EachObject:/);
    expect(out.map.ResultWriterDetails.Bucket).toBe(bucket);
    expect(out.map.ResultWriterDetails.Key).toMatch(/^map-results\/[0-9a-f-]{36}\/manifest\.json$/);
    const manifest = JSON.parse(await get(out.map.ResultWriterDetails.Key)) as {
      ResultFiles: { SUCCEEDED: Array<{ Key: string }>; FAILED: unknown[] };
    };
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const succeeded = JSON.parse(await get(manifest.ResultFiles.SUCCEEDED[0]!.Key)) as Array<{
      Status: string;
      Output: string;
    }>;
    expect(succeeded.map((e) => e.Status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(succeeded.map((e) => JSON.parse(e.Output).doubled as number).sort((a, b) => a - b)).toEqual([
      2, 4, 6, 8, 10,
    ]);
    // The parent's history shows the map run, not each child's steps (as in AWS).
    const types = (svc.getExecutionHistory({ executionArn }) as { events: Array<{ type: string }> }).events.map(
      (e) => e.type,
    );
    expect(types).toEqual(
      expect.arrayContaining(['MapStateStarted', 'MapRunStarted', 'MapRunSucceeded', 'MapStateSucceeded']),
    );
    expect(types).not.toContain('LambdaFunctionScheduled');
  });

  it('reads CSV rows in batches with their BatchInput, and tolerates failures up to the percentage', async () => {
    await put('rows.csv', 'id,qty\n1,10\n2,20\n3,30\n4,40\n5,50\n6,60\n');
    const batches: unknown[] = [];
    const { svc } = service(async (event) => {
      batches.push(event);
      const items = event.Items as Array<{ id: string }>;
      if (items.some((i) => i.id === '3')) throw Object.assign(new Error('bad row 3'), { name: 'RowError' });
      return items.map((i) => i.id);
    });
    const input = { bucket, key: 'rows.csv', batch: 2, run: 'r2', tolerated: 34 };
    const ok = svc.startExecution({ stateMachineArn: arnOf('distributed-file'), input: JSON.stringify(input) });
    const d = await finished(svc, ok.executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(batches).toHaveLength(3);
    expect(batches).toContainEqual({
      BatchInput: { run: 'r2' },
      Items: [
        { id: '1', qty: '10' },
        { id: '2', qty: '20' },
      ],
    });
    const output = JSON.parse(d.output!) as unknown[];
    expect(output[0]).toEqual(['1', '2']);
    expect(output[1]).toMatchObject({ Error: 'RowError' });
    expect(output[2]).toEqual(['5', '6']);

    const strict = svc.startExecution({
      stateMachineArn: arnOf('distributed-file'),
      input: JSON.stringify({ ...input, tolerated: 0 }),
    });
    const f = await finished(svc, strict.executionArn);
    expect(f.status).toBe('FAILED');
    expect(f.error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('refuses to read a bucket the machine is not granted, as its role would in AWS', async () => {
    const { svc } = service(async () => 'never');
    const { executionArn } = svc.startExecution({
      stateMachineArn: arnOf('distributed-file-nogrant'),
      input: JSON.stringify({ bucket, key: 'rows.csv', batch: 2, run: 'r3', tolerated: 0 }),
    });
    const d = await finished(svc, executionArn);
    expect(d.status).toBe('FAILED');
    expect(d.error).toBe('S3.AccessDeniedException');
    expect(d.cause).toMatch(/set buckets: \{ 'fixture-files': 'read' \}/);
  });

  it('resumes after a restart: children that finished are not run again', async () => {
    await put('resume.csv', 'id\n1\n2\n3\n4\n5\n6\n');
    const calls: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const first = service(async (event) => {
      const ids = (event.Items as Array<{ id: string }>).map((i) => i.id);
      calls.push(ids.join('+'));
      if (ids.includes('5')) await blocked; // still running when the runtime stops
      return ids;
    });
    const input = JSON.stringify({ bucket, key: 'resume.csv', batch: 2, run: 'r4', tolerated: 0 });
    const { executionArn } = first.svc.startExecution({ stateMachineArn: arnOf('distributed-file'), input });
    for (let i = 0; i < 200 && calls.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls.sort()).toEqual(['1+2', '3+4', '5+6']);
    const stopping = first.svc.shutdown();
    release();
    await stopping;
    services.splice(services.indexOf(first.svc), 1);

    const again: string[] = [];
    const second = service(async (event) => {
      const ids = (event.Items as Array<{ id: string }>).map((i) => i.id);
      again.push(ids.join('+'));
      return ids;
    }, first.dir);
    const d = await finished(second.svc, executionArn);
    expect(d.status).toBe('SUCCEEDED');
    expect(again).toEqual(['5+6']);
    expect(JSON.parse(d.output!)).toEqual([
      ['1', '2'],
      ['3', '4'],
      ['5', '6'],
    ]);
  });
});

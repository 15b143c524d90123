// Revenue assurance runs through the whole local runtime: both sides' sealed files in the local S3,
// POST /ra/runs → the ra-reconcile machine (split, a Distributed Map over the partition manifest,
// summarize) → a stored run whose counts are the injected truth, findings paged, filtered and
// exported as CSV, a leakage violation raised as a nocturne-ra alert with its ticket in the RA
// queue; a re-run replaces the period's findings (never doubles them); clean files clear the
// violation and resolve its ticket once (a later breach opens a new one); a tampered file fails the run whole with a clear error and an alert.
// The stored volumes (current runs and imported history) are read back through GET /ra/volumes and
// backtested by the CLI (`npm run ra -- volumes export`, `backtest --volumes`, `backtest --api`).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { keyIdOf, sealEnvelope } from '../../shared/adapters/envelope';
import { bucketName, putObject } from '../../shared/adapters/s3';
import { loadInbox } from '../../shared/app/revenue/load';
import { RA_BUCKET, RA_KEY } from '../../shared/app/revenue/runs';
import { RA_INTEGRATION_ID } from '../../shared/domain/revenue/controls';
import { backtestVolumes, type VolumePoint } from '../../shared/domain/revenue/anomalies';
import type { Side } from '../../shared/domain/revenue/types';
import { getLiveAlert } from '../../shared/store/alerts';
import { putVolumeHistory } from '../../shared/store/revenue';
import { revenueKeys } from '../../shared/store/keys';
import { queryAll } from '../../shared/store/query';
import { ensureConfig } from '../../shared/store/ticket-config';
import { RA_CATEGORY, RA_QUEUE, demoUsageDay, deliverUsageDay, usageFileKey } from '../../infra/local/demo/revenue';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(120_000);

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const RESPONDER = 'demo-responder-token';
const VIEWER = 'demo-viewer-token';
const DAY = '2026-11-20';
const TAMPERED_DAY = '2026-11-21';

let rt: TestRuntime;
let raw: S3Client;

beforeAll(async () => {
  rt = await startTestRuntime();
  raw = new S3Client({
    endpoint: rt.s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const now = new Date().toISOString();
  await ensureConfig('queue', RA_QUEUE, now);
  await ensureConfig('category', RA_CATEGORY, now);
});
afterAll(async () => {
  raw?.destroy();
  await rt?.stop();
});

async function get<T = Doc>(path: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await rt.request('GET', path, { token: VIEWER, headers });
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}

/** Starts a run and waits for its execution to end; answers the stored run. */
async function run(period: string, key?: string): Promise<Doc> {
  const r = await rt.request('POST', '/ra/runs', {
    token: RESPONDER,
    body: { period },
    headers: key ? { 'idempotency-key': key } : {},
  });
  expect(r.status).toBe(202);
  const started = (await r.json()) as Doc;
  expect(r.headers.get('location')).toBe(`/ra/runs/${started.id}`);
  await rt.stepFunctions.service.idle();
  return get(`/ra/runs/${started.id}`);
}

const findingItems = async (runId: string) =>
  queryAll({ what: 'test', pk: revenueKeys.findings(runId), projection: 'pk' });

describe('stored reconciliation runs', () => {
  const day = demoUsageDay(DAY);
  let first: Doc;

  it('reconciles a period through the Distributed Map: counts are the injected truth', async () => {
    await deliverUsageDay(DAY, day, new Date());
    first = await run(DAY, 'e2e-first');
    expect(first).toMatchObject({ period: DAY, status: 'succeeded', trigger: { kind: 'api', by: 'demo-responder' } });
    expect(first.summary.counts).toEqual(day.expected);
    expect(first.summary.partitions).toBe(16);
    expect(first.summary.leakagePct).toBeGreaterThan(0.1);
    expect(Object.keys(first.summary.byService).sort()).toEqual([
      'data:mo',
      'data:mt',
      'sms:mo',
      'sms:mt',
      'voice:mo',
      'voice:mt',
    ]);
    expect(first.files).toEqual({ billing: [usageFileKey('billing', DAY)], network: [usageFileKey('network', DAY)] });
    expect(first.executionArn).toMatch(/:execution:ra-reconcile:/);
    // The run's intermediate objects (partitions, manifest, map results) are gone.
    const leftovers = await raw
      .send(new GetObjectCommand({ Bucket: rt.s3.buckets.get('ra-files')!, Key: `runs/${first.id}/partitions.json` }))
      .then(() => 'present')
      .catch((err: Error) => err.name);
    expect(leftovers).toBe('NoSuchKey');
    // Nothing written for Extract: it reads the period's current run from the store.
    const resultFile = await raw
      .send(new GetObjectCommand({ Bucket: rt.s3.buckets.get('ra-files')!, Key: `results/${DAY}/findings.csv` }))
      .then(() => 'present')
      .catch((err: Error) => err.name);
    expect(resultFile).toBe('NoSuchKey');
  });

  it('answers the same run for a repeated Idempotency-Key', async () => {
    const r = await rt.request('POST', '/ra/runs', {
      token: RESPONDER,
      body: { period: DAY },
      headers: { 'idempotency-key': 'e2e-first' },
    });
    expect(r.status).toBe(202);
    expect(((await r.json()) as Doc).id).toBe(first.id);
  });

  it('pages findings with filters and exports them as CSV', async () => {
    const missing = await get(`/ra/runs/${first.id}/findings?class=missing_in_billing&limit=2`);
    expect(missing.items).toHaveLength(2);
    expect(missing.items[0]).toMatchObject({ class: 'missing_in_billing', network: { quantity: expect.any(Number) } });
    expect(missing.items[0].billing).toBeUndefined();
    const rest = await get(
      `/ra/runs/${first.id}/findings?class=missing_in_billing&limit=50&cursor=${missing.nextCursor}`,
    );
    expect(missing.items.length + rest.items.length).toBe(day.expected.missing_in_billing);

    const voice = await get(`/ra/runs/${first.id}/findings?service=voice&limit=200`);
    expect(voice.items.every((f: Doc) => f.service === 'voice')).toBe(true);
    expect(voice.items.some((f: Doc) => f.class === 'quantity_mismatch')).toBe(true);

    const r = await rt.request('GET', `/ra/runs/${first.id}/findings?direction=mo`, {
      token: VIEWER,
      headers: { accept: 'text/csv' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await r.text()).trim().split('\n');
    expect(lines[0]).toBe('record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value');
    const all = Object.entries(day.expected).reduce((n, [c, v]) => (c === 'matched' ? n : n + v), 0);
    expect(lines.length - 1).toBeGreaterThan(0);
    expect(lines.length - 1).toBeLessThan(all);

    const bad = await rt.request('GET', `/ra/runs/${first.id}/findings?class=leak`, { token: VIEWER });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('class');
  });

  it('raises the leakage violation as a nocturne-ra alert and opens its ticket in the RA queue', async () => {
    const alert = await getLiveAlert(RA_INTEGRATION_ID, 'ra:leakage');
    expect(alert).toMatchObject({ status: 'firing', severity: 'warning', service: 'revenue-assurance' });
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:missing-in-billing')).toBeUndefined();
    expect(first.controls.find((c: Doc) => c.control === 'leakage')).toMatchObject({ breached: true });
    const tickets = await get('/tickets?queue=revenue-assurance', {});
    expect(tickets.items).toHaveLength(1);
    expect(tickets.items[0]).toMatchObject({
      categoryId: 'revenue-assurance',
      subject: expect.stringContaining('leakage'),
    });
  });

  it('a re-run of the period replaces its findings, never doubles them', async () => {
    const before = (await findingItems(first.id)).length;
    const again = await run(DAY);
    expect(again.id).not.toBe(first.id);
    expect(again.summary.counts).toEqual(day.expected);
    expect((await findingItems(again.id)).length).toBe(before);
    expect(await findingItems(first.id)).toHaveLength(0);
    expect(await get(`/ra/runs/${first.id}`)).toMatchObject({ status: 'superseded', supersededBy: again.id });
    const gone = await rt.request('GET', `/ra/runs/${first.id}/findings`, { token: VIEWER });
    expect(gone.status).toBe(409);
    // Still one violation and one ticket.
    expect((await get('/tickets?queue=revenue-assurance')).items).toHaveLength(1);
    const runs = await get(`/ra/runs?period=${DAY}`);
    expect(runs.items.map((r: Doc) => r.id)).toEqual([again.id, first.id]);
  });

  it('clears the violation when a later run is back within range: the alert and its ticket resolve, once', async () => {
    const [opened] = (await get('/tickets?queue=revenue-assurance')).items as Doc[];
    await deliverUsageDay(DAY, demoUsageDay(DAY, { clean: true }), new Date());
    const clean = await run(DAY);
    expect(clean.summary.counts.missing_in_billing).toBe(0);
    expect(clean.summary.leakage).toBe(0);
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:leakage')).toBeUndefined();
    const resolved = await get(`/tickets/${opened!.id}`);
    expect(resolved).toMatchObject({ status: 'resolved', resolution: { code: 'done' } });
    const comments = (await get(`/tickets/${opened!.id}/comments`)).items as Doc[];
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`run ${clean.id} of ${DAY}`);
    expect(comments[0]!.body).toContain('Revenue leakage on 2026-11-20: 0% of billed revenue');

    // Run again, still clean: nothing new (no comment, no ticket, the resolved ticket untouched).
    await run(DAY);
    expect(await get(`/tickets/${opened!.id}`)).toMatchObject({ status: 'resolved', revision: resolved.revision });
    expect((await get(`/tickets/${opened!.id}/comments`)).items).toHaveLength(1);
    expect((await get('/tickets?queue=revenue-assurance')).items).toHaveLength(1);

    // A later breach is a new violation: a new ticket; the resolved one stays as it was.
    await deliverUsageDay(DAY, day, new Date());
    await run(DAY);
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:leakage')).toMatchObject({ status: 'firing' });
    const tickets = (await get('/tickets?queue=revenue-assurance')).items as Doc[];
    expect(tickets).toHaveLength(2);
    expect(tickets.find((t) => t.id !== opened!.id)).toMatchObject({ subject: expect.stringContaining('leakage') });
    expect(await get(`/tickets/${opened!.id}`)).toMatchObject({ status: 'resolved', revision: resolved.revision });
  });

  it('fails a run with a tampered batch whole: clear error, an alert, nothing loaded', async () => {
    await deliverUsageDay(TAMPERED_DAY, demoUsageDay(TAMPERED_DAY), new Date());
    const bucket = rt.s3.buckets.get('ra-files')!;
    const manifest = JSON.parse(
      await (
        await raw.send(new GetObjectCommand({ Bucket: bucket, Key: `loads/network/${TAMPERED_DAY}/usage.jsonl.json` }))
      ).Body!.transformToString(),
    ) as { batches: string[] };
    const key = manifest.batches[0]!;
    const bytes = Buffer.from(
      await (await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray(),
    );
    bytes[bytes.length - 40]! ^= 0x01;
    await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));

    const failed = await run(TAMPERED_DAY);
    expect(failed.status).toBe('failed');
    expect(failed.error.kind).toBe('RaFileRejected');
    expect(failed.error.message).toContain(key);
    expect(failed.error.message).toContain('tampered');
    expect(failed.summary).toBeUndefined();
    expect(await findingItems(failed.id)).toHaveLength(0);
    const alert = await getLiveAlert(RA_INTEGRATION_ID, 'ra:file-rejected');
    expect(alert?.summary).toContain('tampered');
    const description = await rt.stepFunctions.service.describeExecution({ executionArn: failed.executionArn });
    expect((description as Doc).status).toBe('FAILED');
  });

  it('fails a run of a day whose files were not loaded, saying so', async () => {
    const none = await run('2026-11-01');
    expect(none).toMatchObject({ status: 'failed', error: { kind: 'RaNoFiles' } });
    expect(none.error.message).toContain('billing');
  });
});

describe('the split fans out', () => {
  // A period delivered as several files per side: Load writes one batch per file, and the Pieces
  // map (the first Distributed Map) cuts each batch in an item of its own; a billing duplicate whose
  // copies are in two files still meets itself in one partition.
  const PERIOD = '2026-08-20';
  const day = demoUsageDay(PERIOD);

  /** Each side's file cut into files at the given line indexes (CSV: each with the header), delivered and loaded. */
  async function deliverInParts(cuts: Record<Side, number[]>): Promise<void> {
    const bucket = bucketName(RA_BUCKET);
    const keyId = keyIdOf(RA_KEY);
    for (const side of ['billing', 'network'] as const) {
      const lines = day[side].trim().split('\n');
      const header = side === 'billing' ? lines.shift()! : undefined;
      const bounds = [0, ...cuts[side], lines.length];
      for (let i = 0; i + 1 < bounds.length; i++) {
        const body = [...(header ? [header] : []), ...lines.slice(bounds[i], bounds[i + 1])].join('\n') + '\n';
        const name = `part-${i + 1}.${side === 'billing' ? 'csv' : 'jsonl'}`;
        await putObject(bucket, usageFileKey(side, PERIOD, name), await sealEnvelope(Buffer.from(body), keyId));
      }
    }
    await loadInbox({ bucket, keyId, now: new Date() });
  }

  it('splits each input batch in its own Distributed Map item; counts are the injected truth', async () => {
    const billing = day.billing.trim().split('\n').slice(1);
    const copy = billing.findIndex((line, i) => i > 0 && line === billing[i - 1]);
    expect(copy).toBeGreaterThan(0);
    // The first duplicate's copies end up in two files.
    await deliverInParts({ billing: [copy, Math.floor((copy + billing.length) / 2)], network: [200] });
    const done = await run(PERIOD);
    expect(done.status).toBe('succeeded');
    expect(done.summary.counts).toEqual(day.expected);
    expect(done.files.billing).toHaveLength(3);
    expect(done.files.network).toHaveLength(2);
    expect(done.summary.partitions).toBe(16);
    // Two Distributed Maps ran: Pieces over the 5 batches, then Partitions over the 16 partitions.
    const { events } = rt.stepFunctions.service.getExecutionHistory({ executionArn: done.executionArn });
    const maps = events
      .filter((e) => e.type === 'MapStateStarted')
      .map((e) => (e.mapStateStartedEventDetails as { length: number }).length);
    expect(maps).toEqual([5, 16]);
    // Bad lines and volumes are the sum over the items: one day per series, every record counted.
    expect(done.badLines).toMatchObject({ billing: { count: 0 }, network: { count: 0 } });
    const volume = (side: string) =>
      (done.volumes as Doc[]).filter((v) => v.series.startsWith(`${side}:`)).reduce((n, v) => n + v.volume, 0);
    expect(volume('billing')).toBe(billing.length);
    expect(volume('network')).toBe(day.network.trim().split('\n').length);
    // Nothing of the run is left under runs/<runId>/ (items, pieces, manifests, results).
    const left = await raw.send(
      new ListObjectsV2Command({ Bucket: rt.s3.buckets.get('ra-files')!, Prefix: `runs/${done.id}/` }),
    );
    expect(left.KeyCount).toBe(0);
  });
});

describe('bad input', () => {
  it('names the field', async () => {
    for (const body of [{ period: '2026-13-01' }, { period: 'yesterday' }, {}, { period: '2026-11-20', extra: 1 }]) {
      const r = await rt.request('POST', '/ra/runs', { token: RESPONDER, body });
      expect([400, 422]).toContain(r.status);
      expect(JSON.stringify(await r.json())).toMatch(/period|extra/);
    }
    const future = await rt.request('POST', '/ra/runs', { token: RESPONDER, body: { period: '2999-01-01' } });
    expect(future.status).toBe(422);
    const missing = await rt.request('GET', '/ra/runs/nope', { token: VIEWER });
    expect(missing.status).toBe(404);
  });
});

describe('stored volumes: GET /ra/volumes and the backtest over them', () => {
  // Eight weeks of imported history before DAY for two series, one injected drop.
  const DROP_DAY = '2026-11-12';
  const historyDays = Array.from({ length: 57 }, (_, i) =>
    new Date(Date.parse('2026-09-24T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10),
  );
  const exec = promisify(execFile);
  const cli = (...args: string[]) =>
    exec(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../scripts/ra.ts'), ...args], {
      cwd: path.join(__dirname, '../..'),
      env: { ...process.env, NO_COLOR: '1' },
    });
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ra-volumes-'));
    for (const [i, period] of historyDays.entries())
      await putVolumeHistory({
        period,
        source: 'test',
        importedAt: '2026-11-21T00:00:00.000Z',
        volumes: [
          { series: 'network:sms:mo', period, volume: period === DROP_DAY ? 900 : 5000 + (i % 5) * 20 },
          { series: 'billing:sms:mo', period, volume: 5000 + (i % 3) * 25 },
        ],
      });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function allDays(query: string, limit: number): Promise<Doc[]> {
    const days: Doc[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/ra/volumes?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(limit);
      days.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return days;
  }

  it('pages each day once, oldest first: the current run’s volumes, else the imported history', async () => {
    const days = await allDays('from=2026-09-01&to=2026-11-30', 20);
    expect(days.map((d) => d.period)).toEqual([...historyDays, DAY]);
    expect(days.slice(0, -1).every((d) => d.source === 'history' && d.volumes.length === 2)).toBe(true);
    const current = (await get(`/ra/runs?period=${DAY}`)).items.find((r: Doc) => r.status === 'succeeded');
    expect(days.at(-1)).toMatchObject({ period: DAY, source: 'run', runId: current.id });
    expect(days.at(-1)!.volumes.length).toBeGreaterThan(0);
    expect(days.at(-1)!.volumes.every((v: Doc) => v.period === DAY)).toBe(true);
    // The range and the series filter.
    const week = await allDays('from=2026-11-14&to=2026-11-20&series=billing', 3);
    expect(week.map((d) => d.period)).toEqual([
      '2026-11-14',
      '2026-11-15',
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      DAY,
    ]);
    expect(week.flatMap((d) => d.volumes).every((v: Doc) => v.series.startsWith('billing:'))).toBe(true);
  });

  it('refuses a bad range, series, limit or cursor with a problem naming the field', async () => {
    // Values the query refuses are 422 like every ops route's; an unusable cursor or an unknown parameter 400.
    for (const [query, field, status] of [
      ['from=2026-13-01', 'from', 422],
      ['from=2026-11-20&to=2026-11-19', 'to', 422],
      ['series=net work', 'series', 422],
      ['limit=0', 'limit', 422],
      ['cursor=bm90IGpzb24', 'cursor', 400],
      ['since=2026-11-01', 'since', 400],
    ] as const) {
      const r = await rt.request('GET', `/ra/volumes?${query}`, { token: VIEWER });
      expect({ query, status: r.status, type: r.headers.get('content-type') }).toEqual({
        query,
        status,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(((await r.json()) as Doc).errors.map((e: Doc) => e.field)).toContain(field);
    }
  });

  it('exports them as JSON Lines the backtest reads, and backtests them from the API directly', async () => {
    const out = path.join(dir, 'volumes.jsonl');
    const exported = await cli(
      'volumes',
      'export',
      '--api',
      rt.url,
      '--token',
      VIEWER,
      '--from',
      '2026-09-01',
      '--out',
      out,
    );
    expect(exported.stderr).toContain(`exported`);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Doc);
    const stored = (await allDays('from=2026-09-01', 200)).flatMap((d) => d.volumes as VolumePoint[]);
    expect(lines.map(({ period, series, volume }) => ({ series, period, volume }))).toEqual(stored);
    expect(lines.filter((l) => l.source === 'run').every((l) => l.period === DAY)).toBe(true);

    const expected = backtestVolumes(stored);
    expect(expected.flags).toContainEqual(
      expect.objectContaining({ series: 'network:sms:mo', period: DROP_DAY, kind: 'drop' }),
    );
    const fromFile = JSON.parse((await cli('backtest', '--volumes', out)).stdout) as Doc;
    expect(fromFile).toMatchObject({
      flagged: expected.flagged,
      judged: expected.judged,
      flags: expected.flags,
      badLines: 0,
    });
    const fromApi = JSON.parse(
      (await cli('backtest', '--api', rt.url, '--token', VIEWER, '--from', '2026-09-01')).stdout,
    ) as Doc;
    expect(fromApi).toMatchObject({
      flagged: expected.flagged,
      flags: expected.flags,
      source: { days: historyDays.length + 1, fromRuns: 1 },
    });
  });

  it('says what the API refused, and exits 1', async () => {
    await expect(cli('volumes', 'export', '--api', rt.url, '--token', 'not-a-token')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('answered 401'),
    });
  });
});

// The RA daemons through the local runtime, as the catalog wires them (schedules, the RA bucket and
// key, grants checked as IAM would): Load takes a good and a tampered file from the inbox and
// registers its job (GET /jobs/ra-load), the tampered file's alert shows in GET /alerts; Extract
// writes a partner's findings to the outbox; ra-balance reconciles an OCS balance file. One runtime
// for the file.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalDataKeyProvider, openEnvelope, sealEnvelope } from '../../shared/adapters/envelope';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(120_000);

let rt: TestRuntime;
let raw: S3Client;
let bucket: string;
let keys: LocalDataKeyProvider;
const VIEWER = 'demo-viewer-token';
const at = (minutes: number) => new Date(Date.parse('2026-11-30T03:00:00Z') + minutes * 60_000).toISOString();
const scheduled = (minutes: number) => ({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: at(minutes) });

beforeAll(async () => {
  rt = await startTestRuntime();
  bucket = rt.s3.buckets.get('ra-files')!;
  keys = new LocalDataKeyProvider(rt.dataDir);
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

const put = (Key: string, Body: Buffer | string) => raw.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
const seal = (text: string) => sealEnvelope(Buffer.from(text), 'local:ra', keys);
const get = async (Key: string) =>
  Buffer.from(await (await raw.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToByteArray());

describe('RA daemons in the local runtime', () => {
  it('loads the inbox, refuses a tampered file with an alert, and registers the ra-load job', async () => {
    const csv =
      'record_id,subscriber,service,direction,start_time,quantity,unit,charge\nc1,336,voice,mo,,60,s,0.1\nc2,336,fax,mo,,1,s,0\n';
    await put('inbox/billing/2026-11-29/day.csv', await seal(csv));
    const tampered = await seal(csv);
    tampered[tampered.length - 1]! ^= 0xff;
    await put('inbox/network/2026-11-29/day.csv', tampered);

    const r = (await rt.invoke('ra-load', scheduled(0))) as { files: Array<{ key: string; outcome: string }> };
    expect(r.files.map((f) => [f.key, f.outcome])).toEqual([
      ['inbox/billing/2026-11-29/day.csv', 'loaded'],
      ['inbox/network/2026-11-29/day.csv', 'rejected'],
    ]);
    const job = (await (await rt.request('GET', '/jobs/ra-load', { token: VIEWER })).json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(job).toMatchObject({ type: 'Load', category: 'Revenue assurance', status: 'up' });
    expect(job.state.lastRun).toMatchObject({ processed: 2, errored: 1 });
    const alerts = (await (await rt.request('GET', '/alerts?integration=nocturne-ra', { token: VIEWER })).json()) as {
      items: Array<{ dedupKey: string; status: string }>;
    };
    expect(alerts.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ dedupKey: 'ra:file:network/2026-11-29/day.csv', status: 'firing' }),
      ]),
    );
  });

  it("pages through the job's Normal probe when too many lines of a run are in error", async () => {
    const rows = Array.from({ length: 200 }, (_, i) =>
      i % 5 === 0 ? `e${i},,voice,mo,,60,s,0.1` : `e${i},336,voice,mo,,60,s,0.1`,
    );
    await put(
      'inbox/billing/2026-11-29/errors.csv',
      await seal(`record_id,subscriber,service,direction,start_time,quantity,unit,charge\n${rows.join('\n')}\n`),
    );
    const r = (await rt.invoke('ra-load', scheduled(5))) as { processed: number; errored: number };
    expect(r).toMatchObject({ processed: 200, errored: 40 });
    // The flip goes through the stream, the outbox and probe-alerts like any job's.
    let alert: { dedupKey: string; severity: string } | undefined;
    for (let i = 0; i < 100 && !alert; i++) {
      const page = (await (
        await rt.request('GET', '/alerts?integration=nocturne-probes', { token: VIEWER })
      ).json()) as { items: Array<{ dedupKey: string; severity: string; status: string }> };
      alert = page.items.find((a) => a.dedupKey === 'job:ra-load:errors' && a.status === 'firing');
      if (!alert) await new Promise((res) => setTimeout(res, 100));
    }
    expect(alert).toMatchObject({ severity: 'error' });
  });

  it("writes a partner's findings to the outbox, sealed, and registers the ra-extract job", async () => {
    await put('config/partners/mno.json', '{}');
    await put(
      'results/2026-11-29/findings.csv',
      'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value\nc9,missing_in_billing,,60,,0.1,0.1\n',
    );
    const r = (await rt.invoke('ra-extract', scheduled(15))) as { written: Array<{ key: string; rows: number }> };
    expect(r.written).toEqual([expect.objectContaining({ key: 'outbox/mno/findings-2026-11-29.csv', rows: 1 })]);
    const text = (await openEnvelope(await get('outbox/mno/findings-2026-11-29.csv'), { provider: keys })).toString();
    expect(text).toContain('c9,missing_in_billing');
    expect(await rt.request('GET', '/jobs/ra-extract', { token: VIEWER })).toMatchObject({ status: 200 });
  });

  it('reconciles an OCS balance file of a bill cycle', async () => {
    await put('balances/2026-11-30/ocs.csv', await seal('subscriber,bucket,value,unit\nnobody,dataMb,1024,\n'));
    const r = (await rt.invoke('ra-balance', scheduled(30))) as Array<Record<string, unknown>>;
    expect(r).toEqual([
      expect.objectContaining({
        cycle: '2026-11-30',
        status: 'reconciled',
        counts: expect.objectContaining({ missing_ours: 1 }),
      }),
    ]);
  });
});

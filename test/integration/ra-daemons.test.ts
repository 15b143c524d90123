// The RA daemons through a real S3 API (s3rver) and DynamoDB Local: a good file becomes sealed
// generic-format batches and moves to processed/; bad lines go to the file's error log and never
// stop it; a tampered or wrongly keyed file is refused whole with an alert; a retried load
// produces the same batches once; every run is a ping of the `ra-load` job, whose Normal probe
// fires when too many lines are in error. Extract writes each partner's findings to outbox/, sealed,
// once per source: a period's current stored run (a run superseded while read is never sent), or an
// operator's results file for a period without one. Balance reconciliation compares the OCS balance file of a bill
// cycle with what we sell each customer: findings, an alert and one ticket, both resolved (once) by a
// later clean file of the cycle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { LocalDataKeyProvider, openEnvelope, sealEnvelope } from '../../shared/adapters/envelope';
import { configureS3Client, getObjectBytes, listObjects, putObject } from '../../shared/adapters/s3';
import { reconcileNewBalanceFiles } from '../../shared/app/revenue/balance';
import { extractResults } from '../../shared/app/revenue/extract';
import { addSubscription, createCustomerAccount } from '../../shared/app/provisioning/customers';
import { createOrganization, createRealm } from '../../shared/store/customers';
import { createProductOffering, createProductSpecification } from '../../shared/store/product-catalog';
import { getTicket, listComments, ticketByDedupeKey } from '../../shared/store/tickets';
import { seedTicketDemo } from '../../infra/local/demo/tickets';
import { loadInbox } from '../../shared/app/revenue/load';
import { RA_INTEGRATION_ID } from '../../shared/domain/revenue/alerts';
import type { LoadManifest } from '../../shared/domain/revenue/files';
import { getLiveAlert } from '../../shared/store/alerts';
import { getJob } from '../../shared/store/probe-jobs';
import {
  deleteFindings,
  insertRun,
  listFindings,
  makeCurrent,
  putFindings,
  type RaRun,
} from '../../shared/store/revenue';
import { mergeResults } from '../../shared/domain/revenue/summary';
import type { Finding } from '../../shared/domain/revenue/types';
import { startLocalS3, type LocalS3 } from '../../infra/local/s3';
import { useOwnTable } from '../support/store';

jest.setTimeout(60_000);
useOwnTable();

const KEY = 'local:ra';
let s3: LocalS3;
let dataDir: string;
let bucket: string;
const saved = { ...process.env };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ra-load-'));
  s3 = await startLocalS3({ dataDir, buckets: [{ name: 'ra-files', description: 'test' }], prefix: 'ratest' });
  bucket = s3.buckets.get('ra-files')!;
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: s3.endpoint, NOCTURNE_DATA_DIR: dataDir });
});
afterAll(async () => {
  configureS3Client(() => {});
  await s3?.stop();
  process.env.AWS_ENDPOINT_URL_S3 = saved.AWS_ENDPOINT_URL_S3;
  process.env.NOCTURNE_DATA_DIR = saved.NOCTURNE_DATA_DIR;
  if (saved.AWS_ENDPOINT_URL_S3 === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
  if (saved.NOCTURNE_DATA_DIR === undefined) delete process.env.NOCTURNE_DATA_DIR;
  rmSync(dataDir, { recursive: true, force: true });
});

const HEADER = 'record_id,subscriber,service,direction,start_time,quantity,unit,charge';
const good = (n: number, from = 0) =>
  Array.from(
    { length: n },
    (_, i) => `c${from + i},33600000${i % 10},voice,mo,2026-11-28T10:00:00Z,${60 + i},s,${(0.1 * (i + 1)).toFixed(2)}`,
  );
const csv = (lines: string[]) => `${[HEADER, ...lines].join('\n')}\n`;
const deliver = async (key: string, text: string, keyId = KEY) =>
  putObject(bucket, key, await sealEnvelope(Buffer.from(text), keyId));
let clock = Date.parse('2026-11-29T02:00:00Z');
const run = () => {
  clock += 5 * 60_000;
  return loadInbox({ bucket, keyId: KEY, now: new Date(clock) });
};
const keys = async (prefix: string) => (await listObjects(bucket, prefix)).map((o) => o.key);
async function batchLines(prefix: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (const k of await keys(prefix)) {
    const text = gunzipSync(await openEnvelope(await getObjectBytes(bucket, k), { expectedKeyId: KEY })).toString();
    for (const line of text.split('\n')) if (line) out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

describe('RA Load daemon', () => {
  it('loads a good file into sealed generic batches, moves it to processed/ and registers its job', async () => {
    await deliver('inbox/billing/2026-11-28/bill-001.csv', csv(good(120)));
    const r = await run();
    expect(r.files).toEqual([
      {
        key: 'inbox/billing/2026-11-28/bill-001.csv',
        outcome: 'loaded',
        lines: 120,
        records: 120,
        errored: 0,
        batches: 1,
      },
    ]);
    expect(await keys('inbox/')).toEqual([]);
    expect(await keys('processed/')).toEqual(['processed/billing/2026-11-28/bill-001.csv']);
    const records = await batchLines('batches/billing/2026-11-28/bill-001.csv/');
    expect(records).toHaveLength(120);
    expect(records[0]).toEqual({
      record_id: 'c0',
      subscriber: '336000000',
      service: 'voice',
      direction: 'mo',
      start_time: '2026-11-28T10:00:00Z',
      quantity: 60,
      charge: 0.1,
    });
    // Batches are sealed: the bucket never holds the records in the clear.
    const [batchKey] = await keys('batches/billing/');
    expect((await getObjectBytes(bucket, batchKey!)).subarray(0, 6).toString()).toBe('NOCENV');
    const manifest = JSON.parse(
      (await getObjectBytes(bucket, 'loads/billing/2026-11-28/bill-001.csv.json')).toString(),
    ) as LoadManifest;
    expect(manifest).toMatchObject({ status: 'loaded', lines: 120, records: 120, errored: 0, batches: [batchKey] });

    const job = await getJob('ra-load');
    expect(job).toMatchObject({ type: 'Load', category: 'Revenue assurance', status: 'up' });
    expect(job!.state.lastRun).toMatchObject({ kind: 'success', processed: 120, errored: 0 });
  });

  it('keeps going past bad lines and lists them with line numbers and reasons', async () => {
    const lines = good(200, 1000);
    lines[4] = 'c1004,336000001,fax,mo,2026-11-28T10:00:00Z,60,s,0.1';
    lines[9] = 'c1009,336000001,voice,mo,2026-11-28T10:00:00Z,-3,s,0.1';
    lines[19] = 'c1019,too,few';
    await deliver('inbox/network/2026-11-28/mno-001.csv', csv(lines));
    const r = await run();
    expect(r.files[0]).toMatchObject({ outcome: 'loaded', lines: 200, records: 197, errored: 3 });
    const errors = (await getObjectBytes(bucket, 'errors/network/2026-11-28/mno-001.csv.jsonl'))
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; reason: string });
    expect(errors).toEqual([
      { line: 6, reason: "service 'fax' is not voice, sms or data" },
      { line: 11, reason: 'quantity is not a number ≥ 0' },
      { line: 21, reason: '3 columns where the header has 8' },
    ]);
    expect(await batchLines('batches/network/2026-11-28/mno-001.csv/')).toHaveLength(197);
  });

  it('refuses a tampered file whole, with a clear error and an alert; a later good delivery resolves it', async () => {
    const sealed = await sealEnvelope(Buffer.from(csv(good(50, 2000))), KEY);
    sealed[sealed.length - 30]! ^= 0x01;
    await putObject(bucket, 'inbox/network/2026-11-28/mno-002.csv', sealed);
    const r = await run();
    expect(r.files).toEqual([
      {
        key: 'inbox/network/2026-11-28/mno-002.csv',
        outcome: 'rejected',
        reason: 'the file was changed after it was encrypted (authentication tag mismatch)',
      },
    ]);
    expect(await keys('batches/network/2026-11-28/mno-002.csv/')).toEqual([]);
    expect(await keys('rejected/')).toEqual(['rejected/network/2026-11-28/mno-002.csv']);
    expect((await getObjectBytes(bucket, 'errors/network/2026-11-28/mno-002.csv.jsonl')).toString()).toContain(
      'authentication tag mismatch',
    );
    const alert = await getLiveAlert(RA_INTEGRATION_ID, 'ra:file:network/2026-11-28/mno-002.csv');
    expect(alert).toMatchObject({ status: 'firing', severity: 'error', service: 'revenue-assurance' });
    expect(alert!.summary).toMatch(/rejected, nothing loaded: the file was changed after it was encrypted/);

    await deliver('inbox/network/2026-11-28/mno-002.csv', csv(good(50, 2000)));
    expect((await run()).files[0]).toMatchObject({ outcome: 'loaded', records: 50 });
    expect(await keys('rejected/')).toEqual([]);
    // Resolved: no live alert under the key any more.
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:file:network/2026-11-28/mno-002.csv')).toBeUndefined();
  });

  it('refuses a file sealed under another key', async () => {
    const other = new LocalDataKeyProvider(dataDir);
    await putObject(
      bucket,
      'inbox/billing/2026-11-28/bill-002.csv',
      await sealEnvelope(Buffer.from(csv(good(5))), 'local:partner', other),
    );
    const r = await run();
    expect(r.files[0]).toMatchObject({
      outcome: 'rejected',
      reason: 'the file is encrypted for key local:partner, not local:ra',
    });
    expect(await keys('batches/billing/2026-11-28/bill-002.csv/')).toEqual([]);
  });

  it('loads a retried delivery once: the same batches, no second copy', async () => {
    const text = csv(good(30, 3000));
    const sealed = await sealEnvelope(Buffer.from(text), KEY);
    await putObject(bucket, 'inbox/billing/2026-11-29/bill-003.csv', sealed);
    await run();
    const first = await keys('batches/billing/2026-11-29/');
    // The partner delivers the same bytes again; then a new sealing of the same content.
    await putObject(bucket, 'inbox/billing/2026-11-29/bill-003.csv', sealed);
    expect((await run()).files).toEqual([{ key: 'inbox/billing/2026-11-29/bill-003.csv', outcome: 'duplicate' }]);
    await deliver('inbox/billing/2026-11-29/bill-003.csv', text);
    expect((await run()).files[0]).toMatchObject({ outcome: 'loaded', records: 30 });
    expect(await keys('batches/billing/2026-11-29/')).toEqual(first);
    expect(await batchLines('batches/billing/2026-11-29/')).toHaveLength(30);
    expect(await keys('inbox/')).toEqual([]);
  });

  it("applies the side's schema mapping from config/mappings/<side>.json", async () => {
    await putObject(
      bucket,
      'config/mappings/network.json',
      JSON.stringify({
        delimiter: ';',
        columns: { recordId: 'cdr_id' },
        services: { MOC: 'voice' },
        units: { voice: 'min' },
      }),
    );
    await deliver(
      'inbox/network/2026-11-29/mno-003.csv',
      'cdr_id;subscriber;service;direction;start_time;quantity;charge\nm1;3361;MOC;mo;2026-11-29T01:00:00Z;2;0.5\n',
    );
    expect((await run()).files[0]).toMatchObject({ outcome: 'loaded', records: 1, errored: 0 });
    expect(await batchLines('batches/network/2026-11-29/mno-003.csv/')).toEqual([
      expect.objectContaining({ record_id: 'm1', service: 'voice', quantity: 120 }),
    ]);
  });

  it('reports errored lines to the job registry: the Normal probe fires past the threshold', async () => {
    const lines = good(200, 4000);
    for (let i = 0; i < 40; i++) lines[i * 5] = `x${i},,voice,mo,,60,s,0.1`;
    await deliver('inbox/billing/2026-11-29/bill-004.csv', csv(lines));
    const r = await run();
    expect(r).toMatchObject({ processed: 200, errored: 40 });
    expect(r.job).toMatchObject({ errorLevel: 'critical' });
    const job = await getJob('ra-load');
    expect(job!.state.lastRun).toMatchObject({ processed: 200, errored: 40 });
    expect(job!.errorLevel).toBe('critical');
  });
});

describe('RA Extract daemon', () => {
  const findings = [
    'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value',
    'c1,within_tolerance,60,61,0.1,0.1,0',
    'c2,missing_in_billing,,120,,0.4,0.4',
    'c3,quantity_mismatch,60,90,0.1,0.15,0.05',
    '"c,4",rating_error,60,60,0.1,0.5,0.4',
    'c5,no_such_class,1,1,1,1,0',
  ].join('\n');
  const extract = () => {
    clock += 15 * 60_000;
    return extractResults({ bucket, keyId: KEY, now: new Date(clock) });
  };
  const outbox = async (key: string) =>
    (await openEnvelope(await getObjectBytes(bucket, key), { expectedKeyId: KEY })).toString().trim().split('\n');

  it("writes each partner's findings, sealed, under outbox/<partner>/ and reports the run", async () => {
    await putObject(bucket, 'config/partners/mno-a.json', JSON.stringify({ minAbsValue: 0.1 }));
    await putObject(bucket, 'config/partners/auditor.json', JSON.stringify({ classes: ['rating_error'] }));
    await putObject(bucket, 'results/2026-11-28/findings.csv', await sealEnvelope(Buffer.from(findings), KEY));
    const r = await extract();
    expect(r.written).toEqual([
      expect.objectContaining({
        partner: 'auditor',
        key: 'outbox/auditor/findings-2026-11-28.csv',
        rows: 1,
        errored: 1,
      }),
      expect.objectContaining({ partner: 'mno-a', key: 'outbox/mno-a/findings-2026-11-28.csv', rows: 2, errored: 1 }),
    ]);
    expect(await outbox('outbox/mno-a/findings-2026-11-28.csv')).toEqual([
      'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value',
      'c2,missing_in_billing,,120,,0.4,0.4',
      '"c,4",rating_error,60,60,0.1,0.5,0.4',
    ]);
    expect((await outbox('outbox/auditor/findings-2026-11-28.csv')).slice(1)).toEqual([
      '"c,4",rating_error,60,60,0.1,0.5,0.4',
    ]);
    const job = await getJob('ra-extract');
    expect(job).toMatchObject({ type: 'Extract', category: 'Revenue assurance' });
    expect(job!.state.lastRun).toMatchObject({ kind: 'success', processed: 10, errored: 2 });
  });

  it('writes a period again only when its findings changed', async () => {
    expect(await extract()).toMatchObject({ written: [], unchanged: 2 });
    await putObject(bucket, 'results/2026-11-28/findings.csv', `${findings.split('\n').slice(0, 3).join('\n')}\n`);
    const r = await extract();
    expect(r.written.map((w) => [w.partner, w.rows])).toEqual([
      ['auditor', 0],
      ['mno-a', 1],
    ]);
  });

  describe("from the period's current stored run", () => {
    const period = '2026-11-27';
    const HEADER_ROW = 'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value';
    const finding = (recordId: string, cls: Finding['class'], value: number): Finding => {
      const side = { recordId, subscriber: '4917001', service: 'voice' as const, direction: 'mo' };
      const at = `${period}T10:00:00Z`;
      return {
        ...side,
        class: cls,
        value,
        network: { ...side, startTime: at, quantity: 60, charge: value },
        ...(cls === 'missing_in_billing' ? {} : { billing: { ...side, startTime: at, quantity: 60, charge: 0.1 } }),
      };
    };
    /** A completed run of the period with these findings; current unless `current` is false. */
    async function storeRun(seq: string, findings: Finding[], current = true): Promise<RaRun> {
      const run: RaRun = {
        id: `${period}-${seq}`,
        period,
        status: 'succeeded',
        trigger: { kind: 'api', by: 'test' },
        startedAt: `${period}T23:00:00Z`,
        version: 1,
      };
      await insertRun(run);
      await putFindings(run.id, 0, findings, run.startedAt);
      if (current) await supersedeWith(run);
      return run;
    }
    /** What Summarize does: the run becomes current, the replaced run's findings go. */
    async function supersedeWith(run: RaRun): Promise<void> {
      const { replaced } = await makeCurrent(run, {
        completedAt: run.startedAt,
        summary: mergeResults([]),
        volumes: [],
        controls: [],
      });
      if (replaced) await deleteFindings(replaced);
    }
    const partnerFile = () => outbox('outbox/mno-a/findings-2026-11-27.csv');
    const ofPeriod = (r: Awaited<ReturnType<typeof extract>>) =>
      r.written.filter((w) => w.period === period).map((w) => [w.partner, w.runId, w.rows]);

    it("writes the current run's findings, once per run", async () => {
      const a = await storeRun('0001', [finding('a1', 'missing_in_billing', 0.4), finding('a2', 'rating_error', 0.4)]);
      expect(ofPeriod(await extract())).toEqual([
        ['auditor', a.id, 1],
        ['mno-a', a.id, 2],
      ]);
      expect(await partnerFile()).toEqual([
        HEADER_ROW,
        'a1,missing_in_billing,,60,,0.4,0.4',
        'a2,rating_error,60,60,0.1,0.4,0.4',
      ]);
      expect(ofPeriod(await extract())).toEqual([]);
    });

    it("a re-run's findings replace the superseded run's in the partner file", async () => {
      const b = await storeRun('0002', [finding('b1', 'rating_error', 0.7)]);
      expect(ofPeriod(await extract())).toEqual([
        ['auditor', b.id, 1],
        ['mno-a', b.id, 1],
      ]);
      expect(await partnerFile()).toEqual([HEADER_ROW, 'b1,rating_error,60,60,0.1,0.7,0.7']);
    });

    it('never sends a run that was superseded while its findings were read: the next pass sends its replacement', async () => {
      // C replaces B and is not sent yet; D replaces C while Extract pages C's findings.
      const c = await storeRun('0003', [finding('c1', 'rating_error', 0.5), finding('c2', 'rating_error', 0.6)]);
      const d = await storeRun('0004', [finding('d1', 'missing_in_billing', 0.9)], false);
      // D completes as Summarize does it: it becomes current, then C's findings are deleted.
      clock += 15 * 60_000;
      const r = await extractResults({
        bucket,
        keyId: KEY,
        now: new Date(clock),
        listFindings: async (runId, filter, page) => {
          const first = await listFindings(runId, filter, page);
          if (runId === c.id) await supersedeWith(d);
          return first;
        },
      });
      expect(r.moved).toEqual([period]);
      expect(ofPeriod(r)).toEqual([]);
      expect(await partnerFile()).toEqual([HEADER_ROW, 'b1,rating_error,60,60,0.1,0.7,0.7']);
      const next = await extract();
      expect(ofPeriod(next)).toEqual([
        ['auditor', d.id, 0],
        ['mno-a', d.id, 1],
      ]);
      expect(await partnerFile()).toEqual([HEADER_ROW, 'd1,missing_in_billing,,60,,0.9,0.9']);
    });
  });

  it('fails the run, naming the field, when a partner configuration is wrong', async () => {
    await putObject(bucket, 'config/partners/broken.json', JSON.stringify({ classes: ['leaks'] }));
    await expect(extract()).rejects.toThrow(/config\/partners\/broken.json: classes.0: /);
    expect((await getJob('ra-extract'))!.state.lastRun).toMatchObject({ kind: 'fail' });
  });
});

describe('RA balance reconciliation', () => {
  const at = '2026-11-30T01:00:00.000Z';
  const ctx = (key: string) => ({ operationKey: key, now: at });
  const reconcile = () => {
    clock += 15 * 60_000;
    return reconcileNewBalanceFiles({ bucket, keyId: KEY, now: new Date(clock) });
  };

  beforeAll(async () => {
    await seedTicketDemo(at);
    process.env.RA_TICKET_CATEGORY = 'general-support';
    await createRealm({ id: 'bal-realm', name: 'Acme' }, at);
    await createOrganization({ id: 'bal-org', realmId: 'bal-realm', name: 'Acme Shop' }, at);
    await createProductSpecification(
      {
        id: 'bal-spec',
        name: 'Mobile',
        lifecycleStatus: 'Active',
        feature: [{ id: 'mobile', name: 'Mobile line', driver: 'manual' }],
      },
      at,
    );
    await createProductOffering(
      {
        id: 'bal-plan',
        name: 'Mobile M',
        lifecycleStatus: 'Active',
        offeringType: 'plan',
        productSpecification: { id: 'bal-spec' },
        productOfferingPrice: [
          {
            name: 'Monthly',
            priceType: 'recurring',
            recurringChargePeriodType: 'month',
            price: { taxIncludedAmount: { unit: 'EUR', value: 20 } },
          },
        ],
        allowance: { dataMb: 10240, voiceMinutes: 500 },
        spendCap: { unit: 'EUR', value: 50 },
      },
      at,
    );
    for (const id of ['cust-a', 'cust-b']) {
      await createCustomerAccount({ id, organizationId: 'bal-org', name: id, paymentMethod: 'card' }, ctx(`${id}:c`));
      await addSubscription({ customerId: id, subscriptionId: `${id}-s1`, offeringId: 'bal-plan' }, ctx(`${id}:s`));
    }
  });
  afterAll(() => {
    delete process.env.RA_TICKET_CATEGORY;
  });

  const ocsFile = (lines: string[]) => `${['subscriber,bucket,value,unit', ...lines].join('\n')}\n`;
  const clean = ['cust-a,dataMb,10240,', 'cust-a,voiceMinutes,500,', 'cust-a,spendCap,50,EUR'];

  it('classifies each subscriber and bucket, stores the findings, raises one alert and opens one ticket', async () => {
    await deliver(
      'balances/2026-11-30/ocs.csv',
      ocsFile([...clean, 'cust-b,dataMb,5120,', 'cust-b,spendCap,50,EUR', 'cust-z,sms,100,', 'cust-z,bogus,1,']),
    );
    const [s] = await reconcile();
    expect(s).toMatchObject({
      cycle: '2026-11-30',
      status: 'reconciled',
      // cust-a: 3 matched; cust-b: dataMb mismatch, spendCap matched, voiceMinutes missing at the OCS; cust-z: not ours.
      counts: { matched: 4, mismatch: 1, missing_ocs: 1, missing_ours: 1 },
      subscribers: { ours: 2, ocs: 3 },
      badLines: 1,
      errors: [{ line: 8, reason: "bucket 'bogus' is not dataMb, voiceMinutes, sms or spendCap" }],
    });
    const csvText = (await openEnvelope(await getObjectBytes(bucket, s!.findingsKey!), { expectedKeyId: KEY }))
      .toString()
      .trim()
      .split('\n');
    expect(csvText).toEqual([
      'subscriber,bucket,class,ours,ocs,unit,difference,reason',
      'cust-b,dataMb,mismatch,10240,5120,,-5120,"the OCS holds 5120, we sell 10240 (-5120)"',
      'cust-b,voiceMinutes,missing_ocs,500,,,,we sell 500 of voiceMinutes; the OCS holds none',
      'cust-z,sms,missing_ours,,100,,,the OCS holds 100 of sms; we sell none',
    ]);
    const alert = await getLiveAlert(RA_INTEGRATION_ID, 'ra:balance:2026-11-30');
    expect(alert).toMatchObject({ status: 'firing', severity: 'warning' });
    expect(s!.ticket).toBeDefined();
    expect(await getTicket(s!.ticket!.id)).toMatchObject({ categoryId: 'general-support' });
    // Nothing new: the same file is not reconciled twice.
    expect(await reconcile()).toEqual([]);
  });

  it('resolves the alert and its ticket (once) when a corrected file of the cycle reconciles clean', async () => {
    const opened = (await getLiveAlert(RA_INTEGRATION_ID, 'ra:balance:2026-11-30'))!;
    const ticketId = (await ticketByDedupeKey(`ra-balance#${opened.id}`))!;
    const corrected = ocsFile([...clean, 'cust-b,dataMb,10240,', 'cust-b,voiceMinutes,500,', 'cust-b,spendCap,50,EUR']);
    await deliver('balances/2026-11-30/ocs.csv', corrected);
    const [s] = await reconcile();
    expect(s!.counts).toEqual({ matched: 6, mismatch: 0, missing_ocs: 0, missing_ours: 0 });
    expect(s!.resolvedTicket).toEqual({ id: ticketId, outcome: 'resolved' });
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:balance:2026-11-30')).toBeUndefined();
    const ticket = await getTicket(ticketId);
    expect(ticket).toMatchObject({ status: 'resolved', resolution: { code: 'done' }, commentCount: 1 });
    const comments = (await listComments(ticketId, 10)).items;
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('balances/2026-11-30/ocs.csv');
    expect(comments[0]!.body).toContain('6 subscriber buckets agree');

    // The same clean content delivered again (new bytes, same figures): no second comment, the ticket stays resolved.
    await deliver('balances/2026-11-30/ocs.csv', corrected);
    const [again] = await reconcile();
    expect(again!.counts).toEqual(s!.counts);
    expect(again!.resolvedTicket).toBeUndefined();
    expect(await getTicket(ticketId)).toMatchObject({
      status: 'resolved',
      commentCount: 1,
      revision: ticket!.revision,
    });

    // A mismatch again is a new violation: a new alert and a new ticket; the resolved one is left alone.
    await deliver('balances/2026-11-30/ocs.csv', ocsFile([...clean, 'cust-b,dataMb,1,']));
    const [rebreach] = await reconcile();
    expect(rebreach!.ticket).toBeDefined();
    expect(rebreach!.ticket!.id).not.toBe(ticketId);
    expect(['new', 'open']).toContain((await getTicket(rebreach!.ticket!.id))!.status);
    expect(await getTicket(ticketId)).toMatchObject({ status: 'resolved', revision: ticket!.revision });
  });

  it('refuses a tampered balance file whole, with an alert', async () => {
    const sealed = await sealEnvelope(Buffer.from(ocsFile(clean)), KEY);
    sealed[sealed.length - 5]! ^= 0x01;
    await putObject(bucket, 'balances/2026-12-01/ocs.csv', sealed);
    const [s] = await reconcile();
    expect(s).toMatchObject({ status: 'rejected', reason: expect.stringContaining('authentication tag mismatch') });
    expect(await getLiveAlert(RA_INTEGRATION_ID, 'ra:balance-file:2026-12-01/ocs.csv')).toMatchObject({
      severity: 'error',
    });
  });
});

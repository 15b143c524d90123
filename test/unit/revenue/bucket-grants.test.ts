// The RA functions hold the RA bucket by key prefix (infra/catalog/revenue.ts, decision 0072): every
// key their code reads or writes lies under a prefix they declare, with the right kind of grant,
// as both runtimes check it (infra/catalog/bucket-access.ts: IAM statements in AWS, the local S3
// grant check). The local runtime enforces the same rules in the RA integration and e2e tests.
import {
  bucketAccessProblems,
  bucketGrantFix,
  bucketPrefixes,
  catalog,
  functionByName,
  mayRead,
  mayWrite,
  stateMachineByName,
  type BucketAccess,
} from '../../../infra/catalog';
import { RA_BUCKET, RA_MACHINE } from '../../../infra/catalog/revenue';
import { balanceKeys } from '../../../shared/app/revenue/balance';
import { raKeys, type InboxFile } from '../../../shared/domain/revenue/files';

const f: InboxFile = { side: 'billing', period: '2026-11-28', name: 'bill_0001.csv.gz' };
const access = (fn: string): BucketAccess | undefined => functionByName(fn).buckets?.[RA_BUCKET];

describe('bucket access rules', () => {
  it('whole-bucket grants cover every key; prefix grants only theirs, write prefixes readable too', () => {
    expect(mayRead('read', 'any/key')).toBe(true);
    expect(mayWrite('read', 'any/key')).toBe(false);
    expect(mayWrite('readwrite', 'any/key')).toBe(true);
    const a: BucketAccess = { read: ['config/'], readwrite: ['runs/'] };
    expect(bucketPrefixes(a)).toEqual({ read: ['config/', 'runs/'], write: ['runs/'] });
    expect(mayRead(a, 'config/x.json')).toBe(true);
    expect(mayRead(a, 'runs/r1/partitions.json')).toBe(true);
    expect(mayWrite(a, 'runs/r1/partitions.json')).toBe(true);
    expect(mayWrite(a, 'config/x.json')).toBe(false);
    expect(mayRead(a, 'inbox/x')).toBe(false);
    // A listing without a prefix (the whole bucket) is not under any prefix.
    expect(mayRead(a, '')).toBe(false);
    expect(mayRead(undefined, 'config/x.json')).toBe(false);
  });

  it('names the fix in the catalog spelling', () => {
    expect(bucketGrantFix('ra-files', undefined, 'inbox/a', false)).toBe("set buckets: { 'ra-files': 'read' }");
    expect(bucketGrantFix('ra-files', { read: ['config/'] }, 'inbox/billing/a', true)).toBe(
      "add 'inbox/' to readwrite of buckets: { 'ra-files': { read: ['config/'] } }",
    );
  });

  it('refuses empty, wildcard and rooted prefixes, and a grant naming none', () => {
    expect(bucketAccessProblems({ read: ['runs/'] })).toEqual([]);
    expect(bucketAccessProblems({})).toEqual([expect.stringContaining('names no prefix')]);
    expect(bucketAccessProblems({ read: [''] })).toEqual([expect.stringContaining('empty prefix')]);
    expect(bucketAccessProblems({ readwrite: ['runs/*'] })).toEqual([expect.stringContaining('wildcard')]);
    expect(bucketAccessProblems({ read: ['/runs/'] })).toEqual([expect.stringContaining('starts with /')]);
  });

  it('every catalog grant is well formed', () => {
    for (const entry of [...catalog.functions, ...catalog.stateMachines])
      for (const [name, a] of Object.entries(entry.buckets ?? {}))
        expect({ entry: entry.name, name, problems: bucketAccessProblems(a) }).toEqual({
          entry: entry.name,
          name,
          problems: [],
        });
  });
});

describe('the RA functions touch only the prefixes they declare', () => {
  it('ra-load: reads the inbox and the mappings; writes batches, manifests, error logs, processed/ and rejected/', () => {
    const a = access('ra-load');
    expect(mayRead(a, 'config/mappings/billing.json')).toBe(true);
    for (const key of [
      raKeys.inbox(f),
      raKeys.batchPrefix(f),
      raKeys.batch(f, 1),
      raKeys.errors(f),
      raKeys.manifest(f),
      raKeys.processed(f),
      raKeys.rejected(f),
    ])
      expect({ key, read: mayRead(a, key), write: mayWrite(a, key) }).toEqual({ key, read: true, write: true });
    expect(mayWrite(a, 'config/mappings/billing.json')).toBe(false);
    expect(mayRead(a, 'runs/x/partitions.json')).toBe(false);
    expect(mayRead(a, raKeys.outbox('mno', 'findings-2026-11-28.csv'))).toBe(false);
  });

  it('ra-split: reads Load’s manifests and batches, writes only under runs/ (split items, pieces, manifest)', () => {
    const a = access('ra-split');
    for (const key of [
      raKeys.periodManifests('network', f.period),
      raKeys.manifest(f),
      raKeys.periodBatches('billing', f.period),
      raKeys.batch(f, 2),
    ])
      expect({ key, read: mayRead(a, key), write: mayWrite(a, key) }).toEqual({ key, read: true, write: false });
    expect(mayWrite(a, 'runs/2026-11-28-01J/pieces/0000/billing/000001.jsonl')).toBe(true);
    expect(mayWrite(a, 'runs/2026-11-28-01J/partitions.json')).toBe(true);
    expect(mayRead(a, raKeys.inbox(f))).toBe(false);
  });

  it('ra-partition reads runs/ only; ra-summarize and the machine read and write runs/ only', () => {
    expect(mayRead(access('ra-partition'), 'runs/r/pieces/0001/network/000000.jsonl')).toBe(true);
    expect(mayWrite(access('ra-partition'), 'runs/r/pieces/0001/network/000000.jsonl')).toBe(false);
    for (const a of [access('ra-summarize'), stateMachineByName(RA_MACHINE).buckets?.[RA_BUCKET]]) {
      expect(mayRead(a, 'runs/r/partitions.json')).toBe(true);
      expect(mayWrite(a, 'runs/r/results/map-run/manifest.json')).toBe(true);
      expect(mayRead(a, raKeys.batch(f, 1))).toBe(false);
    }
  });

  it('ra-extract: reads partner configs and operators’ results; writes outbox/ and extracts/', () => {
    const a = access('ra-extract');
    expect(mayRead(a, 'config/partners/mno.json')).toBe(true);
    expect(mayRead(a, raKeys.results(f.period))).toBe(true);
    expect(mayWrite(a, raKeys.results(f.period))).toBe(false);
    expect(mayWrite(a, raKeys.outbox('mno', 'findings-2026-11-28.csv'))).toBe(true);
    expect(mayWrite(a, 'extracts/mno/2026-11-28.json')).toBe(true);
    expect(mayRead(a, raKeys.batch(f, 1))).toBe(false);
  });

  it('ra-balance: reads balances/, writes results/balance/ only', () => {
    const a = access('ra-balance');
    expect(mayRead(a, 'balances/2026-11/ocs.csv')).toBe(true);
    expect(mayWrite(a, 'balances/2026-11/ocs.csv')).toBe(false);
    expect(mayWrite(a, balanceKeys.summary('2026-11', 'ocs.csv'))).toBe(true);
    expect(mayWrite(a, balanceKeys.findings('2026-11', 'ocs.csv'))).toBe(true);
    expect(mayWrite(a, raKeys.results(f.period))).toBe(false);
  });
});

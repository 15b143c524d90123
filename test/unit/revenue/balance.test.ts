// Balance reconciliation (seed 004): OCS spend caps and allowances against what we sell, by
// subscriber and bucket; every bucket ends in exactly one class.
import {
  balanceConfigSchema,
  balancesOfPlan,
  parseBalanceFile,
  reconcileBalances,
  type BalanceRecord,
} from '../../../shared/domain/revenue/balance';

const rec = (subscriber: string, bucket: BalanceRecord['bucket'], value: number, unit?: string): BalanceRecord => ({
  subscriber,
  bucket,
  value,
  ...(unit ? { unit } : {}),
});

describe('balancesOfPlan', () => {
  it('turns a combined plan into one record per allowance and the spend cap', () => {
    expect(
      balancesOfPlan('cust-1', { allowance: { dataMb: 10_240, sms: 100 }, spendCap: { unit: 'EUR', value: 50 } }),
    ).toEqual([rec('cust-1', 'dataMb', 10_240), rec('cust-1', 'sms', 100), rec('cust-1', 'spendCap', 50, 'EUR')]);
    expect(balancesOfPlan('cust-2', {})).toEqual([]);
  });
});

describe('reconcileBalances', () => {
  const ours = [
    rec('a', 'dataMb', 10_240),
    rec('a', 'voiceMinutes', 300),
    rec('a', 'spendCap', 50, 'EUR'),
    rec('b', 'dataMb', 5_120),
    rec('b', 'spendCap', 20, 'EUR'),
    rec('c', 'sms', 100),
  ];
  const ocs = [
    rec('a', 'dataMb', 10_240), // matched
    rec('a', 'voiceMinutes', 200), // mismatch: the OCS grants 100 minutes less
    rec('a', 'spendCap', 50.004, 'EUR'), // within the 0.01 tolerance: matched
    rec('b', 'dataMb', 5_120), // matched
    rec('b', 'spendCap', 20, 'GBP'), // mismatch: another currency
    // c sms: missing at the OCS
    rec('d', 'dataMb', 1_024), // missing ours: a subscriber we do not sell to
    rec('a', 'sms', 0), // zero and absent ours: matched
  ];

  it('puts every subscriber and bucket in exactly one class', () => {
    const r = reconcileBalances(ours, ocs);
    expect(r.counts).toEqual({ matched: 4, mismatch: 2, missing_ours: 1, missing_ocs: 1 });
    expect(r.subscribers).toEqual({ ours: 3, ocs: 3 });
    expect(r.findings).toEqual([
      expect.objectContaining({
        subscriber: 'a',
        bucket: 'voiceMinutes',
        class: 'mismatch',
        ours: 300,
        ocs: 200,
        difference: -100,
      }),
      expect.objectContaining({
        subscriber: 'b',
        bucket: 'spendCap',
        class: 'mismatch',
        reason: 'spend cap in GBP at the OCS, EUR ours',
      }),
      expect.objectContaining({ subscriber: 'c', bucket: 'sms', class: 'missing_ocs', ours: 100 }),
      expect.objectContaining({ subscriber: 'd', bucket: 'dataMb', class: 'missing_ours', ocs: 1_024 }),
    ]);
  });

  it('applies per-bucket tolerances (abs + rel of ours)', () => {
    const config = balanceConfigSchema.parse({ tolerance: { voiceMinutes: { abs: 0, rel: 0.5 } } });
    expect(reconcileBalances(ours, ocs, config).counts).toMatchObject({ matched: 5, mismatch: 1 });
    expect(
      reconcileBalances([rec('x', 'spendCap', 50, 'EUR')], [rec('x', 'spendCap', 50.02, 'EUR')]).counts,
    ).toMatchObject({ mismatch: 1 });
  });

  it('counts a zero on one side as no bucket unless told otherwise', () => {
    expect(reconcileBalances([rec('x', 'sms', 0)], []).counts.matched).toBe(1);
    const strict = balanceConfigSchema.parse({ zeroIsAbsent: false });
    expect(reconcileBalances([rec('x', 'sms', 0)], [], strict).counts.missing_ocs).toBe(1);
  });

  it('is the same whatever the input order', () => {
    const a = reconcileBalances(ours, ocs);
    const b = reconcileBalances([...ours].reverse(), [...ocs].reverse());
    expect(b).toEqual(a);
  });

  it('names a bad configuration field', () => {
    const r = balanceConfigSchema.safeParse({ tolerance: { dataMb: { abs: -1, rel: 0 } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['tolerance', 'dataMb', 'abs']);
  });
});

describe('parseBalanceFile', () => {
  it('reads CSV and lists bad lines with their number and reason', () => {
    const text = [
      'subscriber,bucket,value,unit',
      'a,dataMb,10240,',
      'a,spendCap,50,EUR',
      'a,minutes,3,',
      'b,sms,-1,',
      'b,sms,x,',
      'a,dataMb,1,',
      'c,voice,300',
      '',
    ].join('\n');
    const r = parseBalanceFile(text);
    expect(r.records).toEqual([
      { subscriber: 'a', bucket: 'dataMb', value: 10_240, line: 2 },
      { subscriber: 'a', bucket: 'spendCap', value: 50, unit: 'EUR', line: 3 },
    ]);
    expect(r.errors).toEqual([
      { line: 4, reason: "bucket 'minutes' is not dataMb, voiceMinutes, sms or spendCap" },
      { line: 5, reason: 'value is not a number ≥ 0' },
      { line: 6, reason: 'value is not a number ≥ 0' },
      { line: 7, reason: 'a dataMb repeats line 2' },
      { line: 8, reason: '3 columns where the header has 4' },
    ]);
  });

  it('reads JSON Lines', () => {
    const r = parseBalanceFile('{"subscriber":"a","bucket":"voiceMinutes","value":300}\nnot json\n');
    expect(r.records).toEqual([{ subscriber: 'a', bucket: 'voiceMinutes', value: 300, line: 1 }]);
    expect(r.errors).toEqual([{ line: 2, reason: 'not a JSON object' }]);
  });

  it('stops at a header without the required columns', () => {
    expect(parseBalanceFile('msisdn,amount\na,1\n')).toEqual({
      records: [],
      errors: [{ line: 1, reason: 'the header lacks the column(s) subscriber, bucket, value' }],
    });
  });
});

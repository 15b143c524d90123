// Balance reconciliation after a bill-cycle change (issue 12 §2, seed 004): the spend caps and
// allowances the charging system (OCS) holds are compared with what our catalog says each
// subscriber should have, by subscriber and bucket. Pure: records in, classes and findings out.
//
// Classes: `matched` (equal, or within the bucket's tolerance), `mismatch` (both sides have the
// bucket, values differ beyond tolerance, or spend caps in different currencies), `missing_ours`
// (the OCS holds a bucket we do not sell the subscriber: a free allowance), `missing_ocs` (we sell
// it, the OCS does not enforce it: usage not counted against the allowance, a cap not applied).
import * as z from 'zod';
import { toleranceSchema, type Tolerance } from './types';

export const BALANCE_BUCKETS = ['dataMb', 'voiceMinutes', 'sms', 'spendCap'] as const;
export type BalanceBucket = (typeof BALANCE_BUCKETS)[number];

export const BALANCE_CLASSES = ['matched', 'mismatch', 'missing_ours', 'missing_ocs'] as const;
export type BalanceClass = (typeof BALANCE_CLASSES)[number];

/** One bucket of one subscriber: an allowance per period (MB, minutes, SMS) or a spend cap (money). */
export interface BalanceRecord {
  subscriber: string;
  bucket: BalanceBucket;
  value: number;
  /** The spend cap's currency (ISO 4217); allowances have none. */
  unit?: string;
  /** Line in the OCS file, for findings. */
  line?: number;
}

export interface BalanceFinding {
  subscriber: string;
  bucket: BalanceBucket;
  class: Exclude<BalanceClass, 'matched'>;
  ours?: number;
  ocs?: number;
  unit?: string;
  /** ocs − ours (when both exist): positive = the OCS grants more than we sell. */
  difference?: number;
  reason: string;
  line?: number;
}

export const balanceConfigSchema = z
  .object({
    /** |ocs − ours| ≤ abs + rel·|ours| counts as matched. Allowances are whole numbers: exact by default. */
    tolerance: z
      .object({
        dataMb: toleranceSchema.default({ abs: 0, rel: 0 }),
        voiceMinutes: toleranceSchema.default({ abs: 0, rel: 0 }),
        sms: toleranceSchema.default({ abs: 0, rel: 0 }),
        spendCap: toleranceSchema.default({ abs: 0.01, rel: 0 }),
      })
      .strict()
      .default({
        dataMb: { abs: 0, rel: 0 },
        voiceMinutes: { abs: 0, rel: 0 },
        sms: { abs: 0, rel: 0 },
        spendCap: { abs: 0.01, rel: 0 },
      }),
    /** A bucket of value 0 on one side and absent on the other is matched (no allowance either way). */
    zeroIsAbsent: z.boolean().default(true),
  })
  .strict();
export type BalanceConfig = z.infer<typeof balanceConfigSchema>;
export const DEFAULT_BALANCE_CONFIG: BalanceConfig = balanceConfigSchema.parse({});

export interface BalanceResult {
  counts: Record<BalanceClass, number>;
  /** Every bucket not matched. */
  findings: BalanceFinding[];
  subscribers: { ours: number; ocs: number };
}

/** What we sell a subscriber, as records: the combined plan's allowances and its spend cap. */
export function balancesOfPlan(
  subscriber: string,
  plan: {
    allowance?: { dataMb?: number; voiceMinutes?: number; sms?: number };
    spendCap?: { unit: string; value: number };
  },
): BalanceRecord[] {
  const out: BalanceRecord[] = [];
  for (const bucket of ['dataMb', 'voiceMinutes', 'sms'] as const) {
    const v = plan.allowance?.[bucket];
    if (v !== undefined) out.push({ subscriber, bucket, value: v });
  }
  if (plan.spendCap) out.push({ subscriber, bucket: 'spendCap', value: plan.spendCap.value, unit: plan.spendCap.unit });
  return out;
}

const within = (a: number, b: number, t: Tolerance) => Math.abs(a - b) <= t.abs + t.rel * Math.abs(b) + 1e-9;
const keyOf = (r: { subscriber: string; bucket: string }) => `${r.subscriber}\u0000${r.bucket}`;

/**
 * Classifies every (subscriber, bucket) seen on either side exactly once. Each side must hold a
 * key at most once (parseBalanceFile reports repeats as bad lines).
 */
export function reconcileBalances(
  ours: BalanceRecord[],
  ocs: BalanceRecord[],
  config: BalanceConfig = DEFAULT_BALANCE_CONFIG,
): BalanceResult {
  const counts = Object.fromEntries(BALANCE_CLASSES.map((c) => [c, 0])) as Record<BalanceClass, number>;
  const findings: BalanceFinding[] = [];
  const oursBy = new Map(ours.map((r) => [keyOf(r), r]));
  const ocsBy = new Map(ocs.map((r) => [keyOf(r), r]));
  const keys = [...new Set([...oursBy.keys(), ...ocsBy.keys()])].sort();
  const absent = (r: BalanceRecord | undefined) => r === undefined || (config.zeroIsAbsent && r.value === 0);
  for (const k of keys) {
    const o = oursBy.get(k);
    const c = ocsBy.get(k);
    const base = (o ?? c)!;
    const id = { subscriber: base.subscriber, bucket: base.bucket };
    if (absent(o) && absent(c)) {
      counts.matched++;
      continue;
    }
    if (absent(c)) {
      counts.missing_ocs++;
      findings.push({
        ...id,
        class: 'missing_ocs',
        ours: o!.value,
        unit: o!.unit,
        reason: `we sell ${o!.value}${o!.unit ? ` ${o!.unit}` : ''} of ${id.bucket}; the OCS holds none`,
      });
      continue;
    }
    if (absent(o)) {
      counts.missing_ours++;
      findings.push({
        ...id,
        class: 'missing_ours',
        ocs: c!.value,
        unit: c!.unit,
        line: c!.line,
        reason: `the OCS holds ${c!.value}${c!.unit ? ` ${c!.unit}` : ''} of ${id.bucket}; we sell none`,
      });
      continue;
    }
    const difference = Math.round((c!.value - o!.value) * 1e6) / 1e6;
    if (id.bucket === 'spendCap' && (o!.unit ?? '') !== (c!.unit ?? '')) {
      counts.mismatch++;
      findings.push({
        ...id,
        class: 'mismatch',
        ours: o!.value,
        ocs: c!.value,
        unit: o!.unit,
        line: c!.line,
        reason: `spend cap in ${c!.unit ?? 'no currency'} at the OCS, ${o!.unit ?? 'no currency'} ours`,
      });
    } else if (within(c!.value, o!.value, config.tolerance[id.bucket])) {
      counts.matched++;
    } else {
      counts.mismatch++;
      findings.push({
        ...id,
        class: 'mismatch',
        ours: o!.value,
        ocs: c!.value,
        unit: o!.unit,
        difference,
        line: c!.line,
        reason: `the OCS holds ${c!.value}, we sell ${o!.value} (${difference > 0 ? '+' : ''}${difference})`,
      });
    }
  }
  const subs = (rs: BalanceRecord[]) => new Set(rs.map((r) => r.subscriber)).size;
  return { counts, findings, subscribers: { ours: subs(ours), ocs: subs(ocs) } };
}

export interface BalanceLineError {
  line: number;
  reason: string;
}

const BUCKET_ALIASES: Record<string, BalanceBucket> = {
  datamb: 'dataMb',
  data: 'dataMb',
  voiceminutes: 'voiceMinutes',
  voice: 'voiceMinutes',
  sms: 'sms',
  spendcap: 'spendCap',
  spend_cap: 'spendCap',
};

/**
 * The OCS balance file: CSV with the header `subscriber,bucket,value,unit` (unit: the spend cap's
 * currency) or JSON Lines with the same fields. Bad lines (unknown bucket, a value that is not a
 * number ≥ 0, a repeated subscriber and bucket) are listed with their line number and skipped.
 */
export function parseBalanceFile(text: string): { records: BalanceRecord[]; errors: BalanceLineError[] } {
  const records: BalanceRecord[] = [];
  const errors: BalanceLineError[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let json: boolean | undefined;
  let headerBad = false;
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line === '' || headerBad) return;
    json ??= line.startsWith('{');
    let row: Record<string, unknown>;
    if (json) {
      try {
        const v: unknown = JSON.parse(line);
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
        row = v as Record<string, unknown>;
      } catch {
        errors.push({ line: lineNo, reason: 'not a JSON object' });
        return;
      }
    } else {
      const cells = line.split(',').map((c) => c.trim());
      if (!header) {
        header = cells;
        const missing = ['subscriber', 'bucket', 'value'].filter((h) => !cells.includes(h));
        if (missing.length) {
          headerBad = true;
          errors.push({ line: lineNo, reason: `the header lacks the column(s) ${missing.join(', ')}` });
        }
        return;
      }
      if (cells.length !== header.length) {
        errors.push({ line: lineNo, reason: `${cells.length} columns where the header has ${header.length}` });
        return;
      }
      row = Object.fromEntries(header.map((h, j) => [h, cells[j]]));
    }
    const subscriber = typeof row.subscriber === 'string' ? row.subscriber.trim() : String(row.subscriber ?? '');
    if (!subscriber) return void errors.push({ line: lineNo, reason: 'subscriber is empty' });
    const bucket = BUCKET_ALIASES[String(row.bucket ?? '').toLowerCase()];
    if (!bucket)
      return void errors.push({
        line: lineNo,
        reason: `bucket '${String(row.bucket ?? '')}' is not dataMb, voiceMinutes, sms or spendCap`,
      });
    const value = typeof row.value === 'number' ? row.value : row.value === '' ? Number.NaN : Number(row.value);
    if (!(value >= 0) || !Number.isFinite(value))
      return void errors.push({ line: lineNo, reason: 'value is not a number ≥ 0' });
    const k = keyOf({ subscriber, bucket });
    const first = seen.get(k);
    if (first !== undefined)
      return void errors.push({ line: lineNo, reason: `${subscriber} ${bucket} repeats line ${first}` });
    seen.set(k, lineNo);
    const unit = row.unit === undefined || row.unit === null || row.unit === '' ? undefined : String(row.unit);
    records.push({ subscriber, bucket, value, line: lineNo, ...(unit && bucket === 'spendCap' ? { unit } : {}) });
  });
  return { records, errors };
}

// findings.csv: one row per record not matched exactly, as the CLI writes it and the API exports it
// (issue 12 §3). Pure.
import type { Finding } from './types';

export const FINDINGS_HEADER = 'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value';

const csvCell = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const num = (v: number | undefined) => (v === undefined ? '' : String(Math.round(v * 1e6) / 1e6));

/** A finding (from the engine, or as stored) as one CSV row under FINDINGS_HEADER. */
export function findingRow(
  f: Pick<Finding, 'recordId' | 'class' | 'value'> & {
    billing?: { quantity: number; charge: number };
    network?: { quantity: number; charge: number };
  },
): string {
  return [
    csvCell(f.recordId),
    f.class,
    num(f.billing?.quantity),
    num(f.network?.quantity),
    num(f.billing?.charge),
    num(f.network?.charge),
    num(f.value),
  ].join(',');
}

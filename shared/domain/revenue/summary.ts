// A run's summary from its partitions' results: counts and money per class, per service ×
// direction, and leakage as a share of billed revenue. Findings are not read (a stored run may
// merge partition results whose findings are kept elsewhere).
import { FINDING_CLASSES, emptyClassTotals, type ClassTotals, type PartitionResult, type RunSummary } from './types';

// Money sums of many float charges: round to a millionth so totals do not show binary noise.
const roundMoney = (v: number) => Math.round(v * 1e6) / 1e6;

function addInto(into: ClassTotals, from: ClassTotals): void {
  for (const c of FINDING_CLASSES) {
    into.counts[c] += from.counts[c];
    into.money[c] += from.money[c];
  }
}

function rounded(t: ClassTotals): ClassTotals {
  for (const c of FINDING_CLASSES) t.money[c] = roundMoney(t.money[c]);
  return t;
}

/** Merges partition results (any order) into the run's summary. */
export function mergeResults(results: readonly PartitionResult[]): RunSummary {
  const totals = emptyClassTotals();
  const byService = new Map<string, ClassTotals>();
  const records = { billing: 0, network: 0 };
  const filtered = { billing: 0, network: 0 };
  const aggregated = { billing: 0, network: 0 };
  let billingRevenue = 0;
  let leakage = 0;
  let rejected = 0;
  for (const r of results) {
    addInto(totals, r);
    for (const [k, t] of Object.entries(r.byService)) {
      let into = byService.get(k);
      if (into === undefined) byService.set(k, (into = emptyClassTotals()));
      addInto(into, t);
    }
    for (const side of ['billing', 'network'] as const) {
      records[side] += r.records[side];
      filtered[side] += r.filtered[side];
      aggregated[side] += r.aggregated[side];
    }
    billingRevenue += r.billingRevenue;
    rejected += r.rejected.length;
    leakage += r.leakage;
  }
  const sortedServices: Record<string, ClassTotals> = {};
  for (const k of [...byService.keys()].sort()) sortedServices[k] = rounded(byService.get(k)!);
  billingRevenue = roundMoney(billingRevenue);
  leakage = roundMoney(leakage);
  return {
    ...rounded(totals),
    byService: sortedServices,
    billingRevenue,
    leakage,
    leakagePct: billingRevenue > 0 ? Math.round((leakage / billingRevenue) * 100 * 1e4) / 1e4 : 0,
    records,
    filtered,
    aggregated,
    rejected,
    partitions: results.length,
  };
}

// Reconciling one partition: mediation, per-key deduplication and partial aggregation, matching
// on recordId (then on the fallback key when configured), and the classes of issue 12 §2. Every
// record taken in ends in exactly one place: a class (the extra copy of a key in `duplicate`, a
// pair counted once), or mediation's `filtered`, `aggregated` or `rejected`.
import { FILTERED, mediate, startEpochMs } from './mediation';
import {
  emptyClassTotals,
  type ClassTotals,
  type Finding,
  type FindingClass,
  type PartitionResult,
  type ReconcileConfig,
  type Side,
  type Tolerance,
  type UsageRecord,
} from './types';

// Floating-point slack on a tolerance edge: far below a byte, a second's fraction or a cent.
const EPSILON_ABS = 1e-9;
const EPSILON_REL = 1e-12;

/** |a − b| ≤ abs + rel·|b|, b being the network's figure. */
export function withinTolerance(a: number, b: number, tol: Tolerance): boolean {
  const mb = Math.abs(b);
  return Math.abs(a - b) <= tol.abs + tol.rel * mb + EPSILON_ABS + EPSILON_REL * mb;
}

/** The class of a billing/network pair with the same key. */
export function classifyPair(
  billing: UsageRecord,
  network: UsageRecord,
  config: ReconcileConfig,
): Exclude<FindingClass, 'missing_in_billing' | 'missing_at_network' | 'duplicate'> {
  if (billing.quantity === network.quantity && billing.charge === network.charge) return 'matched';
  if (!withinTolerance(billing.quantity, network.quantity, config.quantity[network.service])) {
    return 'quantity_mismatch';
  }
  if (!withinTolerance(billing.charge, network.charge, config.charge)) return 'rating_error';
  return 'within_tolerance';
}

class Tally {
  readonly totals: ClassTotals = emptyClassTotals();
  private readonly byService = new Map<string, Map<string, ClassTotals>>();

  add(cls: FindingClass, service: string, direction: string, value: number): void {
    this.totals.counts[cls]++;
    this.totals.money[cls] += value;
    let perDirection = this.byService.get(service);
    if (perDirection === undefined) this.byService.set(service, (perDirection = new Map()));
    let t = perDirection.get(direction);
    if (t === undefined) perDirection.set(direction, (t = emptyClassTotals()));
    t.counts[cls]++;
    t.money[cls] += value;
  }

  serviceRecord(): Record<string, ClassTotals> {
    const out: Record<string, ClassTotals> = {};
    for (const [service, perDirection] of this.byService) {
      for (const [direction, t] of perDirection) out[`${service}:${direction}`] = t;
    }
    return out;
  }
}

/**
 * What one pass over a side keeps. The billing pass fills `index` (key → position) and `records`
 * (the first copy of each key, or its aggregate, in the order keys were first seen); the network
 * pass then pairs each network record with its billing key on the spot (`pairs`, same positions),
 * and only network keys without a billing record go to a map of their own: one map lookup per
 * network record, no pairing pass over the billing keys afterwards.
 */
interface Collected {
  index: Map<string, number>;
  records: UsageRecord[];
  pairs: (UsageRecord | undefined)[];
}

/** Counting and mediation of one input record: the record to match, or undefined when it was dropped. */
function mediated(
  side: Side,
  input: UsageRecord,
  config: ReconcileConfig,
  testNumbers: ReadonlySet<string> | undefined,
  result: PartitionResult,
): UsageRecord | undefined {
  const r = mediate(input, config, testNumbers);
  if (r === FILTERED) {
    result.filtered[side]++;
    return undefined;
  }
  if (typeof r === 'string') {
    result.rejected.push({ side, recordId: input.recordId, line: input.line, reason: r });
    return undefined;
  }
  return r;
}

/**
 * Another record with a key already seen on the same side: a new part is folded into the first
 * (the aggregate is returned), anything else is a duplicate (a finding; undefined is returned).
 */
function repeated(
  side: Side,
  r: UsageRecord,
  first: UsageRecord,
  parts: Map<string, Set<number>>,
  aggregate: boolean,
  result: PartitionResult,
  tally: Tally,
  findings: Finding[],
): UsageRecord | undefined {
  const seen = aggregate && r.part !== undefined ? parts.get(r.recordId) : undefined;
  if (seen !== undefined && !seen.has(r.part!)) {
    seen.add(r.part!);
    result.aggregated[side]++;
    return { ...first, quantity: first.quantity + r.quantity, charge: first.charge + r.charge };
  }
  const value = (side === 'billing' ? -1 : 1) * r.charge;
  tally.add('duplicate', r.service, r.direction, value);
  findings.push({
    recordId: r.recordId,
    class: 'duplicate',
    service: r.service,
    direction: r.direction,
    subscriber: r.subscriber,
    side,
    [side]: r,
    value,
  });
  return undefined;
}

function testNumbersOf(config: ReconcileConfig): ReadonlySet<string> | undefined {
  return config.mediation.testSubscribers.length > 8 ? new Set(config.mediation.testSubscribers) : undefined;
}

function collectBilling(
  records: Iterable<UsageRecord>,
  config: ReconcileConfig,
  result: PartitionResult,
  tally: Tally,
  findings: Finding[],
): Collected {
  const c: Collected = { index: new Map(), records: [], pairs: [] };
  const parts = new Map<string, Set<number>>();
  const testNumbers = testNumbersOf(config);
  const aggregate = config.mediation.aggregatePartials;
  let count = 0;
  for (const input of records) {
    count++;
    const r = mediated('billing', input, config, testNumbers, result);
    if (r === undefined) continue;
    const key = r.recordId;
    const i = c.index.get(key);
    if (i === undefined) {
      c.index.set(key, c.records.length);
      c.records.push(r);
      c.pairs.push(undefined);
      if (aggregate && r.part !== undefined) parts.set(key, new Set([r.part]));
      continue;
    }
    const kept = repeated('billing', r, c.records[i]!, parts, aggregate, result, tally, findings);
    if (kept !== undefined) c.records[i] = kept;
  }
  result.records.billing += count;
  return c;
}

/** The network pass: pairs records with billing keys in `b`; returns the network-only records by key. */
function collectNetwork(
  records: Iterable<UsageRecord>,
  b: Collected,
  config: ReconcileConfig,
  result: PartitionResult,
  tally: Tally,
  findings: Finding[],
): Map<string, UsageRecord> {
  const only = new Map<string, UsageRecord>();
  const parts = new Map<string, Set<number>>();
  const testNumbers = testNumbersOf(config);
  const aggregate = config.mediation.aggregatePartials;
  let count = 0;
  for (const input of records) {
    count++;
    const r = mediated('network', input, config, testNumbers, result);
    if (r === undefined) continue;
    const key = r.recordId;
    const i = b.index.get(key);
    const first = i !== undefined ? b.pairs[i] : only.get(key);
    if (first === undefined) {
      if (i !== undefined) b.pairs[i] = r;
      else only.set(key, r);
      if (aggregate && r.part !== undefined) parts.set(key, new Set([r.part]));
      continue;
    }
    const kept = repeated('network', r, first, parts, aggregate, result, tally, findings);
    if (kept === undefined) continue;
    if (i !== undefined) b.pairs[i] = kept;
    else only.set(key, kept);
  }
  result.records.network += count;
  return only;
}

function pairFinding(
  b: UsageRecord,
  n: UsageRecord,
  config: ReconcileConfig,
  tally: Tally,
  findings: Finding[],
  result: PartitionResult,
): void {
  const cls = classifyPair(b, n, config);
  const value = n.charge - b.charge;
  result.billingRevenue += b.charge;
  if (value > 0 && (cls === 'quantity_mismatch' || cls === 'rating_error')) result.leakage += value;
  tally.add(cls, b.service, b.direction, value);
  if (cls !== 'matched') {
    findings.push({
      recordId: b.recordId,
      class: cls,
      service: b.service,
      direction: b.direction,
      subscriber: b.subscriber,
      billing: b,
      network: n,
      value,
    });
  }
}

/** Pairs left-over records on subscriber + service + direction with start times within the window. */
function fallbackPairs(
  billing: UsageRecord[],
  network: UsageRecord[],
  config: ReconcileConfig,
): { pairs: [UsageRecord, UsageRecord][]; billingLeft: UsageRecord[]; networkLeft: UsageRecord[] } {
  const zone = config.mediation.timeZone;
  const windowMs = config.fallback.windowSeconds * 1000;
  type Timed = { r: UsageRecord; t: number; used: boolean };
  const groupKey = (r: UsageRecord) => `${r.subscriber}\u0000${r.service}\u0000${r.direction}`;
  const groups = new Map<string, { b: Timed[]; n: Timed[] }>();
  const timed = (list: UsageRecord[], which: 'b' | 'n'): Timed[] =>
    list.map((r) => {
      const item = { r, t: startEpochMs(r.startTime, zone), used: false };
      if (!Number.isNaN(item.t)) {
        const k = groupKey(r);
        let g = groups.get(k);
        if (g === undefined) groups.set(k, (g = { b: [], n: [] }));
        g[which].push(item);
      }
      return item;
    });
  const bt = timed(billing, 'b');
  const nt = timed(network, 'n');
  const pairs: [UsageRecord, UsageRecord][] = [];
  for (const g of groups.values()) {
    if (g.b.length === 0 || g.n.length === 0) continue;
    // Both sorted by time (then recordId, so the outcome does not depend on input order); walk them
    // together, pairing the earliest candidates that fall within the window of each other.
    const order = (x: Timed, y: Timed) => x.t - y.t || (x.r.recordId < y.r.recordId ? -1 : 1);
    g.b.sort(order);
    g.n.sort(order);
    let i = 0;
    let j = 0;
    while (i < g.b.length && j < g.n.length) {
      const x = g.b[i]!;
      const y = g.n[j]!;
      if (Math.abs(x.t - y.t) <= windowMs) {
        x.used = true;
        y.used = true;
        pairs.push([x.r, y.r]);
        i++;
        j++;
      } else if (x.t < y.t) i++;
      else j++;
    }
  }
  return {
    pairs,
    billingLeft: bt.filter((x) => !x.used).map((x) => x.r),
    networkLeft: nt.filter((x) => !x.used).map((x) => x.r),
  };
}

/** Reconciles one partition's records from both sides. */
export function reconcilePartition(
  billing: Iterable<UsageRecord>,
  network: Iterable<UsageRecord>,
  config: ReconcileConfig,
): PartitionResult {
  const tally = new Tally();
  const findings: Finding[] = [];
  const result: PartitionResult = {
    ...tally.totals,
    byService: {},
    findings,
    billingRevenue: 0,
    leakage: 0,
    records: { billing: 0, network: 0 },
    filtered: { billing: 0, network: 0 },
    aggregated: { billing: 0, network: 0 },
    rejected: [],
  };
  const b = collectBilling(billing, config, result, tally, findings);
  const networkOnly = collectNetwork(network, b, config, result, tally, findings);

  let billingLeft: UsageRecord[] = [];
  for (let i = 0; i < b.records.length; i++) {
    const br = b.records[i]!;
    const nr = b.pairs[i];
    if (nr === undefined) billingLeft.push(br);
    else pairFinding(br, nr, config, tally, findings, result);
  }
  let networkLeft = [...networkOnly.values()];

  if (config.fallback.enabled && billingLeft.length > 0 && networkLeft.length > 0) {
    const f = fallbackPairs(billingLeft, networkLeft, config);
    for (const [br, nr] of f.pairs) pairFinding(br, nr, config, tally, findings, result);
    billingLeft = f.billingLeft;
    networkLeft = f.networkLeft;
  }

  for (const br of billingLeft) {
    result.billingRevenue += br.charge;
    const value = -br.charge;
    tally.add('missing_at_network', br.service, br.direction, value);
    findings.push({
      recordId: br.recordId,
      class: 'missing_at_network',
      service: br.service,
      direction: br.direction,
      subscriber: br.subscriber,
      billing: br,
      value,
    });
  }
  for (const nr of networkLeft) {
    const value = nr.charge;
    if (value > 0) result.leakage += value;
    tally.add('missing_in_billing', nr.service, nr.direction, value);
    findings.push({
      recordId: nr.recordId,
      class: 'missing_in_billing',
      service: nr.service,
      direction: nr.direction,
      subscriber: nr.subscriber,
      network: nr,
      value,
    });
  }
  result.byService = tally.serviceRecord();
  return result;
}

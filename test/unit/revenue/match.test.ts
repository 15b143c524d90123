// The reconciliation engine on values: every class, tolerance edges, duplicates on either side,
// partial aggregation, mediation filters, the fallback key, and the traps that must not be flagged.
import {
  DEFAULT_RECONCILE_CONFIG,
  FINDING_CLASSES,
  fnv1a,
  fnv1aBytes,
  mergeResults,
  partitionKeyOf,
  partitionOf,
  reconcileConfigSchema,
  reconcilePartition,
  type FindingClass,
  type ReconcileConfig,
  type UsageRecord,
} from '../../../shared/domain/revenue';

const rec = (recordId: string, over: Partial<UsageRecord> = {}): UsageRecord => ({
  recordId,
  subscriber: '447700900001',
  service: 'voice',
  direction: 'mo',
  startTime: '2026-11-02T10:00:00Z',
  quantity: 60,
  charge: 0.5,
  ...over,
});

const config = (over: Partial<ReconcileConfig> = {}): ReconcileConfig => ({ ...DEFAULT_RECONCILE_CONFIG, ...over });

function classOf(billing: UsageRecord[], network: UsageRecord[], cfg = DEFAULT_RECONCILE_CONFIG): FindingClass {
  const r = reconcilePartition(billing, network, cfg);
  const hit = FINDING_CLASSES.filter((c) => r.counts[c] > 0);
  expect(hit).toHaveLength(1);
  return hit[0]!;
}

describe('classes', () => {
  test('identical quantity and charge: matched, and no finding', () => {
    const r = reconcilePartition([rec('a')], [rec('a')], DEFAULT_RECONCILE_CONFIG);
    expect(r.counts.matched).toBe(1);
    expect(r.findings).toEqual([]);
    expect(r.billingRevenue).toBe(0.5);
  });

  test('voice ±2 s is within tolerance; 3 s is a quantity mismatch', () => {
    expect(classOf([rec('a', { quantity: 62 })], [rec('a')])).toBe('within_tolerance');
    expect(classOf([rec('a', { quantity: 58 })], [rec('a')])).toBe('within_tolerance');
    expect(classOf([rec('a', { quantity: 63 })], [rec('a')])).toBe('quantity_mismatch');
  });

  test('data ±1% of the network volume, at the edge exactly', () => {
    const d = (q: number) => rec('d', { service: 'data', quantity: q });
    expect(classOf([d(1_010_000)], [d(1_000_000)])).toBe('within_tolerance');
    expect(classOf([d(1_010_001)], [d(1_000_000)])).toBe('quantity_mismatch');
    // The relative part is of the network's figure: 1% of the billing's 990,000 would be 9,900.
    expect(classOf([d(990_000)], [d(1_000_000)])).toBe('within_tolerance');
    expect(classOf([d(989_999)], [d(1_000_000)])).toBe('quantity_mismatch');
  });

  test('sms is exact', () => {
    const s = (q: number) => rec('s', { service: 'sms', quantity: q });
    expect(classOf([s(2)], [s(1)])).toBe('quantity_mismatch');
    expect(classOf([s(1)], [s(1)])).toBe('matched');
  });

  test('same quantity, charge beyond ±(0.01 + 0.1% of network): rating error; within it: within tolerance', () => {
    expect(classOf([rec('a', { charge: 1.011 })], [rec('a', { charge: 1 })])).toBe('within_tolerance');
    expect(classOf([rec('a', { charge: 1.012 })], [rec('a', { charge: 1 })])).toBe('rating_error');
    const r = reconcilePartition([rec('a', { charge: 0.4 })], [rec('a', { charge: 0.9 })], DEFAULT_RECONCILE_CONFIG);
    expect(r.findings[0]).toMatchObject({ class: 'rating_error', value: 0.5, billing: { charge: 0.4 } });
    expect(r.leakage).toBeCloseTo(0.5);
  });

  test('a quantity outside tolerance is a quantity mismatch even when the charge also differs', () => {
    expect(classOf([rec('a', { quantity: 120, charge: 1 })], [rec('a')])).toBe('quantity_mismatch');
  });

  test('missing on either side carries the side it was found on and a signed value', () => {
    const r = reconcilePartition(
      [rec('only-billing', { charge: 0.3 })],
      [rec('only-network', { charge: 0.7 })],
      DEFAULT_RECONCILE_CONFIG,
    );
    expect(r.counts).toMatchObject({ missing_at_network: 1, missing_in_billing: 1, matched: 0 });
    const byClass = Object.fromEntries(r.findings.map((f) => [f.class, f]));
    expect(byClass.missing_at_network).toMatchObject({ recordId: 'only-billing', value: -0.3 });
    expect(byClass.missing_at_network!.network).toBeUndefined();
    expect(byClass.missing_in_billing).toMatchObject({ recordId: 'only-network', value: 0.7 });
    expect(r.money.missing_in_billing).toBe(0.7);
    expect(r.leakage).toBe(0.7);
    expect(r.billingRevenue).toBe(0.3);
  });
});

describe('duplicates and partials', () => {
  test('a key seen twice on the billing side: the first copy matches, the extra one is a duplicate', () => {
    const r = reconcilePartition([rec('a'), rec('a', { line: 9 })], [rec('a')], DEFAULT_RECONCILE_CONFIG);
    expect(r.counts).toMatchObject({ matched: 1, duplicate: 1 });
    expect(r.findings).toEqual([
      expect.objectContaining({
        recordId: 'a',
        class: 'duplicate',
        side: 'billing',
        value: -0.5,
        billing: rec('a', { line: 9 }),
      }),
    ]);
  });

  test('a key seen three times on the network side: two duplicates, valued +charge', () => {
    const r = reconcilePartition([rec('a')], [rec('a'), rec('a'), rec('a')], DEFAULT_RECONCILE_CONFIG);
    expect(r.counts).toMatchObject({ matched: 1, duplicate: 2 });
    expect(r.findings.every((f) => f.side === 'network' && f.value === 0.5)).toBe(true);
  });

  test('partials of one data session are summed before matching; a repeated part is a duplicate', () => {
    const part = (p: number, q: number) => rec('sess', { service: 'data', quantity: q, charge: 0.1, part: p });
    const whole = rec('sess', { service: 'data', quantity: 3000, charge: 0.3 });
    const r = reconcilePartition(
      [whole],
      [part(1, 1000), part(2, 1500), part(3, 500), part(2, 1500)],
      DEFAULT_RECONCILE_CONFIG,
    );
    expect(r.aggregated.network).toBe(2);
    expect(r.counts).toMatchObject({ duplicate: 1 });
    // 0.1 + 0.1 + 0.1 is not 0.3 in binary: within the charge tolerance.
    expect(r.counts.matched + r.counts.within_tolerance).toBe(1);
    expect(r.counts.quantity_mismatch).toBe(0);
  });

  test('with aggregation off, every repeated key is a duplicate', () => {
    const cfg = config({ mediation: { ...DEFAULT_RECONCILE_CONFIG.mediation, aggregatePartials: false } });
    const r = reconcilePartition([rec('s', { part: 1 }), rec('s', { part: 2 })], [rec('s')], cfg);
    expect(r.counts).toMatchObject({ duplicate: 1, matched: 1 });
  });
});

describe('mediation', () => {
  test('units are normalised before matching: minutes, milliseconds, kB and MiB', () => {
    expect(classOf([rec('a', { quantity: 1, unit: 'min' })], [rec('a', { quantity: 60000, unit: 'ms' })])).toBe(
      'matched',
    );
    const d = (q: number, unit: string) => rec('d', { service: 'data', quantity: q, unit });
    expect(classOf([d(2048, 'kB')], [d(2_048_000, 'bytes')])).toBe('matched');
    expect(classOf([d(1, 'MiB')], [d(1024, 'KiB')])).toBe('matched');
  });

  test('an unknown unit rejects the record, naming it; nothing else is counted for it', () => {
    const r = reconcilePartition([rec('a', { unit: 'parsecs', line: 4 })], [], DEFAULT_RECONCILE_CONFIG);
    expect(r.rejected).toEqual([
      { side: 'billing', recordId: 'a', line: 4, reason: "unit 'parsecs' is not a voice unit" },
    ]);
    expect(FINDING_CLASSES.every((c) => r.counts[c] === 0)).toBe(true);
  });

  test('zero-duration calls and test numbers are filtered, not flagged', () => {
    const cfg = config({
      mediation: {
        ...DEFAULT_RECONCILE_CONFIG.mediation,
        testSubscribers: ['440000000000'],
        testSubscriberPrefixes: ['4499'],
      },
    });
    const r = reconcilePartition(
      [rec('z', { quantity: 0 }), rec('t', { subscriber: '440000000000' }), rec('p', { subscriber: '449912345' })],
      [rec('x', { subscriber: '449900000' })],
      cfg,
    );
    expect(r.filtered).toEqual({ billing: 3, network: 1 });
    expect(r.findings).toEqual([]);
  });
});

describe('traps that must not be flagged', () => {
  test('start times shifted by a time zone (or a clock) change nothing: start time is informational', () => {
    const r = reconcilePartition(
      [rec('a', { startTime: '2026-11-02T11:00:00+01:00' }), rec('b', { startTime: '2026-11-02T10:00:00' })],
      [rec('a', { startTime: '2026-11-02T10:00:00Z' }), rec('b', { startTime: '2026-11-02T05:00:07-05:00' })],
      DEFAULT_RECONCILE_CONFIG,
    );
    expect(r.counts.matched).toBe(2);
    expect(r.findings).toEqual([]);
  });

  test('jitter inside every tolerance is within_tolerance, never a mismatch or rating error', () => {
    const billing = [
      rec('v', { quantity: 61, charge: 0.505 }),
      rec('d', { service: 'data', quantity: 1_004_000, charge: 1.001 }),
    ];
    const network = [
      rec('v', { quantity: 60, charge: 0.5 }),
      rec('d', { service: 'data', quantity: 1_000_000, charge: 1 }),
    ];
    const r = reconcilePartition(billing, network, DEFAULT_RECONCILE_CONFIG);
    expect(r.counts.within_tolerance).toBe(2);
    expect(r.counts.quantity_mismatch + r.counts.rating_error).toBe(0);
  });
});

describe('fallback key', () => {
  const fb = config({ fallback: { enabled: true, windowSeconds: 120 } });

  test('records with different ids pair on subscriber + service + direction within the window, across zones', () => {
    const r = reconcilePartition(
      [rec('ours-1', { startTime: '2026-11-02T11:00:30+01:00' })],
      [rec('mno-1', { startTime: '2026-11-02T10:01:00Z' })],
      fb,
    );
    expect(r.counts.matched).toBe(1);
  });

  test('outside the window, or another direction, they stay missing', () => {
    const r = reconcilePartition(
      [rec('ours-1', { startTime: '2026-11-02T10:00:00Z' }), rec('ours-2', { direction: 'mt' })],
      [rec('mno-1', { startTime: '2026-11-02T10:05:00Z' }), rec('mno-2')],
      fb,
    );
    // ours-2 (mt) has no mt counterpart; ours-1 and mno-2 share 10:00:00 and pair; mno-1 is 5 min off.
    expect(r.counts).toMatchObject({ matched: 1, missing_at_network: 1, missing_in_billing: 1 });
  });

  test('partitions are cut by subscriber when the fallback is on', () => {
    expect(partitionKeyOf(rec('x'), fb)).toBe('447700900001');
    expect(partitionKeyOf(rec('x'), DEFAULT_RECONCILE_CONFIG)).toBe('x');
  });
});

describe('partitions and summary', () => {
  test('FNV-1a: known vectors, and the byte form agrees with the string form (non-ASCII too)', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
    for (const k of ['rec-000123', 'Zürich-✓', '😀x']) {
      const bytes = Buffer.from(k, 'utf8');
      expect(fnv1aBytes(bytes, 0, bytes.length)).toBe(fnv1a(k));
    }
  });

  test('partitionOf is stable and spreads keys evenly', () => {
    expect(partitionOf('rec-000123', 16)).toBe(fnv1a('rec-000123') % 16);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`r${i}`, 16)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  test('reconciling partitions and merging gives the same counts as one big partition', () => {
    const billing: UsageRecord[] = [];
    const network: UsageRecord[] = [];
    for (let i = 0; i < 500; i++) {
      const svc = (['voice', 'sms', 'data'] as const)[i % 3]!;
      if (i % 7 !== 0)
        billing.push(rec(`r${i}`, { service: svc, quantity: 10 + (i % 5), direction: i % 2 ? 'mo' : 'mt' }));
      if (i % 11 !== 0)
        network.push(
          rec(`r${i}`, {
            service: svc,
            quantity: 10 + (i % 13 === 0 ? 5 : 0) + (i % 5),
            direction: i % 2 ? 'mo' : 'mt',
          }),
        );
    }
    const whole = mergeResults([reconcilePartition(billing, network, DEFAULT_RECONCILE_CONFIG)]);
    const parts = [0, 1, 2, 3].map((p) =>
      reconcilePartition(
        billing.filter((r) => partitionOf(r.recordId, 4) === p),
        network.filter((r) => partitionOf(r.recordId, 4) === p),
        DEFAULT_RECONCILE_CONFIG,
      ),
    );
    const merged = mergeResults(parts);
    expect(merged.counts).toEqual(whole.counts);
    expect(merged.money).toEqual(whole.money);
    expect(merged.byService).toEqual(whole.byService);
    expect(merged.partitions).toBe(4);
    expect(merged.records).toEqual({ billing: billing.length, network: network.length });
    const n = merged.counts;
    // Every record lands once: a pair counts once, so billing = pairs + missing_at_network + duplicates(billing).
    expect(n.matched + n.within_tolerance + n.quantity_mismatch + n.rating_error + n.missing_at_network).toBe(
      billing.length,
    );
  });

  test('leakage is the under-billed money as a % of billed revenue', () => {
    const r = reconcilePartition(
      [rec('a', { charge: 10 }), rec('b', { charge: 10 }), rec('c', { charge: 2 })],
      [rec('a', { charge: 10 }), rec('b', { charge: 10.5 }), rec('m', { charge: 1 })],
      DEFAULT_RECONCILE_CONFIG,
    );
    const s = mergeResults([r]);
    expect(s.billingRevenue).toBe(22);
    expect(s.leakage).toBe(1.5);
    expect(s.leakagePct).toBe(6.8182);
    expect(s.byService['voice:mo']!.counts).toMatchObject({
      matched: 1,
      rating_error: 1,
      missing_in_billing: 1,
      missing_at_network: 1,
    });
  });
});

describe('config schema', () => {
  test('an empty config is the issue defaults', () => {
    expect(DEFAULT_RECONCILE_CONFIG).toMatchObject({
      quantity: { voice: { abs: 2, rel: 0 }, sms: { abs: 0, rel: 0 }, data: { abs: 0, rel: 0.01 } },
      charge: { abs: 0.01, rel: 0.001 },
      partitions: 16,
    });
  });

  test('a bad field is named by its path', () => {
    const r = reconcileConfigSchema.safeParse({ quantity: { voice: { abs: -1, rel: 0 } } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['quantity', 'voice', 'abs']);
    const u = reconcileConfigSchema.safeParse({ partition: 3 });
    expect(u.success).toBe(false);
  });
});

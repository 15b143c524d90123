// Revenue assurance: the shapes the reconciliation engine takes and returns (issue 12 §2).
// Usage records from two sides (our billing/mediation and the network operator, the MNO) are
// matched on their key; every record ends in exactly one class. Pure: the engine, the CLI,
// the bench and the stored runs (Distributed Map partitions) all speak these types.
import * as z from 'zod';

export const SERVICES = ['voice', 'sms', 'data'] as const;
export type Service = (typeof SERVICES)[number];

export const SIDES = ['billing', 'network'] as const;
export type Side = (typeof SIDES)[number];

/** One usage record from either side. Quantity is in the service's base unit once mediated. */
export interface UsageRecord {
  /** The match key: charging id / call id. Partials of one data session share it (see `part`). */
  recordId: string;
  subscriber: string;
  service: Service;
  /** Free text kept as read (e.g. `mo`/`mt`, `in`/`out`): results are split per service × direction. */
  direction: string;
  /** ISO 8601 start; informational (time zones and clocks differ): used only by the fallback key. */
  startTime: string;
  /** voice: seconds, sms: count, data: bytes (after mediation; `unit` names what the file said). */
  quantity: number;
  /** The file's unit when it is not the base one (`min`, `ms`, `kB`, `MB`, `KiB`, ...). */
  unit?: string;
  /** Money, in the run's currency. */
  charge: number;
  /** Line number in its source file (1 = header for CSV), for error reports and findings. */
  line?: number;
  /** Sequence number of a partial record: partials sharing a recordId are summed by mediation. */
  part?: number;
}

export const FINDING_CLASSES = [
  'matched',
  'within_tolerance',
  'quantity_mismatch',
  'missing_in_billing',
  'missing_at_network',
  'duplicate',
  'rating_error',
] as const;
export type FindingClass = (typeof FINDING_CLASSES)[number];

/**
 * A record (or a pair of records) that did not match exactly. `value` is money, signed from the
 * billing side's point of view: network charge − billing charge. Positive = under-billed (revenue
 * leakage: `missing_in_billing` is +network charge); negative = over-billed, a dispute risk
 * (`missing_at_network` is −billing charge). A `duplicate` is the extra copy only (the first copy of
 * a key is matched normally): −its charge on the billing side (billed twice), +its charge on the
 * network side (charged to us twice).
 */
export interface Finding {
  recordId: string;
  class: Exclude<FindingClass, 'matched'>;
  service: Service;
  direction: string;
  subscriber: string;
  /** Which side a `duplicate` copy came from. */
  side?: Side;
  billing?: UsageRecord;
  network?: UsageRecord;
  value: number;
}

export const toleranceSchema = z.object({
  abs: z.number().finite().min(0),
  rel: z.number().finite().min(0).max(1),
});
/** A pair is within tolerance when |a − b| ≤ abs + rel·|b|, b being the network's figure. */
export type Tolerance = z.infer<typeof toleranceSchema>;

export const MAX_PARTITIONS = 4096;

export const reconcileConfigSchema = z
  .object({
    /** Quantity tolerance per service (voice in seconds, sms in count, data in bytes). */
    quantity: z
      .object({ voice: toleranceSchema, sms: toleranceSchema, data: toleranceSchema })
      .strict()
      .default({ voice: { abs: 2, rel: 0 }, sms: { abs: 0, rel: 0 }, data: { abs: 0, rel: 0.01 } }),
    /** Charge tolerance: a pair within its quantity tolerance but outside this is a rating error. */
    charge: toleranceSchema.default({ abs: 0.01, rel: 0.001 }),
    mediation: z
      .object({
        /** Zero-duration calls and empty sessions carry no revenue: drop them before matching. */
        dropZeroQuantity: z.boolean().default(true),
        /** Test numbers: records of these subscribers are dropped (exact match). */
        testSubscribers: z.array(z.string().min(1)).max(10_000).default([]),
        /** Test ranges: records of subscribers starting with one of these are dropped. */
        testSubscriberPrefixes: z.array(z.string().min(1)).max(1_000).default([]),
        /** Sum partial records (same recordId, distinct `part`) into one before matching. */
        aggregatePartials: z.boolean().default(true),
        /** Zone for start times written without an offset (IANA name). */
        timeZone: z.string().min(1).default('UTC'),
      })
      .strict()
      .default({
        dropZeroQuantity: true,
        testSubscribers: [],
        testSubscriberPrefixes: [],
        aggregatePartials: true,
        timeZone: 'UTC',
      }),
    /**
     * Fallback key for records left unmatched by recordId: same subscriber, service and direction,
     * start times within `windowSeconds`. When enabled, partitions are cut by subscriber (so both
     * keys of a record meet in one partition) instead of by recordId.
     */
    fallback: z
      .object({
        enabled: z.boolean().default(false),
        windowSeconds: z.number().int().min(0).max(86_400).default(300),
      })
      .strict()
      .default({ enabled: false, windowSeconds: 300 }),
    /** How many partitions a run is cut into (hash of the partition key). */
    partitions: z.number().int().min(1).max(MAX_PARTITIONS).default(16),
  })
  .strict();

export type ReconcileConfig = z.infer<typeof reconcileConfigSchema>;
/** A config as written in JSON: every field optional, defaults filled by the schema. */
export type ReconcileConfigInput = z.input<typeof reconcileConfigSchema>;

/** The defaults: voice ±2 s, sms exact, data ±1% of the network's volume; charges ±(0.01 + 0.1%). */
export const DEFAULT_RECONCILE_CONFIG: ReconcileConfig = reconcileConfigSchema.parse({});

/** Counts and money per class. */
export interface ClassTotals {
  counts: Record<FindingClass, number>;
  money: Record<FindingClass, number>;
}

export interface SideCounts {
  billing: number;
  network: number;
}

/** What reconciling one partition gives. */
export interface PartitionResult extends ClassTotals {
  /** Per `${service}:${direction}` (e.g. `voice:mo`). */
  byService: Record<string, ClassTotals>;
  /** Every record not matched exactly (within_tolerance included), both sides attached. */
  findings: Finding[];
  /** Sum of billing charges after mediation (extra duplicate copies excluded). */
  billingRevenue: number;
  /** Under-billed money: missing_in_billing plus the positive values of quantity_mismatch and rating_error. */
  leakage: number;
  /** Records taken in, per side (before mediation). */
  records: SideCounts;
  /** Records dropped by mediation filters (zero quantity, test numbers), per side. */
  filtered: SideCounts;
  /** Partial records folded into another one, per side. */
  aggregated: SideCounts;
  /** Records mediation could not use (unknown unit, bad quantity), per side, with reasons. */
  rejected: { side: Side; recordId: string; line?: number; reason: string }[];
}

/** A whole run: partitions merged. */
export interface RunSummary extends ClassTotals {
  byService: Record<string, ClassTotals>;
  billingRevenue: number;
  /** Under-billed money: missing_in_billing plus the positive values of quantity_mismatch and rating_error. */
  leakage: number;
  /** leakage / billingRevenue × 100 (0 when there is no revenue). */
  leakagePct: number;
  records: SideCounts;
  filtered: SideCounts;
  aggregated: SideCounts;
  rejected: number;
  partitions: number;
}

export function emptyClassTotals(): ClassTotals {
  const counts = {} as Record<FindingClass, number>;
  const money = {} as Record<FindingClass, number>;
  for (const c of FINDING_CLASSES) {
    counts[c] = 0;
    money[c] = 0;
  }
  return { counts, money };
}

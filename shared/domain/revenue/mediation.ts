// Mediation before matching: quantities to the service's base unit (voice seconds, sms count,
// data bytes), start times to UTC instants, and the filters that drop records carrying no revenue
// (zero quantity, test numbers). Deduplication and partial aggregation happen per key in match.ts.
import { DateTime } from 'luxon';
import type { ReconcileConfig, Service, UsageRecord } from './types';

// Lower-cased unit → factor to the base unit. Data units follow SI (kB = 1000 bytes); the binary
// ones are spelled KiB, MiB, GiB. A bare `b` is not accepted for data (bits or bytes?).
const UNIT_FACTORS: Record<Service, Record<string, number>> = {
  voice: {
    '': 1,
    s: 1,
    sec: 1,
    secs: 1,
    second: 1,
    seconds: 1,
    ms: 0.001,
    min: 60,
    mins: 60,
    minute: 60,
    minutes: 60,
    h: 3600,
    hour: 3600,
    hours: 3600,
  },
  sms: { '': 1, count: 1, sms: 1, msg: 1, message: 1, messages: 1, event: 1, events: 1 },
  data: {
    '': 1,
    byte: 1,
    bytes: 1,
    octet: 1,
    octets: 1,
    kb: 1e3,
    mb: 1e6,
    gb: 1e9,
    kib: 1024,
    mib: 1024 ** 2,
    gib: 1024 ** 3,
  },
};

export const BASE_UNITS: Record<Service, string> = { voice: 's', sms: 'count', data: 'B' };

/** Factor from `unit` to the service's base unit, or undefined when the unit is unknown for it. */
export function unitFactor(service: Service, unit: string | undefined): number | undefined {
  if (unit === undefined) return 1;
  const u = unit.trim().toLowerCase();
  if (u === BASE_UNITS[service].toLowerCase()) return 1;
  return Object.hasOwn(UNIT_FACTORS[service], u) ? UNIT_FACTORS[service][u] : undefined;
}

export type Mediated = { record: UsageRecord } | { filtered: true } | { rejected: string };

/**
 * One record through mediation: the same object when nothing changes (the common, fast case),
 * a copy with the quantity in the base unit otherwise.
 */
export function mediateRecord(
  record: UsageRecord,
  config: ReconcileConfig,
  testNumbers?: ReadonlySet<string>,
): Mediated {
  const m = mediate(record, config, testNumbers);
  return m === FILTERED ? { filtered: true } : typeof m === 'string' ? { rejected: m } : { record: m };
}

/** mediateRecord's outcome for a record dropped by a filter. */
export const FILTERED = null;

/**
 * mediateRecord without wrapping its outcome (the engine's per-record path allocates nothing for
 * the common case): the record (the same object or a copy in base units), FILTERED, or the reason
 * it is rejected.
 */
export function mediate(
  record: UsageRecord,
  config: ReconcileConfig,
  testNumbers?: ReadonlySet<string>,
): UsageRecord | typeof FILTERED | string {
  let r = record;
  if (r.unit !== undefined && r.unit !== '') {
    const f = unitFactor(r.service, r.unit);
    if (f === undefined) return `unit '${r.unit}' is not a ${r.service} unit`;
    if (f !== 1 || r.unit !== BASE_UNITS[r.service])
      r = { ...r, quantity: r.quantity * f, unit: BASE_UNITS[r.service] };
  }
  if (!Number.isFinite(r.quantity) || r.quantity < 0) return 'quantity must be a number ≥ 0';
  if (!Number.isFinite(r.charge)) return 'charge must be a number';
  const m = config.mediation;
  if (m.dropZeroQuantity && r.quantity === 0) return FILTERED;
  if (testNumbers !== undefined) {
    if (testNumbers.has(r.subscriber)) return FILTERED;
  } else if (m.testSubscribers.length > 0 && m.testSubscribers.includes(r.subscriber)) return FILTERED;
  const prefixes = m.testSubscriberPrefixes;
  for (let i = 0; i < prefixes.length; i++) if (r.subscriber.startsWith(prefixes[i]!)) return FILTERED;
  return r;
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * A start time as epoch milliseconds: an ISO 8601 string with an offset (or Z) as written, one
 * without an offset read in `timeZone`. NaN when it is not a date.
 */
export function startEpochMs(startTime: string, timeZone: string): number {
  const s = startTime.trim();
  if (s === '') return Number.NaN;
  if (HAS_OFFSET.test(s)) {
    const t = DateTime.fromISO(s, { setZone: true });
    return t.isValid ? t.toMillis() : Number.NaN;
  }
  const t = DateTime.fromISO(s, { zone: timeZone });
  return t.isValid ? t.toMillis() : Number.NaN;
}

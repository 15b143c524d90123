// Two sides of synthetic usage for the revenue assurance bench: N records each in the CLI's CSV
// format, with known problems of every class injected at `rate` each, and traps that must not be
// flagged (start times shifted into another zone on the billing side; jitter inside every tolerance,
// which must land in within_tolerance and nowhere worse). Deterministic for a seed; written in
// 1 MiB blocks so that generating 5M records stays small in memory.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { FindingClass } from '../shared/domain/revenue';

export const CSV_HEADER = 'record_id,subscriber,service,direction,start_time,quantity,unit,charge';

/** The injected truth: recordId → the class it must end in (the rest must be matched). */
export type Truth = Map<string, Exclude<FindingClass, 'matched'>>;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class BlockWriter {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  line(s: string): void {
    this.parts.push(s);
    this.size += s.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    const b = Buffer.from(this.parts.join('\n') + '\n', 'latin1');
    writeSync(this.fd, b);
    this.bytes += b.length;
    this.parts = [];
    this.size = 0;
  }
}

const INJECTED: Exclude<FindingClass, 'matched'>[] = [
  'quantity_mismatch',
  'missing_in_billing',
  'missing_at_network',
  'duplicate',
  'rating_error',
  'within_tolerance',
];

export interface GeneratedSides {
  truth: Truth;
  /** Records written per side (duplicates add lines; missing ones remove them). */
  lines: { billing: number; network: number };
  bytes: { billing: number; network: number };
  traps: { shiftedStartTimes: number; jitter: number };
}

const money = (v: number) => Math.round(v * 10_000) / 10_000;

/** Writes both sides as CSV files; `rate` is the share of records injected with each class. */
export function generateSides(
  n: number,
  billingPath: string,
  networkPath: string,
  opts: { seed?: number; rate?: number } = {},
): GeneratedSides {
  const rnd = mulberry32(opts.seed ?? 12);
  const rate = opts.rate ?? 0.002;
  const truth: Truth = new Map();
  const fb = openSync(billingPath, 'w');
  const fn = openSync(networkPath, 'w');
  const b = new BlockWriter(fb);
  const w = new BlockWriter(fn);
  const lines = { billing: 0, network: 0 };
  const traps = { shiftedStartTimes: 0, jitter: 0 };
  b.line(CSV_HEADER);
  w.line(CSV_HEADER);
  const t0 = Date.UTC(2026, 10, 1);
  try {
    for (let i = 0; i < n; i++) {
      const id = `C${(i * 2654435761) % 4294967291}-${i}`;
      const sub = `4477${String(Math.floor(rnd() * 1e8)).padStart(8, '0')}`;
      const u = rnd();
      const service = u < 0.5 ? 'voice' : u < 0.7 ? 'sms' : 'data';
      const direction = rnd() < 0.6 ? 'mo' : 'mt';
      const start = t0 + Math.floor((i / n) * 86_400_000);
      const startUtc = new Date(start).toISOString().slice(0, 19) + 'Z';
      let q: number;
      let charge: number;
      let unit: string;
      if (service === 'voice') {
        q = 1 + Math.floor(rnd() * 1800);
        charge = money(q * 0.0015);
        unit = 's';
      } else if (service === 'sms') {
        q = 1;
        charge = 0.05;
        unit = 'count';
      } else {
        q = 10_000 + Math.floor(rnd() * 50_000_000);
        charge = money((q / 1e6) * 0.01);
        unit = 'B';
      }
      const row = (quantity: number, c: number, st = startUtc) =>
        `${id},${sub},${service},${direction},${st},${quantity},${unit},${c}`;
      const network = row(q, charge);
      let billing = network;

      const pick = rnd();
      const slot = Math.floor(pick / rate);
      const cls = slot < INJECTED.length ? INJECTED[slot] : undefined;
      if (cls !== undefined) truth.set(id, cls);
      switch (cls) {
        case 'quantity_mismatch': {
          const bq =
            service === 'voice' ? q + 3 + Math.floor(rnd() * 100) : service === 'sms' ? 2 : Math.ceil(q * 1.02) + 1;
          billing = row(bq, charge);
          break;
        }
        case 'rating_error':
          billing = row(q, money(charge * 1.5 + 0.05));
          break;
        case 'within_tolerance': {
          traps.jitter++;
          const bq = service === 'voice' ? q + (rnd() < 0.5 ? -2 : 1) : service === 'sms' ? q : Math.floor(q * 1.005);
          billing = row(Math.max(1, bq), money(charge + 0.005));
          break;
        }
        default:
          break;
      }
      // Trap: about 1 in 50 billing records carries its start time in another zone (same instant).
      if (cls === undefined && rnd() < 0.02) {
        traps.shiftedStartTimes++;
        const local = new Date(start + 2 * 3_600_000).toISOString().slice(0, 19) + '+02:00';
        billing = row(q, charge, local);
      }
      if (cls !== 'missing_at_network') {
        w.line(network);
        lines.network++;
      }
      if (cls !== 'missing_in_billing') {
        b.line(billing);
        lines.billing++;
      }
      if (cls === 'duplicate') {
        // Alternate the side the extra copy is on.
        if (i % 2 === 0) {
          b.line(billing);
          lines.billing++;
        } else {
          w.line(network);
          lines.network++;
        }
      }
    }
    b.flush();
    w.flush();
  } finally {
    closeSync(fb);
    closeSync(fn);
  }
  return { truth, lines, bytes: { billing: b.bytes, network: w.bytes }, traps };
}

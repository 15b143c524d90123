// Where revenue assurance files live in the RA bucket, and the generic format Load writes (issue 12
// §1, docs/revenue-assurance.md "Files in the RA bucket"). Pure: key names and line formats only.
//
//   inbox/<side>/<period>/<file>            as delivered (envelope-encrypted with the RA key)
//   batches/<side>/<period>/<file>/part-00001.jsonl.gz
//                                           the file's valid records, generic JSON Lines, gzip, sealed
//   errors/<side>/<period>/<file>.jsonl     its bad lines: {"line":12,"reason":"…"} (plain JSON Lines)
//   loads/<side>/<period>/<file>.json       the load manifest, written last: a file is loaded once it has one
//   processed/<side>/<period>/<file>        the delivered bytes once loaded
//   rejected/<side>/<period>/<file>         the delivered bytes of a file refused whole
//   outbox/<partner>/<file>                 extracts for a partner (sealed)
import { SIDES, type Side, type UsageRecord } from './types';

export const INBOX_PREFIX = 'inbox/';

/** A delivered file's place: which side, which period (YYYY-MM-DD), its name. */
export interface InboxFile {
  side: Side;
  period: string;
  name: string;
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/** The inbox key's side, period and name; a string saying what is wrong when it is not `inbox/<side>/<period>/<name>`. */
export function parseInboxKey(key: string): InboxFile | string {
  if (!key.startsWith(INBOX_PREFIX)) return `${key} is not under ${INBOX_PREFIX}`;
  const parts = key.slice(INBOX_PREFIX.length).split('/');
  if (parts.length !== 3) return `${key} is not inbox/<side>/<period>/<file>`;
  const [side, period, name] = parts as [string, string, string];
  if (!(SIDES as readonly string[]).includes(side)) return `${key}: side '${side}' is not billing or network`;
  if (!PERIOD.test(period)) return `${key}: period '${period}' is not a date (YYYY-MM-DD)`;
  if (!NAME.test(name))
    return `${key}: file name '${name}' has characters other than letters, digits, '.', '_' and '-'`;
  return { side: side as Side, period, name };
}

const place = (f: InboxFile) => `${f.side}/${f.period}/${f.name}`;

export const raKeys = {
  inbox: (f: InboxFile) => `${INBOX_PREFIX}${place(f)}`,
  batchPrefix: (f: InboxFile) => `batches/${place(f)}/`,
  batch: (f: InboxFile, n: number) => `batches/${place(f)}/part-${String(n).padStart(5, '0')}.jsonl.gz`,
  /** Every batch of one side and period (what a run reads). */
  periodBatches: (side: Side, period: string) => `batches/${side}/${period}/`,
  errors: (f: InboxFile) => `errors/${place(f)}.jsonl`,
  manifest: (f: InboxFile) => `loads/${place(f)}.json`,
  periodManifests: (side: Side, period: string) => `loads/${side}/${period}/`,
  processed: (f: InboxFile) => `processed/${place(f)}`,
  rejected: (f: InboxFile) => `rejected/${place(f)}`,
  outbox: (partner: string, name: string) => `outbox/${partner}/${name}`,
  /** The findings of a period's current run (findings.csv, sealed), written when a run completes. */
  results: (period: string) => `results/${period}/findings.csv`,
};

/** What Load records for a file once it is done with it (the manifest). */
export interface LoadManifest {
  file: InboxFile;
  /** sha256 of the delivered (encrypted) bytes: the same delivery again is recognised. */
  sha256: string;
  status: 'loaded' | 'rejected';
  /** Lines read (data lines, the CSV header not counted). */
  lines: number;
  records: number;
  errored: number;
  batches: string[];
  errorsKey?: string;
  /** Why a rejected file was refused whole. */
  reason?: string;
  loadedAt: string;
}

/** One record in the generic format: JSON Lines with the CSV header's field names (readable with the default mapping). */
export function genericLine(r: UsageRecord): string {
  const o: Record<string, string | number> = {
    record_id: r.recordId,
    subscriber: r.subscriber,
    service: r.service,
    direction: r.direction,
    start_time: r.startTime,
    quantity: r.quantity,
    charge: r.charge,
  };
  // The quantity is as the file wrote it: its unit goes with it (mediation converts it).
  if (r.unit !== undefined) o.unit = r.unit;
  if (r.part !== undefined) o.part = r.part;
  return JSON.stringify(o);
}

// Reading usage files (issue 12 §1/§3): CSV with a header or JSON Lines, gzip or not (told by the
// magic bytes), through a schema mapping kept as configuration (column names, service values,
// default units, the time zone of start times written without an offset, number formats). A bad
// line goes to an error list with its line number and reason and never stops the reading.
//
// Two ways in, one line parser:
// - readUsageBatches(): a Node Readable (a local file, an S3 body) → batches of UsageRecords;
// - splitUsageLines(): the fast path for a run: each line's raw bytes are handed to the partition
//   its key hashes to (no record is built), to be parsed when that partition is reconciled.
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DateTime } from 'luxon';
import * as z from 'zod';
import { fnv1a, fnv1aBytes } from '../domain/revenue/partition';
import { BASE_UNITS, unitFactor } from '../domain/revenue/mediation';
import { SERVICES, type Service, type UsageRecord } from '../domain/revenue/types';

export const USAGE_FIELDS = [
  'recordId',
  'subscriber',
  'service',
  'direction',
  'startTime',
  'quantity',
  'unit',
  'charge',
  'part',
] as const;
export type UsageField = (typeof USAGE_FIELDS)[number];

/** The file's column (CSV header name / JSON key) for each field, unless the mapping says otherwise. */
export const DEFAULT_COLUMNS: Record<UsageField, string> = {
  recordId: 'record_id',
  subscriber: 'subscriber',
  service: 'service',
  direction: 'direction',
  startTime: 'start_time',
  quantity: 'quantity',
  unit: 'unit',
  charge: 'charge',
  part: 'part',
};
const REQUIRED: readonly UsageField[] = ['recordId', 'subscriber', 'service', 'quantity', 'charge'];

const columnName = z.string().min(1).max(128);
export const usageMappingSchema = z
  .object({
    /** `auto`: JSON Lines when the first non-blank byte is `{`, CSV otherwise. */
    format: z.enum(['auto', 'csv', 'jsonl']).default('auto'),
    delimiter: z
      .string()
      .length(1)
      .refine((d) => d !== '"' && d !== '\n' && d !== '\r', 'a delimiter cannot be a quote or a line break')
      .default(','),
    columns: z
      .object(
        Object.fromEntries(USAGE_FIELDS.map((f) => [f, columnName.optional()])) as Record<
          UsageField,
          z.ZodOptional<typeof columnName>
        >,
      )
      .strict()
      .default({}),
    /** The file's service values (case-insensitive) → ours; `voice`, `sms`, `data` are always known. */
    services: z.record(z.string().min(1).max(64), z.enum(SERVICES)).default({}),
    /** The unit of a service's quantity when the file has no unit (or an empty one). */
    units: z
      .object({
        voice: z.string().min(1).optional(),
        sms: z.string().min(1).optional(),
        data: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** The zone of start times written without an offset (IANA name); they are given its offset. */
    timeZone: z.string().min(1).default('UTC'),
    decimalSeparator: z.enum(['.', ',']).default('.'),
    thousandsSeparator: z.enum(['', ',', '.', ' ', "'"]).default(''),
  })
  .strict()
  .refine((m) => m.decimalSeparator !== m.thousandsSeparator, {
    message: 'the decimal and thousands separators must differ',
    path: ['thousandsSeparator'],
  })
  .refine((m) => m.decimalSeparator !== ',' || m.delimiter !== ',' || m.format === 'jsonl', {
    message: 'a comma decimal separator needs another CSV delimiter',
    path: ['delimiter'],
  })
  .refine((m) => DateTime.now().setZone(m.timeZone).isValid, { message: 'unknown time zone', path: ['timeZone'] });

export type UsageMapping = z.infer<typeof usageMappingSchema>;
export type UsageMappingInput = z.input<typeof usageMappingSchema>;
/**
 * The mapping of a file nobody described: what `usageMappingSchema.parse({})` gives (a unit test holds
 * them equal), written out so that loading this module parses nothing. Parsing it at load ran the
 * time-zone refinement, i.e. luxon's zone machinery, at every revenue function's cold start (issue 15).
 */
export const DEFAULT_USAGE_MAPPING: UsageMapping = {
  format: 'auto',
  delimiter: ',',
  columns: {},
  services: {},
  units: {},
  timeZone: 'UTC',
  decimalSeparator: '.',
  thousandsSeparator: '',
};

export interface UsageLineError {
  line: number;
  reason: string;
}

/** Collects bad lines; keeps the first `keep` in full and counts the rest. */
export class UsageErrorLog {
  readonly errors: UsageLineError[] = [];
  count = 0;
  constructor(readonly keep = 10_000) {}
  add(line: number, reason: string): void {
    this.count++;
    if (this.errors.length < this.keep) this.errors.push({ line, reason });
  }
}

// ---------------------------------------------------------------------------------------------
// Decompression and lines

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** The input's bytes, gunzipped when it starts with the gzip magic bytes. */
export async function* decompressed(input: Readable | AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let first = await it.next();
  while (!first.done && first.value.length === 0) first = await it.next();
  if (first.done) return;
  const head = typeof first.value === 'string' ? Buffer.from(first.value) : first.value;
  // A single-byte first chunk cannot be told apart: wait for one more.
  let lead = head;
  if (lead.length === 1) {
    const more = await it.next();
    if (!more.done) lead = Buffer.concat([lead, typeof more.value === 'string' ? Buffer.from(more.value) : more.value]);
  }
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield lead;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      yield typeof r.value === 'string' ? Buffer.from(r.value) : r.value;
    }
  };
  if (lead[0] !== GZIP_MAGIC_0 || lead[1] !== GZIP_MAGIC_1) {
    yield* rest();
    return;
  }
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  const feed = (async () => {
    try {
      for await (const chunk of rest()) {
        if (!gunzip.write(chunk)) await new Promise<void>((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    } catch (err) {
      gunzip.destroy(err as Error);
    }
  })();
  for await (const out of gunzip) yield out as Buffer;
  await feed;
}

type LineCallback = (buf: Buffer, start: number, end: number, lineNo: number) => void;

/** Cuts chunks into lines (without their `\r\n` / `\n`), carrying a partial line to the next chunk. */
class LineSplitter {
  private carry: Buffer | undefined;
  private lineNo = 0;

  private emit(buf: Buffer, start: number, end: number, onLine: LineCallback): void {
    this.lineNo++;
    onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end, this.lineNo);
  }

  push(chunk: Buffer, onLine: LineCallback): void {
    let pos = 0;
    if (this.carry !== undefined) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = undefined;
      this.emit(joined, 0, joined.length, onLine);
      pos = nl + 1;
    }
    for (let nl = chunk.indexOf(10, pos); nl >= 0; nl = chunk.indexOf(10, pos)) {
      this.emit(chunk, pos, nl, onLine);
      pos = nl + 1;
    }
    if (pos < chunk.length) this.carry = Buffer.from(chunk.subarray(pos));
  }

  end(onLine: LineCallback): number {
    if (this.carry !== undefined && this.carry.length > 0) this.emit(this.carry, 0, this.carry.length, onLine);
    this.carry = undefined;
    return this.lineNo;
  }
}

/**
 * Every line of the input as a byte range of a buffer. The callback must not keep the buffer
 * beyond the call unless it copies the bytes. Returns the number of lines.
 */
export async function forEachLine(input: Readable | AsyncIterable<Buffer>, onLine: LineCallback): Promise<number> {
  const lines = new LineSplitter();
  for await (const chunk of decompressed(input)) lines.push(chunk, onLine);
  return lines.end(onLine);
}

// ---------------------------------------------------------------------------------------------
// One line → one record

/** Splits one CSV line, honouring RFC 4180 quotes (a record cannot span lines). */
export function splitCsvLine(text: string, delimiter: string): string[] | undefined {
  if (!text.includes('"')) return text.split(delimiter);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return undefined; // unterminated quote
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(value);
      if (i === text.length) return out;
      if (text[i] !== delimiter) return undefined; // text after a closing quote
      i++;
    } else {
      const d = text.indexOf(delimiter, i);
      if (d < 0) {
        out.push(text.slice(i));
        return out;
      }
      out.push(text.slice(i, d));
      i = d + 1;
    }
  }
}

type Format = 'csv' | 'jsonl';

/** What a parsed header gives the line parser: the file's format and where each field is. */
export interface UsageLayout {
  format: Format;
  /** CSV: column index per field (−1 = absent). JSON Lines: unused. */
  index: Record<UsageField, number>;
  /** CSV: how many columns the header has. */
  width: number;
}

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** Turns lines into UsageRecords under one mapping; holds the small caches that make it fast. */
export class UsageLineParser {
  private readonly columns: Record<UsageField, string>;
  private readonly serviceOf = new Map<string, Service>();
  private readonly interned = new Map<string, string>();
  private readonly offsets = new Map<string, string>();
  private readonly plainNumbers: boolean;
  private readonly zoneIsUtc: boolean;
  /** CSV with plain numbers: lines without quotes take parseFast (cells cut in place, no array). */
  private readonly fast: boolean;
  private readonly cuts: Int32Array;

  constructor(
    readonly mapping: UsageMapping,
    readonly layout: UsageLayout,
  ) {
    this.columns = { ...DEFAULT_COLUMNS, ...stripUndefined(mapping.columns) };
    for (const s of SERVICES) this.serviceOf.set(s, s);
    for (const [k, v] of Object.entries(mapping.services)) this.serviceOf.set(k.toLowerCase(), v);
    this.plainNumbers = mapping.decimalSeparator === '.' && mapping.thousandsSeparator === '';
    this.zoneIsUtc = ['utc', 'etc/utc', 'z', 'gmt'].includes(mapping.timeZone.toLowerCase());
    this.fast = layout.format === 'csv' && this.plainNumbers && layout.width > 0;
    this.cuts = new Int32Array(layout.width + 1);
  }

  /** Reads a header line (CSV) or decides the format (JSON Lines has no header). */
  static layoutOf(firstLine: string, mapping: UsageMapping): UsageLayout | { error: string } {
    const index = Object.fromEntries(USAGE_FIELDS.map((f) => [f, -1])) as Record<UsageField, number>;
    const format: Format =
      mapping.format === 'auto' ? (firstLine.trimStart().startsWith('{') ? 'jsonl' : 'csv') : mapping.format;
    if (format === 'jsonl') return { format, index, width: 0 };
    const names = splitCsvLine(firstLine.replace(/^\uFEFF/, ''), mapping.delimiter);
    if (names === undefined) return { error: 'the header is not valid CSV' };
    const columns = { ...DEFAULT_COLUMNS, ...stripUndefined(mapping.columns) };
    const positions = new Map(names.map((n, i) => [n.trim(), i]));
    for (const f of USAGE_FIELDS) index[f] = positions.get(columns[f]) ?? -1;
    const missing = REQUIRED.filter((f) => index[f] < 0).map((f) => columns[f]);
    if (missing.length > 0) return { error: `the header lacks the column(s) ${missing.join(', ')}` };
    return { format, index, width: names.length };
  }

  private intern(s: string): string {
    const hit = this.interned.get(s);
    if (hit !== undefined) return hit;
    if (this.interned.size < 1024) this.interned.set(s, s);
    return s;
  }

  private number(s: string | undefined): number {
    if (s === undefined || s.length === 0) return Number.NaN;
    let t = s;
    if (!this.plainNumbers) {
      if (this.mapping.thousandsSeparator !== '') t = t.split(this.mapping.thousandsSeparator).join('');
      if (this.mapping.decimalSeparator === ',') t = t.replace(',', '.');
    }
    const v = Number(t);
    return v === 0 && t.trim() === '' ? Number.NaN : v;
  }

  private startTime(s: string): string {
    if (s.length < 13 || this.zoneIsUtc || HAS_OFFSET.test(s)) return s;
    const iso = s[10] === ' ' ? `${s.slice(0, 10)}T${s.slice(11)}` : s;
    const hour = iso.slice(0, 13);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const t = DateTime.fromISO(iso, { zone: this.mapping.timeZone });
      offset = t.isValid ? t.toFormat('ZZ') : '';
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(hour, offset);
    }
    return offset === '' ? s : iso + offset;
  }

  /** One line's record, or the reason it is not one. */
  parse(text: string, line: number): UsageRecord | string {
    if (this.fast) {
      const r = this.parseFast(text, line);
      if (r !== undefined) return r;
    }
    return this.parseAny(text, line);
  }

  /**
   * The common case without building a cell array: a CSV line without quotes whose cells are all
   * as expected (plain numbers, a known service, base or known units, no `part`). Anything else
   * (undefined) goes through parseAny, which gives the same record or the reason for the error.
   */
  private parseFast(text: string, line: number): UsageRecord | undefined {
    if (text.indexOf('"') >= 0) return undefined;
    const d = this.mapping.delimiter;
    const width = this.layout.width;
    const cuts = this.cuts;
    cuts[0] = -1;
    let pos = -1;
    for (let k = 1; k < width; k++) {
      pos = text.indexOf(d, pos + 1);
      if (pos < 0) return undefined;
      cuts[k] = pos;
    }
    if (text.indexOf(d, pos + 1) >= 0) return undefined;
    cuts[width] = text.length;
    const idx = this.layout.index;
    if (idx.part >= 0 && cuts[idx.part + 1]! - cuts[idx.part]! > 1) return undefined;
    const recordId = cellOf(text, cuts, idx.recordId);
    const subscriber = cellOf(text, cuts, idx.subscriber);
    if (recordId.length === 0 || subscriber.length === 0) return undefined;
    const service = this.serviceOf.get(cellOf(text, cuts, idx.service));
    if (service === undefined) return undefined;
    let quantity = plainNumber(text, cuts[idx.quantity]! + 1, cuts[idx.quantity + 1]!);
    const charge = plainNumber(text, cuts[idx.charge]! + 1, cuts[idx.charge + 1]!);
    if (!(quantity >= 0) || Number.isNaN(charge)) return undefined;
    let unit = idx.unit < 0 ? '' : cellOf(text, cuts, idx.unit);
    if (unit === '') unit = this.mapping.units[service] ?? '';
    if (unit !== '' && unit !== BASE_UNITS[service]) {
      const f = unitFactor(service, unit);
      if (f === undefined) return undefined;
      quantity *= f;
    }
    return {
      recordId,
      subscriber,
      service,
      direction: this.intern(idx.direction < 0 ? '' : cellOf(text, cuts, idx.direction)),
      startTime: this.startTime(idx.startTime < 0 ? '' : cellOf(text, cuts, idx.startTime)),
      quantity,
      charge,
      line,
    };
  }

  private parseAny(text: string, line: number): UsageRecord | string {
    let cells: (string | undefined)[];
    let idx: Record<UsageField, number>;
    if (this.layout.format === 'csv') {
      const split = splitCsvLine(text, this.mapping.delimiter);
      if (split === undefined) return 'not valid CSV (a quote is not closed or is followed by text)';
      if (split.length !== this.layout.width)
        return `${split.length} columns where the header has ${this.layout.width}`;
      cells = split;
      idx = this.layout.index;
    } else {
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch {
        return 'not valid JSON';
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return 'not a JSON object';
      const o = obj as Record<string, unknown>;
      cells = USAGE_FIELDS.map((f) => {
        const v = o[this.columns[f]];
        return v === undefined || v === null ? undefined : typeof v === 'string' ? v : String(v);
      });
      idx = JSON_INDEX;
    }
    const recordId = cellAt(cells, idx.recordId);
    if (recordId === undefined || recordId.length === 0) return `${this.columns.recordId} is empty`;
    const subscriber = cellAt(cells, idx.subscriber);
    if (subscriber === undefined || subscriber.length === 0) return `${this.columns.subscriber} is empty`;
    const rawService = cellAt(cells, idx.service) ?? '';
    const service = this.serviceOf.get(rawService) ?? this.serviceOf.get(rawService.trim().toLowerCase());
    if (service === undefined) return `${this.columns.service} '${rawService}' is not voice, sms or data`;
    let quantity = this.number(cellAt(cells, idx.quantity));
    if (!(quantity >= 0)) return `${this.columns.quantity} is not a number ≥ 0`;
    const charge = this.number(cellAt(cells, idx.charge));
    if (!Number.isFinite(charge)) return `${this.columns.charge} is not a number`;
    let unit = cellAt(cells, idx.unit);
    if (unit === undefined || unit === '') unit = this.mapping.units[service];
    if (unit !== undefined && unit !== BASE_UNITS[service]) {
      const f = unitFactor(service, unit);
      if (f === undefined) return `${this.columns.unit} '${unit}' is not a ${service} unit`;
      quantity *= f;
    }
    const record: UsageRecord = {
      recordId,
      subscriber,
      service,
      direction: this.intern(cellAt(cells, idx.direction) ?? ''),
      startTime: this.startTime(cellAt(cells, idx.startTime) ?? ''),
      quantity,
      charge,
      line,
    };
    const part = cellAt(cells, idx.part);
    if (part !== undefined && part !== '') {
      const p = Number(part);
      if (!Number.isInteger(p) || p < 0) return `${this.columns.part} is not a whole number ≥ 0`;
      record.part = p;
    }
    return record;
  }
}

const cellOf = (text: string, cuts: Int32Array, i: number): string => text.slice(cuts[i]! + 1, cuts[i + 1]!);

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * text[start, end) as a number when it is plain (`-`? digits with at most one `.`, 15 digits at
 * most), else NaN. Exactly Number()'s value: the digits make an exact integer below 2^53 and
 * dividing it by an exact power of ten rounds once, as the correctly rounded conversion does.
 */
function plainNumber(text: string, start: number, end: number): number {
  let i = start;
  const neg = i < end && text.charCodeAt(i) === 45;
  if (neg) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return Number.NaN;
  }
  if (digits === 0 || digits > 15) return Number.NaN;
  const v = frac > 0 ? m / POW10[frac]! : m;
  return neg ? -v : v;
}

const JSON_INDEX = Object.fromEntries(USAGE_FIELDS.map((f, i) => [f, i])) as Record<UsageField, number>;
const cellAt = (cells: (string | undefined)[], i: number): string | undefined => (i < 0 ? undefined : cells[i]);

function stripUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}

// ---------------------------------------------------------------------------------------------
// The streaming reader

export interface ReadUsageOptions {
  mapping?: UsageMapping;
  errors?: UsageErrorLog;
  /** Records per batch (default 4096). */
  batchSize?: number;
}

/**
 * Streams a usage file as batches of records. Bad lines (and a bad header, reported on line 1)
 * are added to `errors`; reading goes on.
 */
export async function* readUsageBatches(input: Readable, opts: ReadUsageOptions = {}): AsyncGenerator<UsageRecord[]> {
  const mapping = opts.mapping ?? DEFAULT_USAGE_MAPPING;
  const errors = opts.errors ?? new UsageErrorLog();
  const size = opts.batchSize ?? 4096;
  let parser: UsageLineParser | undefined;
  let headerFailed = false;
  let batch: UsageRecord[] = [];
  const ready: UsageRecord[][] = [];
  const onLine = (buf: Buffer, start: number, end: number, lineNo: number) => {
    if (end === start || headerFailed) return;
    const text = buf.toString('utf8', start, end);
    if (parser === undefined) {
      if (text.trim() === '') return;
      const layout = UsageLineParser.layoutOf(text, mapping);
      if ('error' in layout) {
        errors.add(lineNo, layout.error);
        headerFailed = true;
        return;
      }
      parser = new UsageLineParser(mapping, layout);
      if (layout.format === 'csv') return;
    }
    const r = parser.parse(text, lineNo);
    if (typeof r === 'string') errors.add(lineNo, r);
    else {
      batch.push(r);
      if (batch.length >= size) {
        ready.push(batch);
        batch = [];
      }
    }
  };
  const lines = new LineSplitter();
  for await (const chunk of decompressed(input)) {
    lines.push(chunk, onLine);
    while (ready.length > 0) yield ready.shift()!;
  }
  lines.end(onLine);
  if (batch.length > 0) yield batch;
}

/** All records of a usage file (convenience over readUsageBatches). */
export async function readUsageRecords(input: Readable, opts: ReadUsageOptions = {}): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  for await (const batch of readUsageBatches(input, opts)) for (const r of batch) out.push(r);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The fast path: split a file into partitions on raw bytes

export interface SplitOptions {
  mapping?: UsageMapping;
  errors?: UsageErrorLog;
  partitions: number;
  /** Which field the partitions are cut by (recordId, or subscriber when the fallback key is on). */
  keyField: 'recordId' | 'subscriber';
  /** Receives each data line's bytes (valid only during the call) and its line number. */
  onLine(partition: number, buf: Buffer, start: number, end: number, lineNo: number): void;
}

/**
 * Splits a usage file into partitions without building records: the key's bytes are hashed where
 * they lie (FNV-1a, the same value partitionOf gives for the parsed key). Lines whose key cannot be
 * found go to `errors`; every other check happens when the partition's lines are parsed.
 * Returns the file's layout (for the parser of its lines) and how many data lines it handed on.
 */
export async function splitUsageLines(
  input: Readable | AsyncIterable<Buffer>,
  opts: SplitOptions,
): Promise<{ layout?: UsageLayout; lines: number }> {
  const mapping = opts.mapping ?? DEFAULT_USAGE_MAPPING;
  const errors = opts.errors ?? new UsageErrorLog();
  const { partitions, onLine } = opts;
  const columns = { ...DEFAULT_COLUMNS, ...stripUndefined(mapping.columns) };
  const delim = mapping.delimiter.charCodeAt(0);
  let layout: UsageLayout | undefined;
  let failed = false;
  let keyIndex = 0;
  let handed = 0;
  await forEachLine(input, (buf, start, end, lineNo) => {
    if (failed || end === start) return;
    if (layout === undefined) {
      const text = buf.toString('utf8', start, end);
      if (text.trim() === '') return;
      const l = UsageLineParser.layoutOf(text, mapping);
      if ('error' in l) {
        errors.add(lineNo, l.error);
        failed = true;
        return;
      }
      layout = l;
      keyIndex = l.index[opts.keyField];
      if (l.format === 'csv') return;
    }
    let hash = -1;
    if (layout.format === 'csv') {
      // Skip keyIndex delimiters, then hash up to the next one; a quote anywhere in the key means
      // the slow path (the key's text is the unquoted value).
      let s = start;
      for (let k = 0; k < keyIndex && s <= end; k++) {
        const d = buf.indexOf(delim, s);
        s = d < 0 || d >= end ? end + 1 : d + 1;
      }
      if (s <= end) {
        let e = s;
        while (e < end && buf[e] !== delim && buf[e] !== 34) e++;
        if (e < end && buf[e] === 34) {
          const cells = splitCsvLine(buf.toString('utf8', start, end), mapping.delimiter);
          const key = cells?.[keyIndex];
          if (key) hash = fnv1a(key);
        } else if (e > s) hash = fnv1aBytes(buf, s, e);
      }
    } else {
      let o: unknown;
      try {
        o = JSON.parse(buf.toString('utf8', start, end));
      } catch {
        errors.add(lineNo, 'not valid JSON');
        return;
      }
      const key =
        typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[columns[opts.keyField]] : undefined;
      if ((typeof key === 'string' && key !== '') || typeof key === 'number') hash = fnv1a(String(key));
    }
    if (hash < 0) {
      errors.add(lineNo, `${columns[opts.keyField]} is empty or missing`);
      return;
    }
    handed++;
    onLine(hash % partitions, buf, start, end, lineNo);
  });
  return { layout, lines: handed };
}

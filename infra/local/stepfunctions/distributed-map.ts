// What the local engine needs to run a Distributed Map (ItemProcessor.ProcessorConfig.Mode:
// DISTRIBUTED) as AWS does: the ItemReader's items from S3 (s3:listObjectsV2, or s3:getObject of a
// JSON array, JSON Lines or CSV file), ItemBatcher's batches, the tolerated-failure threshold and the
// ResultWriter's files (manifest.json, SUCCEEDED_0.json, FAILED_0.json). Parsing and batching are
// pure and unit-tested; engine.ts runs the child workflows and journals each one (decision 0024).
import { createHash } from 'node:crypto';
import { StatesError, type Json } from './asl';

/** The S3 calls a Distributed Map makes, with the machine's bucket grants applied (service.ts). */
export interface MapS3 {
  list(
    bucket: string,
    prefix: string,
  ): Promise<Array<{ Key: string; Size: number; Etag: string; LastModified: number }>>;
  get(bucket: string, key: string): Promise<Buffer>;
  put(bucket: string, key: string, body: string): Promise<void>;
}

export const LIST_OBJECTS = 'arn:aws:states:::s3:listObjectsV2';
export const GET_OBJECT = 'arn:aws:states:::s3:getObject';
export const PUT_OBJECT = 'arn:aws:states:::s3:putObject';

export interface ReaderConfig {
  InputType?: 'JSON' | 'JSONL' | 'CSV' | string;
  CSVHeaderLocation?: 'FIRST_ROW' | 'GIVEN' | string;
  CSVHeaders?: string[];
  CSVDelimiter?: 'COMMA' | 'PIPE' | 'SEMICOLON' | 'SPACE' | 'TAB' | string;
  MaxItems?: number;
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', SPACE: ' ', TAB: '\t' };

const readerFailed = (why: string) => new StatesError('States.ItemReaderFailed', why);

/** RFC 4180 rows: quoted fields may hold the delimiter, quotes ("" inside) and line breaks; CRLF or LF. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < body.length) {
    const c = body[i]!;
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === delimiter) {
      row.push(field);
      field = '';
    } else if (c === '\n') endRow();
    else if (c === '\r' && body[i + 1] === '\n') {
      endRow();
      i++;
    } else field += c;
    i++;
  }
  if (quoted) throw readerFailed('the CSV file ends inside a quoted field');
  if (field !== '' || row.length) endRow();
  return rows;
}

/** The items of an s3:getObject ItemReader, as AWS reads them: CSV rows become objects of strings. */
export function parseItems(body: string, config: ReaderConfig = {}): Json[] {
  const type = config.InputType ?? 'JSON';
  let items: Json[];
  switch (type) {
    case 'JSON': {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        throw readerFailed(`the JSON file does not parse: ${(err as Error).message}`);
      }
      if (!Array.isArray(parsed)) throw readerFailed('a JSON ItemReader file must hold an array');
      items = parsed;
      break;
    }
    case 'JSONL':
      items = body
        .split(/\r?\n/)
        .map((line, i) => ({ line: line.trim(), n: i + 1 }))
        .filter((l) => l.line !== '')
        .map(({ line, n }) => {
          try {
            return JSON.parse(line) as Json;
          } catch (err) {
            throw readerFailed(`line ${n} of the JSON Lines file does not parse: ${(err as Error).message}`);
          }
        });
      break;
    case 'CSV': {
      const delimiter = DELIMITERS[config.CSVDelimiter ?? 'COMMA'];
      if (!delimiter) throw readerFailed(`CSVDelimiter ${config.CSVDelimiter} is not one AWS offers`);
      const rows = parseCsvRows(body, delimiter);
      const location = config.CSVHeaderLocation ?? 'FIRST_ROW';
      let headers: string[];
      if (location === 'GIVEN') {
        if (!config.CSVHeaders?.length) throw readerFailed('CSVHeaderLocation GIVEN needs CSVHeaders');
        headers = config.CSVHeaders;
      } else if (location === 'FIRST_ROW') headers = rows.shift() ?? [];
      else throw readerFailed(`CSVHeaderLocation ${location} is not FIRST_ROW or GIVEN`);
      items = rows.map((r, i) => {
        if (r.length > headers.length)
          throw readerFailed(`CSV row ${i + 1} has ${r.length} fields, the header ${headers.length}`);
        return Object.fromEntries(headers.map((h, j) => [h, r[j] ?? '']));
      });
      break;
    }
    default:
      throw readerFailed(`InputType ${type} is not run locally (JSON, JSONL, CSV)`);
  }
  return config.MaxItems !== undefined && config.MaxItems > 0 ? items.slice(0, config.MaxItems) : items;
}

export interface BatcherConfig {
  MaxItemsPerBatch?: number;
  MaxInputBytesPerBatch?: number;
}

/** Groups items into batches of at most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes (default 256 KiB). */
export function batchItems(items: Json[], config: BatcherConfig): Json[][] {
  const maxItems = config.MaxItemsPerBatch ?? Infinity;
  const maxBytes = config.MaxInputBytesPerBatch ?? 256 * 1024;
  if (!(maxItems >= 1)) throw new StatesError('States.Runtime', 'ItemBatcher: MaxItemsPerBatch must be at least 1');
  const batches: Json[][] = [];
  let current: Json[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (current.length && (current.length >= maxItems || bytes + size > maxBytes)) {
      batches.push(current);
      current = [];
      bytes = 2;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}

/** AWS: the run fails when failures exceed ToleratedFailureCount, or ToleratedFailurePercentage of the items. */
export function exceedsTolerance(failed: number, total: number, count?: number, percentage?: number): boolean {
  if (failed === 0) return false;
  const byCount = count !== undefined && failed > count;
  const byPct = percentage !== undefined && (failed / Math.max(total, 1)) * 100 > percentage;
  if (count === undefined && percentage === undefined) return true;
  if (count !== undefined && percentage !== undefined) return byCount && byPct;
  return byCount || byPct;
}

/** A map run's id, the same on every replay of the same step attempt (so its ResultWriter prefix is stable). */
export function mapRunId(executionArn: string, stepKey: string): string {
  const h = createHash('sha256').update(`${executionArn}\n${stepKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface ChildOutcome {
  index: number;
  input: Json;
  output?: Json;
  error?: { Error: string; Cause: string };
}

/** The ResultWriter's files, as AWS lays them out under <Prefix>/<map run id>/. */
export function resultFiles(opts: {
  bucket: string;
  prefix: string;
  runId: string;
  mapRunArn: string;
  stateMachineArn: string;
  executionArn: string;
  outcomes: ChildOutcome[];
  now: number;
}): { files: Array<{ key: string; body: string }>; manifestKey: string } {
  const base = `${opts.prefix.replace(/\/+$/, '')}${opts.prefix ? '/' : ''}${opts.runId}/`;
  const entry = (o: ChildOutcome) => ({
    ExecutionArn: opts.executionArn.replace(/:execution:([^:]+):.*$/, `:execution:$1/${opts.runId}:${o.index}`),
    Input: JSON.stringify(o.input),
    InputDetails: { Included: true },
    Name: `${opts.runId}:${o.index}`,
    ...(o.error
      ? { Error: o.error.Error, Cause: o.error.Cause, Status: 'FAILED' }
      : { Output: JSON.stringify(o.output ?? null), OutputDetails: { Included: true }, Status: 'SUCCEEDED' }),
    RedriveCount: 0,
    RedriveStatus: 'NOT_REDRIVABLE',
    StartDate: new Date(opts.now).toISOString(),
    StateMachineArn: opts.stateMachineArn,
    StopDate: new Date(opts.now).toISOString(),
  });
  const succeeded = opts.outcomes.filter((o) => !o.error).map(entry);
  const failed = opts.outcomes.filter((o) => o.error).map(entry);
  const files: Array<{ key: string; body: string }> = [];
  const resultFiles: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', Array<{ Key: string; Size: number }>> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const [status, list] of [
    ['SUCCEEDED', succeeded],
    ['FAILED', failed],
  ] as const) {
    if (!list.length) continue;
    const key = `${base}${status}_0.json`;
    const body = JSON.stringify(list);
    files.push({ key, body });
    resultFiles[status].push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${base}manifest.json`;
  files.push({
    key: manifestKey,
    body: JSON.stringify({ DestinationBucket: opts.bucket, MapRunArn: opts.mapRunArn, ResultFiles: resultFiles }),
  });
  return { files, manifestKey };
}

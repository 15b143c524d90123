// Reading usage files: CSV and JSON Lines, gzip told by its magic bytes, a schema mapping (column
// names, service values, default units, time zone, number formats), bad lines listed with their
// number and reason, and the raw-byte split agreeing with partitionOf on the parsed key.
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { partitionOf } from '../../../shared/domain/revenue';
import {
  DEFAULT_USAGE_MAPPING,
  UsageErrorLog,
  readUsageBatches,
  readUsageRecords,
  splitCsvLine,
  splitUsageLines,
  usageMappingSchema,
} from '../../../shared/adapters/usage-files';

const HEADER = 'record_id,subscriber,service,direction,start_time,quantity,unit,charge';

/** A stream that hands out `text` in chunks of `size` bytes, so lines straddle chunks. */
const chunked = (data: string | Buffer, size = 7) => {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  const parts: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) parts.push(b.subarray(i, i + size));
  return Readable.from(parts);
};

test('CSV records come out typed, across chunk boundaries, with CRLF endings and line numbers', async () => {
  const csv = `${HEADER}\r\na-1,4477,voice,mo,2026-11-02T10:00:00Z,60,s,0.09\r\n\r\nb-2,4478,data,mt,,1.5,kB,0.001`;
  const records = await readUsageRecords(chunked(csv));
  expect(records).toEqual([
    {
      recordId: 'a-1',
      subscriber: '4477',
      service: 'voice',
      direction: 'mo',
      startTime: '2026-11-02T10:00:00Z',
      quantity: 60,
      charge: 0.09,
      line: 2,
    },
    {
      recordId: 'b-2',
      subscriber: '4478',
      service: 'data',
      direction: 'mt',
      startTime: '',
      quantity: 1500,
      charge: 0.001,
      line: 4,
    },
  ]);
});

test('gzip is told by its magic bytes, whatever the name; JSON Lines by its first byte', async () => {
  const jsonl = '{"record_id":"x","subscriber":"1","service":"sms","quantity":1,"charge":0.05}\n';
  const records = await readUsageRecords(chunked(gzipSync(jsonl), 5));
  expect(records).toEqual([expect.objectContaining({ recordId: 'x', service: 'sms', quantity: 1, direction: '' })]);
});

test('bad lines are listed with their number and reason, and reading goes on', async () => {
  const csv = [
    HEADER,
    'ok,1,voice,mo,,1,s,0.1',
    ',1,voice,mo,,1,s,0.1',
    'u,1,voice,mo,,1,parsec,0.1',
    'n,1,voice,mo,,-3,s,0.1',
    'c,1,voice,mo,,3,s,',
    'w,1,voice',
    'q,"1,voice,mo,,1,s,0.1',
    'ok2,1,SMS,mo,,1,,0.1',
  ].join('\n');
  const errors = new UsageErrorLog();
  const records = await readUsageRecords(chunked(csv), { errors });
  expect(records.map((r) => r.recordId)).toEqual(['ok', 'ok2']);
  expect(errors.errors).toEqual([
    { line: 3, reason: 'record_id is empty' },
    { line: 4, reason: "unit 'parsec' is not a voice unit" },
    { line: 5, reason: 'quantity is not a number ≥ 0' },
    { line: 6, reason: 'charge is not a number' },
    { line: 7, reason: '3 columns where the header has 8' },
    { line: 8, reason: 'not valid CSV (a quote is not closed or is followed by text)' },
  ]);
});

test('a header without the required columns is one error on line 1, and no records', async () => {
  const errors = new UsageErrorLog();
  expect(await readUsageRecords(chunked('id,who\n1,2\n'), { errors })).toEqual([]);
  expect(errors.errors).toEqual([
    { line: 1, reason: 'the header lacks the column(s) record_id, subscriber, service, quantity, charge' },
  ]);
});

test('a schema mapping: column names, service values, units, decimal commas, local start times', async () => {
  const mapping = usageMappingSchema.parse({
    delimiter: ';',
    columns: {
      recordId: 'CALL_ID',
      subscriber: 'MSISDN',
      service: 'TYPE',
      quantity: 'DUR',
      charge: 'AMT',
      startTime: 'START',
    },
    services: { MOC: 'voice', GPRS: 'data' },
    units: { voice: 'min', data: 'MB' },
    timeZone: 'Europe/Berlin',
    decimalSeparator: ',',
    thousandsSeparator: '.',
  });
  const csv =
    'CALL_ID;MSISDN;TYPE;START;DUR;AMT\nk1;491700;MOC;2026-11-02 10:00:00;1,5;1.234,50\nk2;491701;GPRS;2026-07-02T10:00:00;2;0,02\n';
  const records = await readUsageRecords(chunked(csv), { mapping });
  expect(records).toEqual([
    expect.objectContaining({
      recordId: 'k1',
      service: 'voice',
      quantity: 90,
      charge: 1234.5,
      startTime: '2026-11-02T10:00:00+01:00',
    }),
    expect.objectContaining({
      recordId: 'k2',
      service: 'data',
      quantity: 2_000_000,
      charge: 0.02,
      startTime: '2026-07-02T10:00:00+02:00',
    }),
  ]);
});

test('the default mapping is what the schema makes of an empty mapping', () => {
  expect(DEFAULT_USAGE_MAPPING).toEqual(usageMappingSchema.parse({}));
});

test('a mapping that cannot work is refused, naming the field', () => {
  const r = usageMappingSchema.safeParse({ decimalSeparator: ',' });
  expect(r.success).toBe(false);
  expect(r.error!.issues[0]!.path).toEqual(['delimiter']);
  expect(usageMappingSchema.safeParse({ timeZone: 'Mars/Olympus' }).error!.issues[0]!.path).toEqual(['timeZone']);
});

test('batches hold at most batchSize records', async () => {
  const rows = Array.from({ length: 10 }, (_, i) => `r${i},1,sms,mo,,1,,0.05`);
  const sizes: number[] = [];
  for await (const b of readUsageBatches(chunked([HEADER, ...rows].join('\n'), 64), { batchSize: 4 }))
    sizes.push(b.length);
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
});

test('splitting raw lines puts each in the partition partitionOf gives its parsed key (quoted and non-ASCII keys too)', async () => {
  const keys = ['a-1', 'Zürich-7', '"q,2"', 'x'.repeat(40), 'k9'];
  const csv = [HEADER, ...keys.map((k) => `${k},1,sms,mo,,1,,0.05`)].join('\n');
  const got: [number, string, number][] = [];
  const { lines } = await splitUsageLines(chunked(csv, 11), {
    partitions: 7,
    keyField: 'recordId',
    onLine: (p, buf, s, e, lineNo) => got.push([p, buf.toString('utf8', s, e), lineNo]),
  });
  expect(lines).toBe(5);
  const parsedKeys = ['a-1', 'Zürich-7', 'q,2', 'x'.repeat(40), 'k9'];
  expect(got.map(([p]) => p)).toEqual(parsedKeys.map((k) => partitionOf(k, 7)));
  expect(got.map(([, , n]) => n)).toEqual([2, 3, 4, 5, 6]);
  expect(splitCsvLine('"q,2",1,"a ""b"""', ',')).toEqual(['q,2', '1', 'a "b"']);
});

test('the unquoted fast path gives the same records as the general CSV path (numbers exactly as Number reads them)', async () => {
  const numbers = [
    '0.1',
    '0.3',
    '1234567.891',
    '-0.05',
    '007',
    '1.',
    '.5',
    '99999999999999.9',
    '123456789012345678',
    '1e3',
    '2.675',
  ];
  const rows = numbers.map((q, i) => [
    `k-${i}`,
    '4477',
    'data',
    'mo',
    '2026-11-02T10:00:00',
    q.replace('-', ''),
    'kB',
    q,
  ]);
  const csv = (quote: boolean) =>
    [HEADER, ...rows.map((r) => r.map((c, j) => (quote && j === 0 ? `"${c}"` : c)).join(','))].join('\n');
  const fast = await readUsageRecords(chunked(csv(false)));
  const general = await readUsageRecords(chunked(csv(true)));
  expect(fast).toEqual(general);
  expect(fast.map((r) => r.charge)).toEqual(numbers.map(Number));
  expect(fast.map((r) => r.quantity)).toEqual(numbers.map((q) => Number(q.replace('-', '')) * 1000));
});

// Where RA files live in the bucket and the generic format Load writes (shared/domain/revenue/files.ts).
import { Readable } from 'node:stream';
import { readUsageRecords } from '../../../shared/adapters/usage-files';
import { genericLine, parseInboxKey, raKeys } from '../../../shared/domain/revenue/files';

describe('inbox keys', () => {
  it('reads side, period and name', () => {
    const f = parseInboxKey('inbox/network/2026-11-28/mno_0001.csv.gz');
    expect(f).toEqual({ side: 'network', period: '2026-11-28', name: 'mno_0001.csv.gz' });
    if (typeof f === 'string') throw new Error(f);
    expect(raKeys.batch(f, 3)).toBe('batches/network/2026-11-28/mno_0001.csv.gz/part-00003.jsonl.gz');
    expect(raKeys.errors(f)).toBe('errors/network/2026-11-28/mno_0001.csv.gz.jsonl');
    expect(raKeys.manifest(f)).toBe('loads/network/2026-11-28/mno_0001.csv.gz.json');
  });

  it.each([
    ['inbox/mno/2026-11-28/a.csv', "side 'mno' is not billing or network"],
    ['inbox/billing/2026-13-01/a.csv', "period '2026-13-01' is not a date (YYYY-MM-DD)"],
    ['inbox/billing/a.csv', 'is not inbox/<side>/<period>/<file>'],
    ['inbox/billing/2026-11-28/sub/a.csv', 'is not inbox/<side>/<period>/<file>'],
    ['inbox/billing/2026-11-28/.hidden', "file name '.hidden' has characters"],
  ])('refuses %s', (key, why) => {
    expect(parseInboxKey(key)).toEqual(expect.stringContaining(why));
  });
});

describe('generic format', () => {
  it('is read back by the usage reader with the default mapping, record for record', async () => {
    const records = [
      {
        recordId: 'c1',
        subscriber: '336',
        service: 'data' as const,
        direction: 'mo',
        startTime: '2026-11-28T10:00:00+01:00',
        quantity: 1_500_000,
        charge: 0.25,
        part: 2,
      },
      {
        recordId: 'c,"2',
        subscriber: '337',
        service: 'sms' as const,
        direction: '',
        startTime: '',
        quantity: 1,
        charge: 0,
      },
    ];
    const text = records.map(genericLine).join('\n');
    const back = await readUsageRecords(Readable.from([Buffer.from(text)]));
    expect(back).toEqual([
      { ...records[0], line: 1 },
      { ...records[1], line: 2 },
    ]);
  });
});

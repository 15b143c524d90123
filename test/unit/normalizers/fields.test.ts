import {
  clip,
  cleanLabels,
  link,
  lookup,
  severityFromWord,
  summaryOf,
  toIsoTime,
} from '../../../shared/domain/normalizers/fields';

describe('normalizer field helpers', () => {
  it.each([
    ['2024-03-05T10:04:11.395Z', '2024-03-05T10:04:11.395Z'],
    ['2024-03-05T12:04:41.102938465+02:00', '2024-03-05T10:04:41.102Z'],
    ['2015-07-17T08:42:58.315+0000', '2015-07-17T08:42:58.315Z'],
    ['2024-03-05 10:04:11', '2024-03-05T10:04:11.000Z'],
    ['1709633051', '2024-03-05T10:04:11.000Z'],
    ['1709633051000', '2024-03-05T10:04:11.000Z'],
    [1709633051, '2024-03-05T10:04:11.000Z'],
    ['0001-01-01T00:00:00Z', undefined],
    ['0', undefined],
    ['', undefined],
    ['yesterday', undefined],
    ['Tue Mar 5 10:07:11 UTC 2024', undefined],
    ['2024-13-45T99:99:99Z', undefined],
    ['99999-01-01T00:00:00Z', undefined],
    [null, undefined],
  ])('reads the time %p as %p', (input, expected) => {
    expect(toIsoTime(input)).toBe(expected);
  });

  it('keeps only absolute http(s) links that fit the schema', () => {
    expect(link('https://x.example/a', 'A')).toEqual({ href: 'https://x.example/a', text: 'A' });
    expect(link('http://x.example')).toEqual({ href: 'http://x.example' });
    expect(link('javascript:alert(1)')).toBeUndefined();
    expect(link('/relative')).toBeUndefined();
    expect(link(`https://x.example/${'a'.repeat(3000)}`)).toBeUndefined();
    expect(link('https://x.example', 't'.repeat(600))!.text).toHaveLength(512);
  });

  it('bounds labels and drops prototype keys', () => {
    const labels = cleanLabels([
      ['__proto__', 'x'],
      ['a', 'v'.repeat(5000)],
      ['n', 3],
      ['o', { x: 1 }],
    ]);

    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['a', 'n']);
    expect(labels.a).toHaveLength(1024);
    expect(
      Object.keys(cleanLabels(Array.from({ length: 300 }, (_, i): [string, string] => [`k${i}`, 'v']))),
    ).toHaveLength(100);
  });

  it('clips deep and wide details', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 50; i++) deep = { d: deep };
    expect(JSON.stringify(clip(deep))).toContain('[nested too deeply]');
    expect((clip(Array.from({ length: 1000 }, () => 1)) as unknown[]).length).toBe(100);
    expect((clip('s'.repeat(10_000)) as string).length).toBe(4096);
  });

  it('reads severities and other tables by own keys only', () => {
    expect(severityFromWord('PAGE')).toBe('critical');
    expect(severityFromWord('constructor')).toBeUndefined();
    expect(severityFromWord('__proto__')).toBeUndefined();
    expect(lookup({ a: 1 }, 'toString')).toBeUndefined();
  });

  it('makes one-line summaries of at most 1024 characters, never empty', () => {
    expect(summaryOf('  a\n\tb  ', 'f')).toBe('a b');
    expect(summaryOf('   ', 'fallback')).toBe('fallback');
    expect(summaryOf('z'.repeat(2000), 'f')).toHaveLength(1024);
  });
});

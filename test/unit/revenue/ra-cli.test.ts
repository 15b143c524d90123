// `npm run ra` as an operator runs it: the CLI process on small fixture files (CSV billing, gzipped
// JSON Lines network, one record of every class, a time-zone trap, a quoted key, a bad line on each
// side), the JSON line, findings.csv and errors.csv; a bad config; the anomaly backtest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/revenue');
let dir: string;

function ra(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/ra.ts'), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'nocturne-ra-cli-'));
  writeFileSync(path.join(dir, 'network.jsonl.gz'), gzipSync(readFileSync(path.join(fixtures, 'network.jsonl'))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('reconcile prints one JSON line of counts per class and writes findings.csv and errors.csv', () => {
  const out = path.join(dir, 'out');
  const r = ra(
    'reconcile',
    '--billing',
    path.join(fixtures, 'billing.csv'),
    '--network',
    path.join(dir, 'network.jsonl.gz'),
    '--out',
    out,
  );
  expect(r.stderr).toBe('');
  // The same run on two worker threads gives the same line and the same file.
  const w = ra(
    'reconcile',
    '--billing',
    path.join(fixtures, 'billing.csv'),
    '--network',
    path.join(dir, 'network.jsonl.gz'),
    '--out',
    `${out}-w`,
    '--workers',
    '2',
  );
  expect(w.code).toBe(0);
  const withoutTime = (s: string) => s.replace(/"elapsedMs":\d+/, '');
  expect(withoutTime(w.stdout)).toBe(withoutTime(r.stdout));
  expect(readFileSync(path.join(`${out}-w`, 'findings.csv'), 'utf8')).toBe(
    readFileSync(path.join(out, 'findings.csv'), 'utf8'),
  );
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const summary = JSON.parse(lines[0]!) as Record<string, unknown>;
  expect(summary).toMatchObject({
    matched: 4, // m-1, m-2, d-1's first copy, and tz-1 whose start time is written in another zone
    within_tolerance: 2,
    quantity_mismatch: 1,
    missing_in_billing: 1,
    missing_at_network: 1,
    duplicate: 1,
    rating_error: 1,
    badLines: { billing: 1, network: 1 },
    records: { billing: 10, network: 9 },
  });
  expect(summary.leakage).toBe(0.05);

  const findings = readFileSync(path.join(out, 'findings.csv'), 'utf8').trim().split('\n');
  expect(findings[0]).toBe('record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value');
  expect(findings.slice(1).sort()).toEqual(
    [
      '"q,2",within_tolerance,1000000,1005000,0.01,0.01,0',
      'b-1,missing_at_network,30,,0.045,,-0.045',
      'd-1,duplicate,1,,0.05,,-0.05',
      'j-1,within_tolerance,62,60,0.095,0.09,-0.005',
      'n-1,missing_in_billing,,5000000,,0.05,0.05',
      'q-1,quantity_mismatch,2500000,2000000,0.025,0.02,-0.005',
      'r-1,rating_error,300,300,0.9,0.45,-0.45',
    ].sort(),
  );
  expect(readFileSync(path.join(out, 'errors.csv'), 'utf8').trim().split('\n')).toEqual([
    'side,line,reason',
    `billing,11,"service 'fax' is not voice, sms or data"`,
    'network,10,not valid JSON',
  ]);
});

test('a bad config is refused with exit code 2, naming the field; nothing is written', () => {
  const out = path.join(dir, 'refused');
  const r = ra(
    'reconcile',
    '--billing',
    path.join(fixtures, 'billing.csv'),
    '--network',
    path.join(fixtures, 'network.jsonl'),
    '--config',
    '{"charge":{"abs":0.01,"rel":2}}',
    '--out',
    out,
  );
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('--config: charge.rel:');
  expect(() => readFileSync(path.join(out, 'findings.csv'))).toThrow();
});

test('backtest reports how many days the volume detector would have flagged', () => {
  const r = ra('backtest', '--volumes', path.join(fixtures, 'volumes.csv'));
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  // 8 weeks of two series: the first four weeks build the baseline; the tiny sms series is gated;
  // one lost-files day (a drop to 4,000 on a ~10,000 Friday) is the only flag.
  expect(report).toMatchObject({ series: 2, periods: 112, judged: 28, flagged: 1, belowMinimumVolume: 28 });
  expect(report.flags).toEqual([
    expect.objectContaining({ series: 'network:voice:mo', period: '2026-10-30', kind: 'drop' }),
  ]);
});

test('volumes export and backtest --api check their options before any request', () => {
  const cases: Array<[string[], string]> = [
    [['volumes', 'export', '--token', 't'], '--api <url> is required'],
    [['volumes', 'export', '--api', 'localhost:3000', '--token', 't'], 'is not an http(s) URL'],
    [['volumes', 'export', '--api', 'http://127.0.0.1:9', '--token', 't', '--from', '2026-11'], '--from is not a day'],
    [['volumes', 'list'], "unknown or missing subcommand 'list'"],
    [['backtest', '--api', 'http://127.0.0.1:9', '--volumes', 'v.csv'], 'either --volumes <file> or --api <url>'],
  ];
  for (const [args, message] of cases) {
    const r = ra(...args);
    expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
    expect(r.stderr).toContain(message);
  }
});

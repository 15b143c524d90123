// The RA store against DynamoDB Local: a period's current run is replaced by a later run (never by
// an older overlapping one), and latestRunSummaries gives the monthly report one run per day.
import { ensureTables } from '../../infra/local/tables';
import { emptyClassTotals, type RunSummary } from '../../shared/domain/revenue/types';
import { insertRun, latestRunSummaries, makeCurrent, type RaRun } from '../../shared/store/revenue';

jest.setTimeout(60_000);

const previousTable = process.env.TABLE_NAME;
beforeAll(async () => {
  const name = `nocturne-ra-store-${process.pid}-${Date.now().toString(36)}`;
  await ensureTables(process.env.AWS_ENDPOINT_URL_DYNAMODB!, { main: name, idempotency: `${name}-idem` });
  process.env.TABLE_NAME = name;
});
afterAll(() => {
  process.env.TABLE_NAME = previousTable;
});

const summary = (leakage: number): RunSummary => {
  const t = emptyClassTotals();
  t.counts.missing_in_billing = 2;
  t.counts.rating_error = 1;
  t.counts.matched = 10;
  return {
    ...t,
    byService: {},
    billingRevenue: 100,
    leakage,
    leakagePct: leakage,
    records: { billing: 12, network: 12 },
    filtered: { billing: 0, network: 0 },
    aggregated: { billing: 0, network: 0 },
    rejected: 0,
    partitions: 16,
  };
};
const run = (id: string, period: string): RaRun => ({
  id,
  period,
  status: 'succeeded',
  trigger: { kind: 'api', by: 'test' },
  startedAt: '2026-11-21T02:30:00.000Z',
  endedAt: '2026-11-21T02:31:00.000Z',
  currency: 'GBP',
  version: 1,
});
const current = (r: RaRun, leakage: number) =>
  makeCurrent(r, {
    completedAt: r.endedAt!,
    currency: r.currency,
    summary: summary(leakage),
    volumes: [],
    controls: [],
  });

it('keeps one current run per day and reads them for a date range', async () => {
  for (const r of [
    run('2026-11-19-a', '2026-11-19'),
    run('2026-11-20-a', '2026-11-20'),
    run('2026-11-20-c', '2026-11-20'),
  ])
    expect(await insertRun(r)).toBe(true);
  expect(await insertRun(run('2026-11-19-a', '2026-11-19'))).toBe(false);

  expect(await current(run('2026-11-19-a', '2026-11-19'), 1)).toEqual({});
  expect(await current(run('2026-11-20-a', '2026-11-20'), 2)).toEqual({});
  expect(await current(run('2026-11-20-c', '2026-11-20'), 3)).toEqual({ replaced: '2026-11-20-a' });
  // An older run that completes late does not replace the newer one: it is the one replaced.
  expect(await current(run('2026-11-20-b', '2026-11-20'), 9)).toEqual({ replaced: '2026-11-20-b' });

  const got = await latestRunSummaries('2026-11-01', '2026-11-30');
  expect(got.map(({ summary: s, ...r }) => ({ ...r, leakage: s.leakage }))).toEqual([
    {
      runId: '2026-11-19-a',
      period: '2026-11-19',
      currency: 'GBP',
      leakage: 1,
      completedAt: '2026-11-21T02:31:00.000Z',
    },
    {
      runId: '2026-11-20-c',
      period: '2026-11-20',
      currency: 'GBP',
      leakage: 3,
      completedAt: '2026-11-21T02:31:00.000Z',
    },
  ]);
  expect(await latestRunSummaries('2026-11-20', '2026-11-20')).toHaveLength(1);
});

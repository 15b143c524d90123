// Lambda entry of the revenue assurance API (see infra/catalog/revenue.ts: "ops-revenue"): start a
// period's run, read runs with their summary and controls, page or export a run's findings, and the
// RA settings (tolerances, controls' thresholds, file mappings).
import { revenueOperations } from '../../shared/api/operations/revenue';
import { SfnOrderExecutions } from '../../shared/adapters/order-executions';
import { currentSettings, startRun } from '../../shared/app/revenue/runs';
import { ValidationError } from '../../shared/domain/errors';
import { FINDINGS_HEADER, findingRow } from '../../shared/domain/revenue/findings-csv';
import { httpApi, json } from '../../shared/http/api';
import { idempotencyKeyOf } from '../../shared/http/idempotency-key';
import { problem } from '../../shared/http/problem';
import {
  listFindings,
  listRuns,
  listStoredVolumes,
  putSettings,
  requireRun,
  type FindingFilter,
} from '../../shared/store/revenue';

const executions = new SfnOrderExecutions();
/** A CSV export stops here (a run with more findings is read through the paged JSON). */
const CSV_MAX_ROWS = 200_000;

export const handler = httpApi(revenueOperations, {
  'POST /ra/runs': async (req) => {
    const { run } = await startRun({
      period: req.input.body.period,
      trigger: { kind: 'api', by: req.principal!.id },
      idempotencyKey: idempotencyKeyOf(req.headers),
      now: req.now,
      executions,
    });
    return json(202, run, { location: `/ra/runs/${run.id}` });
  },
  'GET /ra/runs': async (req) => {
    const q = req.input.query;
    return json(200, await listRuns({ limit: q.limit, cursor: q.cursor, period: q.period }));
  },
  'GET /ra/runs/{id}': async (req) => json(200, await requireRun(req.params.id!)),
  'GET /ra/runs/{id}/findings': async (req) => {
    const q = req.input.query;
    const run = await requireRun(req.params.id!);
    if (run.status === 'superseded')
      throw problem(
        409,
        `Run ${run.id} was replaced by a later run of ${run.period}${run.supersededBy ? ` (${run.supersededBy})` : ''}; its findings are gone.`,
      );
    const filter: FindingFilter = {
      class: q.class as FindingFilter['class'],
      service: q.service,
      direction: q.direction,
    };
    const wantsCsv = q.format === 'csv' || (q.format === undefined && /text\/csv/.test(req.headers.accept ?? ''));
    if (!wantsCsv) return json(200, await listFindings(run.id, filter, { limit: q.limit, cursor: q.cursor }));
    const rows = [FINDINGS_HEADER];
    let cursor: string | undefined;
    do {
      const page = await listFindings(run.id, filter, { limit: 1000, cursor });
      for (const f of page.items) rows.push(findingRow(f));
      cursor = page.nextCursor;
    } while (cursor && rows.length <= CSV_MAX_ROWS);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="findings-${run.id}.csv"`,
        ...(cursor ? { 'x-truncated': 'true' } : {}),
      },
      body: rows.join('\n') + '\n',
    };
  },
  'GET /ra/volumes': async (req) => {
    const q = req.input.query;
    if (q.from && q.to && q.from > q.to)
      // Like the query's other field errors (a value the schema refuses): 422 naming the field.
      throw new ValidationError('The range is empty: to is before from.', [
        { field: 'to', message: `${q.to} is before from (${q.from}).` },
      ]);
    return json(
      200,
      await listStoredVolumes({ from: q.from, to: q.to, series: q.series }, { limit: q.limit, cursor: q.cursor }),
    );
  },
  'GET /ra/settings': async () => json(200, await currentSettings()),
  'PUT /ra/settings': async (req) => {
    const b = req.input.body;
    const current = await currentSettings();
    if (b.version !== current.version)
      throw problem(409, `The RA settings are at version ${current.version}; you sent ${b.version}. Read them again.`);
    const stored = await putSettings(
      {
        reconcile: b.reconcile,
        controls: b.controls,
        currency: b.currency,
        version: b.version,
        updatedAt: req.now.toISOString(),
        updatedBy: req.principal!.id,
      },
      b.version,
    );
    return json(200, stored);
  },
});

// Lambda entry for GET /reports/tickets (see infra/catalog.ts: "ticket-reports"): created,
// resolved, backlog and its age, SLA attainment and time tracked per category, queue, assignee
// or priority over a window; JSON, or CSV with format=csv or Accept: text/csv.
import { ValidationError } from '../../shared/domain/errors';
import { reportCsv } from '../../shared/domain/tickets/reports';
import { ticketReportOperations } from '../../shared/api/operations/tickets';
import { ticketReport } from '../../shared/app/tickets/report';
import { httpApi, json } from '../../shared/http/api';

const MAX_DAYS = 366;
const DAY = 86400_000;

export const handler = httpApi(ticketReportOperations, {
  'GET /reports/tickets': async (req) => {
    const q = req.input.query;
    const to = q.to ? new Date(q.to) : req.now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
    if (!(from < to))
      throw new ValidationError('The window is empty.', [{ field: 'from', message: 'must be before to' }]);
    if (to.getTime() - from.getTime() > MAX_DAYS * DAY)
      throw new ValidationError('The window is too long.', [
        { field: 'from', message: `at most ${MAX_DAYS} days before to` },
      ]);
    const report = await ticketReport(from, to, q.groupBy, req.now);
    const wantsCsv = q.format === 'csv' || (q.format === undefined && /text\/csv/.test(req.headers.accept ?? ''));
    if (wantsCsv)
      return {
        statusCode: 200,
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="tickets-${q.groupBy}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv"`,
        },
        body: reportCsv(report),
      };
    return json(200, report);
  },
});

// Lambda entry for the monthly reports API (see infra/catalog/reports.ts: "ops-reports"): generate a
// month's operations and SLA report on demand, list and read reports (record, HTML, PDF), and manage
// the subscribers who receive them by e-mail.
import { ulid } from 'ulid';
import { reportOperations } from '../../shared/api/operations/reports';
import { reportLinks } from '../../shared/app/reports/deliver';
import { generateReport, REPORTS_BUCKET } from '../../shared/app/reports/generate';
import { bucketName, getObjectBytes, ObjectNotFoundError } from '../../shared/adapters/s3';
import { NotFoundError } from '../../shared/domain/errors';
import { monthAt } from '../../shared/domain/reports/month';
import { REPORT_ID_PATTERN } from '../../shared/domain/reports/requests';
import { httpApi, json, noContent } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import { getReport, listReports, reportSubscribers, type ReportRecord } from '../../shared/store/reports';

const view = (r: ReportRecord) => ({ ...r, links: reportLinks(r.id) });

async function requireReport(id: string): Promise<ReportRecord> {
  const r = REPORT_ID_PATTERN.test(id) ? await getReport(id) : undefined;
  if (!r) throw new NotFoundError(`No report with id ${id}.`);
  return r;
}

async function file(r: ReportRecord, key: string): Promise<Buffer> {
  try {
    return await getObjectBytes(bucketName(REPORTS_BUCKET), key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) throw new NotFoundError(`The file of report ${r.id} has expired.`);
    throw err;
  }
}

export const handler = httpApi(reportOperations, {
  'POST /reports': async (req) => {
    const { month, timeZone } = req.input.body;
    if (month > monthAt(req.now, timeZone))
      throw problem(422, `${month} has not started yet in ${timeZone}.`, {
        errors: [{ field: 'month', message: 'must not be in the future' }],
      });
    const g = await generateReport({ month, timeZone, now: req.now, trigger: 'demand' });
    return json(201, { ...view(g.record), delivery: g.delivery }, { location: `/reports/${g.record.id}` });
  },
  'GET /reports': async (req) => {
    const q = req.input.query;
    const p = await listReports(q.limit, q.cursor, q.month);
    return json(200, { items: p.items.map(view), nextCursor: p.nextCursor });
  },
  'GET /reports/{id}': async (req) => json(200, view(await requireReport(req.params.id!))),
  'GET /reports/{id}/html': async (req) => {
    const r = await requireReport(req.params.id!);
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', etag: `"${r.digest}-${r.revision}"` },
      body: (await file(r, r.htmlKey)).toString('utf8'),
    };
  },
  'GET /reports/{id}/pdf': async (req) => {
    const r = await requireReport(req.params.id!);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/pdf',
        'content-disposition': `inline; filename="nocturne-report-${r.id}.pdf"`,
        etag: `"${r.digest}-${r.revision}"`,
      },
      body: (await file(r, r.pdfKey)).toString('base64'),
      isBase64Encoded: true,
    };
  },
  'GET /reports/subscribers': async (req) => {
    const q = req.input.query;
    return json(200, await reportSubscribers.list(q.limit, q.cursor));
  },
  'POST /reports/subscribers': async (req) => {
    const s = await reportSubscribers.create({ id: ulid(req.now.getTime()), ...req.input.body }, req.now.toISOString());
    return json(201, s, { location: `/reports/subscribers/${s.id}` });
  },
  'GET /reports/subscribers/{id}': async (req) => json(200, await reportSubscribers.require(req.params.id!)),
  'PUT /reports/subscribers/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    return json(200, await reportSubscribers.update(req.params.id!, patch, req.now.toISOString(), version));
  },
  'DELETE /reports/subscribers/{id}': async (req) => {
    await reportSubscribers.require(req.params.id!);
    await reportSubscribers.remove(req.params.id!);
    return noContent();
  },
});

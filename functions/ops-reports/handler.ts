// Lambda entry for the monthly reports API (see infra/catalog/reports.ts: "ops-reports"): generate a
// month's operations and SLA report on demand, list and read reports (record; the HTML and PDF
// files through short-lived presigned S3 links: a 303 to the link, or the link as JSON with
// ?link=true), and manage the subscribers who receive them by e-mail.
import { ulid } from 'ulid';
import { reportOperations } from '../../shared/api/operations/reports';
import type { ReportFileKind } from '../../shared/app/reports/files';
import { reportLinks } from '../../shared/app/reports/links';
import { NotFoundError } from '../../shared/domain/errors';
import { monthAt } from '../../shared/domain/reports/month';
import { REPORT_ID_PATTERN } from '../../shared/domain/reports/requests';
import { httpApi, json, noContent, type HttpResult } from '../../shared/http/idempotent-api';

import { problem } from '../../shared/http/problem';
import { getReport, listReports, reportSubscribers, type ReportRecord } from '../../shared/store/reports';

/**
 * Generating a report (POST /reports) loads what it reads (alerts, incidents, probes, jobs, SLOs,
 * tickets, revenue), renders HTML and PDF and delivers it (S3, SES, SNS); a file link presigns with
 * S3. Both are loaded on first use, so that reading records and the subscriber routes load neither
 * that code nor those SDK clients at cold start (issue 15, decision 0011).
 */
const generator = () => import('../../shared/app/reports/generate');
const files = () => import('../../shared/app/reports/files');

const view = (r: ReportRecord) => ({ ...r, links: reportLinks(r.id) });

async function requireReport(id: string): Promise<ReportRecord> {
  const r = REPORT_ID_PATTERN.test(id) ? await getReport(id) : undefined;
  if (!r) throw new NotFoundError(`No report with id ${id}.`);
  return r;
}

/** 303 See Other to a fresh presigned link (clients that follow redirects get the file), or the link as JSON. */
async function fileLink(id: string, kind: ReportFileKind, asJson: boolean): Promise<HttpResult> {
  const r = await requireReport(id);
  const { REPORT_LINK_SECONDS, reportFileLink } = await files();
  const link = await reportFileLink(r, kind, REPORT_LINK_SECONDS, { mustExist: true });
  if (asJson) return json(200, link, { 'cache-control': 'no-store' });
  return {
    statusCode: 303,
    headers: { location: link.url, 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(link),
  };
}

export const handler = httpApi(reportOperations, {
  'POST /reports': async (req) => {
    const { month, timeZone } = req.input.body;
    if (month > monthAt(req.now, timeZone))
      throw problem(422, `${month} has not started yet in ${timeZone}.`, {
        errors: [{ field: 'month', message: 'must not be in the future' }],
      });
    const { generateReport } = await generator();
    const g = await generateReport({ month, timeZone, now: req.now, trigger: 'demand' });
    return json(201, { ...view(g.record), delivery: g.delivery }, { location: `/reports/${g.record.id}` });
  },
  'GET /reports': async (req) => {
    const q = req.input.query;
    const p = await listReports(q.limit, q.cursor, q.month);
    return json(200, { items: p.items.map(view), nextCursor: p.nextCursor });
  },
  'GET /reports/{id}': async (req) => json(200, view(await requireReport(req.params.id!))),
  'GET /reports/{id}/html': async (req) => fileLink(req.params.id!, 'html', req.input.query.link === 'true'),
  'GET /reports/{id}/pdf': async (req) => fileLink(req.params.id!, 'pdf', req.input.query.link === 'true'),
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

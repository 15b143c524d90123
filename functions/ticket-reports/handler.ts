// Lambda entry for GET /reports/tickets (see infra/catalog.ts: "ticket-reports"): created,
// resolved, backlog and its age, SLA attainment and time tracked per category, queue, assignee
// or priority over a window; JSON, or CSV with format=csv or Accept: text/csv.
import { ValidationError } from '../../shared/domain/errors';
import { buildReport, reportCsv, type BacklogFact } from '../../shared/domain/tickets/reports';
import { ticketReportOperations } from '../../shared/api/operations/tickets';
import { httpApi, json } from '../../shared/http/api';
import { listConfig } from '../../shared/store/ticket-config';
import { allOpenTickets, resolvedOn, ticketsCreatedOn, timeLoggedOn } from '../../shared/store/tickets';

const MAX_DAYS = 366;
const DAY = 86400_000;

function days(from: Date, to: Date): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from.toISOString().slice(0, 10)); t < to.getTime(); t += DAY)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Run per-day reads a few at a time. */
async function perDay<T>(list: string[], read: (day: string) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < list.length; i += 8)
    (await Promise.all(list.slice(i, i + 8).map(read))).forEach((x) => out.push(...x));
  return out;
}

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
    const inWindow = (iso: string) => iso >= from.toISOString() && iso < to.toISOString();
    const window = days(from, to);

    const [created, resolved, time, queues] = await Promise.all([
      perDay(window, ticketsCreatedOn),
      perDay(window, resolvedOn),
      perDay(window, timeLoggedOn),
      listConfig('queue'),
    ]);
    // Backlog at `to`: tickets open now that existed then, plus those resolved since `to`.
    const open = (await Promise.all([undefined, ...queues.map((x) => x.id)].map((id) => allOpenTickets(id)))).flat();
    const backlog: BacklogFact[] = open
      .filter((t) => t.createdAt < to.toISOString())
      .map((t) => ({
        categoryId: t.categoryId,
        queueId: t.queueId,
        assigneeId: t.assignee?.id,
        priority: t.priority,
        createdAt: t.createdAt,
      }));
    if (to < req.now) {
      const since = await perDay(days(to, req.now), resolvedOn);
      for (const r of since)
        if (r.resolvedAt >= to.toISOString() && r.createdAt < to.toISOString())
          backlog.push({
            categoryId: r.categoryId,
            queueId: r.queueId,
            assigneeId: r.assigneeId,
            priority: r.priority,
            createdAt: r.createdAt,
          });
    }

    const report = buildReport({
      from,
      to,
      groupBy: q.groupBy,
      created: created
        .filter((t) => inWindow(t.createdAt))
        .map((t) => ({
          categoryId: t.categoryId,
          queueId: t.queueId,
          assigneeId: t.assignee?.id,
          priority: t.priority,
          createdAt: t.createdAt,
          firstResponseMet: t.sla?.firstResponse.met ?? (t.sla?.firstResponse.breachedAt ? false : undefined),
        })),
      resolved: resolved.filter((r) => inWindow(r.resolvedAt)),
      backlog,
      time: time.map((t) => ({
        categoryId: t.categoryId,
        queueId: t.queueId,
        assigneeId: t.assigneeId,
        priority: t.priority,
        minutes: t.minutes,
      })),
    });

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

// Lambda entry for the response report (see infra/catalog.ts: "reports-response"): incidents
// opened in [from, to], grouped by team, service or severity, with counts, mean and p90 time to
// detect, acknowledge and resolve, and how many were acknowledged within target.
import { responseReport, responseTimes, type IncidentTimes } from '../../shared/domain/oncall/metrics';
import { responseReportOperations } from '../../shared/api/operations/oncall';
import { httpApi, json } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { listIncidents } from '../../shared/store/incidents';

const DAY = 86400000;

const MAX_INCIDENTS = 20000;

export const handler = httpApi(responseReportOperations, {
  'GET /reports/response': async (req) => {
    const q = req.input.query;
    const to = q.to ? new Date(q.to) : req.now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY);
    if (from > to || to.getTime() - from.getTime() > 366 * DAY)
      throw problem(422, 'from must be before to, at most 366 days apart.', {
        errors: [{ field: 'from', message: 'at most 366 days before to' }],
      });
    const incidents: IncidentTimes[] = [];
    let cursor: string | undefined;
    do {
      const page = await listIncidents({ teamId: q.team, serviceId: q.service, from, to, limit: 200, cursor });
      incidents.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && incidents.length < MAX_INCIDENTS);
    const report = responseReport(incidents, q.groupBy, q.ackTargetMinutes);
    return json(200, {
      from: from.toISOString(),
      to: to.toISOString(),
      truncated: Boolean(cursor),
      ...report,
      ...(q.incidents === 'true' ? { incidents: incidents.filter((i) => !i.mergedInto).map(responseTimes) } : {}),
    });
  },
});

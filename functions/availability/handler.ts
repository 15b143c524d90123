// Lambda entry for availability (see infra/catalog.ts: "availability"): downtime minutes and
// availability % per service and month, from probe flips and P1/P2 incidents, against the SLA.
import { currentMonth } from '../../shared/domain/probes/availability';
import { availabilityOperations } from '../../shared/api/operations/probes';
import { httpApi, json } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { availabilityOf, availabilitySummary } from './report';

function monthOf(req: { now: Date; input: { query: { month?: string } } }): string | undefined {
  const { month } = req.input.query;
  if (month && month > currentMonth(req.now))
    throw problem(422, `month ${month} has not started yet.`, {
      errors: [{ field: 'month', message: 'must not be in the future' }],
    });
  return month;
}

export const handler = httpApi(availabilityOperations, {
  'GET /services/{id}/availability': async (req) =>
    json(200, await availabilityOf(req.params.id!, monthOf(req), req.now)),
  'GET /reports/availability': async (req) => json(200, await availabilitySummary(monthOf(req), req.now)),
});

// Impact declared on the public status page counts in availability (decision 0053): a responder's
// status updates on a P3 incident (which alone is no downtime) make the service's availability
// for that month drop by exactly the declared major outage plus 30 % of the partial outage, in
// GET /services/{id}/availability, GET /reports/availability and the monthly report's figures.
import { handler as availabilityApi } from '../../functions/availability/handler';
import { onAlertOpened } from '../../shared/app/incidents/engine';
import { loadReportInput } from '../../shared/app/reports/load';
import { postStatusUpdate } from '../../shared/app/statuspage/status-updates';
import { computeMonthlyReport } from '../../shared/domain/reports/compute';
import { call } from '../support/http-event';
import { givenServices, setRules, snap } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();
beforeAll(async () => {
  await givenServices();
  await setRules({ storm: { maxIncidentsPerMinute: 1000 } });
});

// Early last month, so the month is over and nothing else of this file's data falls in it.
const today = new Date();
const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
const month = monthStart.toISOString().slice(0, 7);
const at = (minutes: number) => new Date(monthStart.getTime() + (2 * 1440 + minutes) * 60_000);

const availabilityOf = async (serviceId: string) => {
  const r = await call(availabilityApi, {
    routeKey: 'GET /services/{id}/availability',
    params: { id: serviceId },
    query: { month },
    role: 'viewer',
  });
  expect(r.status).toBe(200);
  return r.body as { downtimeMinutes: number; bySource: Record<string, number>; intervals: unknown[] };
};

it('lowers availability by the declared major outage and 30 % of the partial outage', async () => {
  // Prepare: a P3 incident on checkout (P3s are not downtime by themselves).
  const opened = await onAlertOpened(
    snap({ severity: 'warning', labels: { alertname: 'checkout-slow' }, service: 'checkout' }),
    at(0),
  );
  const incidentId = opened.incidentId!;
  const before = await availabilityOf('checkout');
  expect(before.downtimeMinutes).toBe(0);

  // Act: major outage for 20 minutes, partial for 60, then resolved.
  await postStatusUpdate(
    incidentId,
    { status: 'investigating', body: 'Checkout is down.', componentStatus: 'major_outage' },
    'su-a',
    at(0),
  );
  await postStatusUpdate(
    incidentId,
    { status: 'identified', body: 'Card payments work again.', componentStatus: 'partial_outage' },
    'su-b',
    at(20),
  );
  await postStatusUpdate(incidentId, { status: 'resolved', body: 'All payments work.' }, 'su-c', at(80));

  // Assess
  const after = await availabilityOf('checkout');
  expect(after.downtimeMinutes).toBe(20 + 18);
  expect(after.bySource).toEqual({ probeMinutes: 0, incidentMinutes: 0, statusPageMinutes: 38 });
  expect(after.intervals).toEqual([expect.objectContaining({ minutes: 80, sources: [`statuspage:${incidentId}`] })]);
  const summary = await call(availabilityApi, {
    routeKey: 'GET /reports/availability',
    query: { month },
    role: 'viewer',
  });
  expect(summary.body.services).toContainEqual(expect.objectContaining({ serviceId: 'checkout', downtimeMinutes: 38 }));
  // Other services are untouched.
  expect((await availabilityOf('billing-api')).downtimeMinutes).toBe(0);

  const report = computeMonthlyReport(await loadReportInput(month, 'UTC', new Date()));
  expect(report.services.find((s) => s.id === 'checkout')).toMatchObject({ downtimeMinutes: 38 });
});

// Lambda entry for the incidents ops API (see infra/catalog.ts: "ops-incidents").
import { incidentOperations } from '../../shared/api/operations/incidents';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import {
  acknowledgeIncident,
  actorOf,
  changeIncidentSeverity,
  mergeIncident,
  noteIncident,
  reassignIncident,
  resolveIncident,
} from '../../shared/app/incidents/actions';
import { getIncidentDetail, listIncidents } from '../../shared/store/incidents';

const DAY = 86400000;
const actor = (req: HttpRequest) => actorOf(req.principal!);
const id = (req: HttpRequest) => req.params.id!;

export const handler = httpApi(incidentOperations, {
  'GET /incidents': async (req) => {
    const q = req.input.query;
    const to = q.to ? new Date(q.to) : req.now;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * DAY);
    if (to.getTime() - from.getTime() > 366 * DAY || from > to)
      throw problem(422, 'from must be before to, at most 366 days apart.', {
        errors: [{ field: 'from', message: 'at most 366 days before to' }],
      });
    const page = await listIncidents({
      status: q.status,
      teamId: q.team,
      serviceId: q.service,
      severity: q.severity,
      from,
      to,
      limit: q.limit,
      cursor: q.cursor,
    });
    // Flapping bookkeeping is internal; the list shows the incident as GET /incidents/{id} does.
    return json(200, { ...page, items: page.items.map(({ transitionsResetAt: _t, ...i }) => i) });
  },
  'GET /incidents/{id}': async (req) => {
    const detail = await getIncidentDetail(id(req));
    if (!detail) throw problem(404, `No incident with id ${id(req)}.`);
    const { transitionsResetAt: _t, ...incident } = detail.incident;
    const alerts = detail.alerts.map(
      ({ labels: _l, ...a }: (typeof detail.alerts)[number] & { labels?: unknown }) => a,
    );
    return json(200, { ...incident, alerts, timeline: detail.timeline, tickets: detail.tickets });
  },
  'POST /incidents/{id}/acknowledge': async (req) => {
    const b = req.input.body;
    return json(200, await acknowledgeIncident(id(req), actor(req), req.now, b.version));
  },
  'POST /incidents/{id}/resolve': async (req) => {
    const b = req.input.body;
    return json(200, await resolveIncident(id(req), actor(req), req.now, b.note, b.version));
  },
  'POST /incidents/{id}/reassign': async (req) => {
    const b = req.input.body;
    return json(200, await reassignIncident(id(req), b.teamId, actor(req), req.now, b.reason, b.version));
  },
  'POST /incidents/{id}/severity': async (req) => {
    const b = req.input.body;
    return json(200, await changeIncidentSeverity(id(req), b.severity, actor(req), req.now, b.reason, b.version));
  },
  'POST /incidents/{id}/merge': async (req) => {
    const b = req.input.body;
    return json(200, await mergeIncident(id(req), b.into, actor(req), req.now, b.reason, b.version));
  },
  'POST /incidents/{id}/notes': async (req) => {
    const b = req.input.body;
    return json(201, await noteIncident(id(req), (b.note ?? b.text)!, actor(req), req.now));
  },
});

// Lambda entry for the public status page (see infra/catalog.ts: "status-page"): responders post
// public updates from an incident; anyone reads the page as Statuspage API v2 JSON, HTML or Atom.
import { statusPageOperations } from '../../shared/api/operations/statuspage';
import { postStatusUpdate, statusPageState, statusUpdateId } from '../../shared/app/statuspage/status-updates';
import {
  incidentJson,
  incidentsJson,
  statusAtom,
  statusHtml,
  statusJson,
  summaryJson,
  type PageInfo,
} from '../../shared/domain/statuspage/render';
import { httpApi, json, type HttpRequest, type HttpResult } from '../../shared/http/idempotent-api';
import { IDEMPOTENCY_KEY_HEADER } from '../../shared/http/idempotency-key';
import { problem } from '../../shared/http/problem';
import { getIncident } from '../../shared/store/incidents';
import { getPublicIncident } from '../../shared/store/statuspage';

/** The page's own address: PUBLIC_BASE_URL when set (AWS: the CloudFront domain), else the request's host. */
function pageInfo(req: HttpRequest): PageInfo {
  const base =
    (process.env.PUBLIC_BASE_URL ?? '').replace(/\/+$/, '') ||
    `${req.headers['x-forwarded-proto'] ?? 'https'}://${req.headers.host ?? req.event.requestContext.domainName}`;
  return {
    id: process.env.STATUS_PAGE_ID ?? 'nocturne',
    name: process.env.STATUS_PAGE_NAME ?? 'Nocturne status',
    url: `${base}/status`,
  };
}

// Public reads may be cached briefly by CloudFront and browsers; a minute is what Statuspage does too.
const PUBLIC_CACHE = 'public, max-age=30';
const publicJson = (body: unknown): HttpResult =>
  json(200, body, { 'cache-control': PUBLIC_CACHE, 'access-control-allow-origin': '*' });
const EPOCH = '2026-01-01T00:00:00.000Z';

export const handler = httpApi(statusPageOperations, {
  'POST /incidents/{id}/status-updates': async (req) => {
    const id = req.params.id!;
    const updateId = statusUpdateId(id, req.headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()]?.trim());
    const r = await postStatusUpdate(id, req.input.body, updateId, req.now);
    const state = await statusPageState(req.now);
    const inc = incidentJson(pageInfo(req), state.components)(r.incident);
    return json(201, {
      incident: inc,
      update: inc.incident_updates.find((u) => u.id === r.update.id),
      delivered: r.sent,
    });
  },
  'GET /incidents/{id}/status-updates': async (req) => {
    const id = req.params.id!;
    if (!(await getIncident(id))) throw problem(404, `No incident with id ${id}.`);
    const pub = await getPublicIncident(id);
    if (!pub) return json(200, { items: [] });
    const state = await statusPageState(req.now);
    return json(200, { items: incidentJson(pageInfo(req), state.components)(pub).incident_updates });
  },
  'GET /api/v2/summary.json': async (req) => {
    const s = await statusPageState(req.now);
    return publicJson(summaryJson(pageInfo(req), s.components, s.incidents, EPOCH));
  },
  'GET /api/v2/status.json': async (req) => {
    const s = await statusPageState(req.now);
    return publicJson(statusJson(pageInfo(req), s.components, s.incidents, EPOCH));
  },
  'GET /api/v2/incidents.json': async (req) => {
    const s = await statusPageState(req.now);
    return publicJson(incidentsJson(pageInfo(req), s.components, s.incidents, EPOCH));
  },
  'GET /status': async (req) => {
    const s = await statusPageState(req.now);
    const p = pageInfo(req);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': PUBLIC_CACHE,
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        'x-content-type-options': 'nosniff',
      },
      body: statusHtml(p, s.components, s.incidents, `${p.url}/history.atom`),
    };
  },
  'GET /status/history.atom': async (req) => {
    const s = await statusPageState(req.now);
    const p = pageInfo(req);
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': PUBLIC_CACHE },
      body: statusAtom(p, s.incidents, `${p.url}/history.atom`, EPOCH),
    };
  },
});

// Lambda entry for job pings (see infra/catalog.ts: "pings"): `/pings/{key}` (success),
// `/pings/{key}/start` and `/pings/{key}/fail`, GET or POST, no other authentication (the key is
// the secret, 128 random bits). Counts and a log excerpt may come in the query string or the
// body: JSON `{ "processed", "errored", "log" }`, or any other body as the log excerpt.
import { PING_KINDS, pingPayloadSchema, type PingKind } from '../../shared/domain/probes/definitions';
import { ValidationError } from '../../shared/domain/errors';
import { pingOperations } from '../../shared/api/operations/probes';
import { httpApi, json, type HttpRequest, type HttpResult, type OperationHandlers } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { jobIdByPingKey, recordPing } from '../../shared/store/probe-jobs';

const KEY_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

function payloadOf(req: HttpRequest) {
  const fromQuery: Record<string, unknown> = {};
  for (const k of ['processed', 'errored', 'log'] as const) if (req.query[k] !== undefined) fromQuery[k] = req.query[k];
  let fromBody: Record<string, unknown> = {};
  const text = req.rawBody.trim();
  if (text) {
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let parsed: unknown;
    if (type.includes('json') || text.startsWith('{')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    fromBody =
      parsed && typeof parsed === 'object' && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { log: req.rawBody };
  }
  const r = pingPayloadSchema.safeParse({ ...fromBody, ...fromQuery });
  if (!r.success) throw ValidationError.fromZod('The ping carries invalid counts.', r.error);
  return r.data;
}

function ping(kind: PingKind): (req: HttpRequest) => Promise<HttpResult> {
  return async (req) => {
    const key = req.params.key ?? '';
    const jobId = KEY_PATTERN.test(key) ? await jobIdByPingKey(key) : undefined;
    if (!jobId)
      throw problem(404, 'No job has this ping key. Check the URL (the job may have been deleted or its key rotated).');
    const payload = payloadOf(req);
    const r = await recordPing(
      jobId,
      {
        kind,
        ...payload,
        sourceIp: req.event.requestContext?.http?.sourceIp,
        userAgent: req.headers['user-agent'],
      },
      req.now,
    );
    if (!r)
      throw problem(404, 'No job has this ping key. Check the URL (the job may have been deleted or its key rotated).');
    return json(200, { ok: true, received: kind, at: req.now.toISOString(), status: r.job.state.status });
  };
}

const routes: Record<string, (req: HttpRequest) => Promise<HttpResult>> = {};
for (const kind of PING_KINDS) {
  const suffix = kind === 'success' ? '' : `/${kind}`;
  for (const method of ['GET', 'POST']) routes[`${method} /pings/{key}${suffix}`] = ping(kind);
}

export const handler = httpApi(pingOperations, routes as OperationHandlers<typeof pingOperations>);

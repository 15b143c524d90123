// Lambda entry for ticketing configuration (see infra/catalog.ts: "ticket-config"): categories
// and their custom fields, queues and their members, business calendars, SLA policies, incident
// follow-up rules and the requester directory. PUT creates (no version) or replaces at a version.
import { z } from 'zod';
import { ValidationError, type FieldIssue } from '../../shared/domain/errors';
import { calendarSchema } from '../../shared/domain/tickets/business-time';
import { categorySchema, incidentRuleSchema, queueSchema, requesterSchema } from '../../shared/domain/tickets/config';
import { memberAvailabilitySchema } from '../../shared/domain/tickets/requests';
import { slaPolicySchema } from '../../shared/domain/tickets/sla';
import { httpApi, json, noContent, parseBody, parseQuery, type HttpRequest } from '../../shared/http/api';
import { noQuerySchema } from '../../shared/http/schemas';
import { hasRole } from '../../shared/http/auth';
import {
  deleteConfig,
  getConfig,
  listConfig,
  putConfig,
  requireConfig,
  setMemberAvailability,
  type ConfigKind,
  type ConfigKinds,
} from '../../shared/store/ticket-config';

const versionField = { version: z.number().int().positive().optional() };

/** The body of a PUT: the entry without its id (taken from the path), plus the version it replaces. */
const putBodySchema = z.looseObject({ ...versionField });

async function references(checks: Array<[string, ConfigKind, string | undefined]>): Promise<void> {
  const issues: FieldIssue[] = [];
  for (const [field, kind, id] of checks) {
    if (id && !(await getConfig(kind, id))) issues.push({ field, message: `no ${kind} ${id}` });
  }
  if (issues.length) throw new ValidationError('The entry refers to configuration that does not exist.', issues);
}

function put<K extends ConfigKind>(kind: K, schema: z.ZodType<ConfigKinds[K]>, refs: (v: ConfigKinds[K]) => Array<[string, ConfigKind, string | undefined]> = () => []) {
  const idKey = kind === 'requester' ? 'email' : 'id';
  return async (req: HttpRequest) => {
    const { version, ...value } = parseBody(req, putBodySchema);
    const id = kind === 'requester' ? decodeURIComponent(req.params.id!).toLowerCase() : req.params.id!;
    const r = schema.safeParse({ ...value, [idKey]: id });
    if (!r.success) throw ValidationError.fromZod('The entry is not valid.', r.error);
    await references(refs(r.data));
    const saved = await putConfig(kind, r.data, req.now.toISOString(), version);
    return json(version === undefined ? 201 : 200, saved, { etag: `"${saved.version}"` });
  };
}

const list = (kind: ConfigKind) => async (req: HttpRequest) => {
  parseQuery(req, noQuerySchema);
  return json(200, { items: await listConfig(kind) });
};
const get = (kind: ConfigKind) => async (req: HttpRequest) => json(200, await requireConfig(kind, req.params.id!));

export const handler = httpApi({
  'PUT /ticket-categories/{id}': {
    role: 'admin',
    handler: put('category', categorySchema as never, (c: ConfigKinds['category']) => [
      ['defaultQueueId', 'queue', c.defaultQueueId],
      ['slaPolicyId', 'sla-policy', c.slaPolicyId],
    ]),
  },
  'GET /ticket-categories': {
    role: 'requester',
    handler: async (req) => {
      parseQuery(req, noQuerySchema);
      const items = await listConfig('category');
      const agentish = hasRole(req.principal!, 'viewer');
      return json(200, { items: agentish ? items : items.filter((c) => c.requesterVisible).map(({ id, name, description, fields }) => ({ id, name, description, fields })) });
    },
  },
  'GET /ticket-categories/{id}': { role: 'viewer', handler: get('category') },

  'PUT /ticket-queues/{id}': { role: 'admin', handler: put('queue', queueSchema as never) },
  'GET /ticket-queues': { role: 'viewer', handler: list('queue') },
  'GET /ticket-queues/{id}': { role: 'viewer', handler: get('queue') },
  'PUT /ticket-queues/{id}/members/{memberId}/availability': {
    role: 'responder',
    handler: async (req) => {
      const { available } = parseBody(req, memberAvailabilitySchema);
      return json(200, await setMemberAvailability(req.params.id!, req.params.memberId!, available, req.now.toISOString()));
    },
  },

  'PUT /ticket-calendars/{id}': { role: 'admin', handler: put('calendar', calendarSchema as never) },
  'GET /ticket-calendars': { role: 'viewer', handler: list('calendar') },

  'PUT /ticket-sla-policies/{id}': {
    role: 'admin',
    handler: put('sla-policy', slaPolicySchema as never, (p: ConfigKinds['sla-policy']) => [['calendarId', 'calendar', p.calendarId]]),
  },
  'GET /ticket-sla-policies': { role: 'viewer', handler: list('sla-policy') },

  'PUT /ticket-incident-rules/{id}': {
    role: 'admin',
    handler: put('incident-rule', incidentRuleSchema as never, (r: ConfigKinds['incident-rule']) => [
      ['categoryId', 'category', r.categoryId],
      ['queueId', 'queue', r.queueId],
    ]),
  },
  'GET /ticket-incident-rules': { role: 'viewer', handler: list('incident-rule') },
  'DELETE /ticket-incident-rules/{id}': {
    role: 'admin',
    handler: async (req) => {
      await deleteConfig('incident-rule', req.params.id!);
      return noContent();
    },
  },

  'PUT /requesters/{id}': { role: 'admin', handler: put('requester', requesterSchema as never) },
  'GET /requesters': { role: 'admin', handler: list('requester') },
});

// Lambda entry for ticketing configuration (see infra/catalog.ts: "ticket-config"): categories
// and their custom fields, queues and their members, business calendars, SLA policies, incident
// follow-up rules and the requester directory. PUT creates (no version) or replaces at a version.
import * as z from 'zod';
import { ValidationError, type FieldIssue } from '../../shared/domain/errors';
import { calendarSchema } from '../../shared/domain/tickets/business-time';
import { categorySchema, incidentRuleSchema, queueSchema, requesterSchema } from '../../shared/domain/tickets/config';
import { slaPolicySchema } from '../../shared/domain/tickets/sla';
import { ticketConfigOperations } from '../../shared/api/operations/tickets';
import { httpApi, json, noContent, parseBody, type HttpRequest } from '../../shared/http/api';
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

function put<K extends ConfigKind>(
  kind: K,
  schema: z.ZodType<ConfigKinds[K]>,
  refs: (v: ConfigKinds[K]) => Array<[string, ConfigKind, string | undefined]> = () => [],
) {
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

// List routes take no query parameters (their operations say so: any is a 400 naming it).
const list = (kind: ConfigKind) => async () => json(200, { items: await listConfig(kind) });
const get = (kind: ConfigKind) => async (req: HttpRequest) => json(200, await requireConfig(kind, req.params.id!));

export const handler = httpApi(ticketConfigOperations, {
  'PUT /ticket-categories/{id}': put('category', categorySchema as never, (c: ConfigKinds['category']) => [
    ['defaultQueueId', 'queue', c.defaultQueueId],
    ['slaPolicyId', 'sla-policy', c.slaPolicyId],
  ]),
  'GET /ticket-categories': async (req) => {
    const items = await listConfig('category');
    const agentish = hasRole(req.principal!, 'viewer');
    return json(200, {
      items: agentish
        ? items
        : items
            .filter((c) => c.requesterVisible)
            .map(({ id, name, description, fields }) => ({ id, name, description, fields })),
    });
  },
  'GET /ticket-categories/{id}': get('category'),

  'PUT /ticket-queues/{id}': put('queue', queueSchema as never),
  'GET /ticket-queues': list('queue'),
  'GET /ticket-queues/{id}': get('queue'),
  'PUT /ticket-queues/{id}/members/{memberId}/availability': async (req) => {
    const { available } = req.input.body;
    return json(
      200,
      await setMemberAvailability(req.params.id!, req.params.memberId!, available, req.now.toISOString()),
    );
  },

  'PUT /ticket-calendars/{id}': put('calendar', calendarSchema as never),
  'GET /ticket-calendars': list('calendar'),

  'PUT /ticket-sla-policies/{id}': put('sla-policy', slaPolicySchema as never, (p: ConfigKinds['sla-policy']) => [
    ['calendarId', 'calendar', p.calendarId],
  ]),
  'GET /ticket-sla-policies': list('sla-policy'),

  'PUT /ticket-incident-rules/{id}': put(
    'incident-rule',
    incidentRuleSchema as never,
    (r: ConfigKinds['incident-rule']) => [
      ['categoryId', 'category', r.categoryId],
      ['queueId', 'queue', r.queueId],
    ],
  ),
  'GET /ticket-incident-rules': list('incident-rule'),
  'DELETE /ticket-incident-rules/{id}': async (req) => {
    await deleteConfig('incident-rule', req.params.id!);
    return noContent();
  },

  'PUT /requesters/{id}': put('requester', requesterSchema as never),
  'GET /requesters': list('requester'),
});

// Lambda entry for incident rules, silences and maintenance windows (see infra/catalog.ts: "ops-rules").
import { ulid } from 'ulid';
import { z } from 'zod';
import { rulesetSchema } from '../../shared/domain/incidents/rules';
import { createMaintenanceSchema, createSilenceSchema, silenceActive } from '../../shared/domain/incidents/silences';
import { httpApi, json, noContent, parseBody, parseQuery, type HttpRequest } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { pageQuerySchema } from '../../shared/http/schemas';
import { getRules, putRules, ruleHistory } from '../../shared/store/rules';
import { invalidateQuietRules, maintenanceWindows, silences } from '../../shared/store/silences';

const putRulesSchema = z.object({
  version: z.number().int().min(0).describe('The version you edited (0 for the first); a stale one gets 409.'),
  comment: z.string().max(2000).optional(),
  rules: rulesetSchema,
});

const id = (req: HttpRequest) => req.params.id!;

export const handler = httpApi({
  'GET /rules': {
    role: 'viewer',
    handler: async (req) => {
      const q = parseQuery(req, z.object({ history: z.enum(['true', 'false']).optional() }));
      const current = await getRules({ fresh: true });
      return json(200, q.history === 'true' ? { ...current, history: await ruleHistory(20) } : current);
    },
  },
  'PUT /rules': {
    role: 'admin',
    handler: async (req) => {
      const b = parseBody(req, putRulesSchema);
      return json(200, await putRules(b.rules, b.version, req.principal!.name, req.now.toISOString(), b.comment));
    },
  },
  'POST /silences': {
    role: 'responder',
    handler: async (req) => {
      const b = parseBody(req, createSilenceSchema);
      if (Date.parse(b.endsAt) <= req.now.getTime())
        throw problem(422, 'The silence would already be over.', { errors: [{ field: 'endsAt', message: 'must be in the future' }] });
      const silence = await silences.create(
        { id: ulid(req.now.getTime()), matchers: b.matchers, startsAt: b.startsAt ?? req.now.toISOString(), endsAt: b.endsAt, comment: b.comment, createdBy: req.principal!.name },
        req.now.toISOString(),
      );
      invalidateQuietRules();
      return json(201, silence, { location: `/silences/${silence.id}` });
    },
  },
  'GET /silences': {
    role: 'viewer',
    handler: async (req) => {
      const q = parseQuery(req, pageQuerySchema.extend({ active: z.enum(['true', 'false']).optional() }));
      const page = await silences.list(q.limit, q.cursor);
      return json(200, q.active === 'true' ? { ...page, items: page.items.filter((s) => silenceActive(s, req.now)) } : page);
    },
  },
  'GET /silences/{id}': { role: 'viewer', handler: async (req) => json(200, await silences.require(id(req))) },
  'POST /silences/{id}/expire': {
    role: 'responder',
    handler: async (req) => {
      const s = await silences.require(id(req));
      if (!silenceActive(s, req.now) && Date.parse(s.startsAt) <= req.now.getTime()) throw problem(409, `Silence ${s.id} is not active.`);
      const expired = await silences.update(s.id, { expiredAt: req.now.toISOString(), endsAt: req.now.toISOString() }, req.now.toISOString(), s.version);
      invalidateQuietRules();
      return json(200, expired);
    },
  },
  'POST /maintenance-windows': {
    role: 'responder',
    handler: async (req) => {
      const b = parseBody(req, createMaintenanceSchema);
      const w = await maintenanceWindows.create({ ...b, id: ulid(req.now.getTime()), createdBy: req.principal!.name }, req.now.toISOString());
      invalidateQuietRules();
      return json(201, w, { location: `/maintenance-windows/${w.id}` });
    },
  },
  'GET /maintenance-windows': {
    role: 'viewer',
    handler: async (req) => {
      const q = parseQuery(req, pageQuerySchema);
      return json(200, await maintenanceWindows.list(q.limit, q.cursor));
    },
  },
  'DELETE /maintenance-windows/{id}': {
    role: 'responder',
    handler: async (req) => {
      await maintenanceWindows.remove(id(req));
      invalidateQuietRules();
      return noContent();
    },
  },
});

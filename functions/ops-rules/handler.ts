// Lambda entry for incident rules, silences and maintenance windows (see infra/catalog.ts: "ops-rules").
import { ulid } from 'ulid';
import { silenceActive } from '../../shared/domain/incidents/silences';
import { requireValidCron } from '../../shared/app/incidents/maintenance';
import { requireValidPatterns, requireValidRulesetPatterns } from '../../shared/app/incidents/patterns';
import { ruleOperations } from '../../shared/api/operations/rules';
import { httpApi, json, noContent, type HttpRequest } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import { getRules, putRules, ruleHistory } from '../../shared/store/rules';
import { invalidateQuietRules, maintenanceWindows, silences } from '../../shared/store/silences';

const id = (req: HttpRequest) => req.params.id!;

export const handler = httpApi(ruleOperations, {
  'GET /rules': async (req) => {
    const q = req.input.query;
    const current = await getRules({ fresh: true });
    return json(200, q.history === 'true' ? { ...current, history: await ruleHistory(20) } : current);
  },
  'PUT /rules': async (req) => {
    const b = req.input.body;
    await requireValidRulesetPatterns(b.rules, 'rules');
    return json(200, await putRules(b.rules, b.version, req.principal!.name, req.now.toISOString(), b.comment));
  },
  'POST /silences': async (req) => {
    const b = req.input.body;
    await requireValidPatterns(b.matchers, 'matchers');
    if (Date.parse(b.endsAt) <= req.now.getTime())
      throw problem(422, 'The silence would already be over.', {
        errors: [{ field: 'endsAt', message: 'must be in the future' }],
      });
    const silence = await silences.create(
      {
        id: ulid(req.now.getTime()),
        matchers: b.matchers,
        startsAt: b.startsAt ?? req.now.toISOString(),
        endsAt: b.endsAt,
        comment: b.comment,
        createdBy: req.principal!.name,
      },
      req.now.toISOString(),
    );
    invalidateQuietRules();
    return json(201, silence, { location: `/silences/${silence.id}` });
  },
  'GET /silences': async (req) => {
    const q = req.input.query;
    const page = await silences.list(q.limit, q.cursor);
    return json(
      200,
      q.active === 'true' ? { ...page, items: page.items.filter((s) => silenceActive(s, req.now)) } : page,
    );
  },
  'GET /silences/{id}': async (req) => json(200, await silences.require(id(req))),
  'POST /silences/{id}/expire': async (req) => {
    const s = await silences.require(id(req));
    if (!silenceActive(s, req.now) && Date.parse(s.startsAt) <= req.now.getTime())
      throw problem(409, `Silence ${s.id} is not active.`);
    const expired = await silences.update(
      s.id,
      { expiredAt: req.now.toISOString(), endsAt: req.now.toISOString() },
      req.now.toISOString(),
      s.version,
    );
    invalidateQuietRules();
    return json(200, expired);
  },
  'POST /maintenance-windows': async (req) => {
    const b = req.input.body;
    await requireValidCron(b);
    const w = await maintenanceWindows.create(
      { ...b, id: ulid(req.now.getTime()), createdBy: req.principal!.name },
      req.now.toISOString(),
    );
    invalidateQuietRules();
    return json(201, w, { location: `/maintenance-windows/${w.id}` });
  },
  'GET /maintenance-windows': async (req) => {
    const q = req.input.query;
    return json(200, await maintenanceWindows.list(q.limit, q.cursor));
  },
  'DELETE /maintenance-windows/{id}': async (req) => {
    await maintenanceWindows.remove(id(req));
    invalidateQuietRules();
    return noContent();
  },
});

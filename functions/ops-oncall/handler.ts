// Lambda entry for the on-call ops API (see infra/catalog.ts: "ops-oncall"): users and their
// contact methods, teams' on-call configuration, schedules (with who is on call and the final
// shifts), escalation policies, stakeholder subscriptions and an incident's page log. Admins
// write, viewers read; overrides (shift swaps) are open to responders.
import { randomBytes } from 'node:crypto';
import { ConflictError, ValidationError, type FieldIssue } from '../../shared/domain/errors';
import { checkUser, type User } from '../../shared/domain/oncall/people';
import { type Level } from '../../shared/domain/oncall/policy';
import {
  finalShifts,
  inZone,
  onCallAt,
  type Layer,
  type Override,
  type Schedule,
  type Shift,
} from '../../shared/domain/oncall/schedule';
import { oncallOperations } from '../../shared/api/operations/oncall';
import {
  httpApi,
  json,
  noContent,
  type HttpRequest,
  type HttpResult,
  type OperationHandlers,
} from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import { getIncident } from '../../shared/store/incidents';
import {
  createSubscription,
  deleteSubscription,
  invalidateDirectoryCache,
  policies,
  schedules,
  schedulesById,
  subscriptionIdFor,
  subscriptionsOf,
  teamOncall,
  users,
  usersById,
} from '../../shared/store/oncall';
import { getEscalation, pagesOf } from '../../shared/store/oncall-pages';
import { services, teams } from '../../shared/store/services';

const id = (req: HttpRequest) => req.params.id!;
const DAY = 86400000;

async function requireUsers(refs: Array<{ id: string; field: string }>): Promise<Map<string, User>> {
  const found = await usersById(refs.map((r) => r.id));
  const missing = refs.filter((r) => !found.has(r.id));
  if (missing.length)
    throw new ValidationError(
      'These users do not exist.',
      missing.map((m) => ({ field: m.field, message: `no user ${m.id}` })),
    );
  return found;
}

const scheduleUserRefs = (s: { layers?: Layer[]; overrides?: Override[] }) => [
  ...(s.layers ?? []).flatMap((l, i) =>
    l.participants.map((u, j) => ({ id: u, field: `layers.${i}.participants.${j}` })),
  ),
  ...(s.overrides ?? []).map((o, i) => ({ id: o.userId, field: `overrides.${i}.userId` })),
];

async function checkTargets(levels: Level[]): Promise<void> {
  const issues: FieldIssue[] = [];
  const refs = levels.flatMap((l, i) => l.targets.map((t, j) => ({ ...t, field: `levels.${i}.targets.${j}.id` })));
  const [found, foundSchedules, foundTeams] = await Promise.all([
    usersById(refs.filter((r) => r.type === 'user').map((r) => r.id)),
    schedulesById(refs.filter((r) => r.type === 'schedule').map((r) => r.id)),
    Promise.all(refs.filter((r) => r.type === 'team').map(async (r) => [r.id, await teams.get(r.id)] as const)),
  ]);
  const teamIds = new Set(foundTeams.filter(([, t]) => t).map(([tid]) => tid));
  for (const r of refs) {
    const ok =
      r.type === 'user' ? found.has(r.id) : r.type === 'schedule' ? foundSchedules.has(r.id) : teamIds.has(r.id);
    if (!ok) issues.push({ field: r.field, message: `no ${r.type} ${r.id}` });
  }
  if (issues.length) throw new ValidationError('Escalation targets must exist.', issues);
}

function inUse(what: string, where: string[]): void {
  if (where.length)
    throw new ValidationError(`${what} is still in use; remove it there first.`, [
      { field: 'id', message: `used by ${where.join(', ')}` },
    ]);
}

function withNames(shifts: Shift[], zone: string, names: Map<string, User>) {
  return shifts.map((s) => ({
    ...s,
    userName: names.get(s.userId)?.name,
    startLocal: inZone(s.start, zone),
    endLocal: inZone(s.end, zone),
  }));
}

/** Apply a change to a schedule's overrides with optimistic locking, retrying a lost race. */
async function changeOverrides(
  scheduleId: string,
  now: string,
  fn: (current: Override[]) => Override[],
): Promise<Schedule> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const s = await schedules.require(scheduleId);
    try {
      return await schedules.update(scheduleId, { overrides: fn(s.overrides) }, now, s.version);
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new ConflictError(`Schedule ${scheduleId} is changing too fast; try again.`);
}

const routes: OperationHandlers<typeof oncallOperations> = {
  // ---- Users ----
  'POST /users': async (req) => {
    const b = req.input.body;
    checkUser(b);
    return json(201, await users.create(b, req.now.toISOString()), { location: `/users/${b.id}` });
  },
  'GET /users': async (req) => {
    const q = req.input.query;
    return json(200, await users.list(q.limit, q.cursor));
  },
  'GET /users/{id}': async (req) => json(200, await users.require(id(req))),
  'PATCH /users/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    const current = await users.require(id(req));
    checkUser({
      contactMethods: patch.contactMethods ?? current.contactMethods,
      notificationRules: patch.notificationRules ?? current.notificationRules,
    });
    return json(200, await users.update(id(req), patch, req.now.toISOString(), version ?? current.version));
  },
  'DELETE /users/{id}': async (req) => {
    const u = id(req);
    await users.require(u);
    const [allSchedules, allPolicies, allTeams] = await Promise.all([
      schedules.all(),
      policies.all(),
      teamOncall.all(),
    ]);
    inUse(`User ${u}`, [
      ...allSchedules
        .filter((s) => s.layers.some((l) => l.participants.includes(u)) || s.overrides.some((o) => o.userId === u))
        .map((s) => `schedule ${s.id}`),
      ...allPolicies
        .filter((p) => p.levels.some((l) => l.targets.some((t) => t.type === 'user' && t.id === u)))
        .map((p) => `escalation policy ${p.id}`),
      ...allTeams.filter((t) => t.members.includes(u)).map((t) => `team ${t.id}`),
    ]);
    await users.remove(u);
    return noContent();
  },

  // ---- Teams' on-call configuration ----
  'GET /teams/{id}/oncall': async (req) => {
    await teams.require(id(req));
    const cfg = await teamOncall.get(id(req));
    return json(200, cfg ?? { id: id(req), members: [], version: 0 });
  },
  'PUT /teams/{id}/oncall': async (req) => {
    const b = req.input.body;
    await teams.require(id(req));
    await requireUsers(b.members.map((m, i) => ({ id: m, field: `members.${i}` })));
    if (b.escalationPolicyId && !(await policies.get(b.escalationPolicyId)))
      throw new ValidationError('Unknown escalation policy.', [
        { field: 'escalationPolicyId', message: `no escalation policy ${b.escalationPolicyId}` },
      ]);
    const now = req.now.toISOString();
    const current = await teamOncall.get(id(req));
    if (!current) {
      if (b.version)
        throw new ConflictError(`Team ${id(req)} has no on-call configuration yet; send version 0 or none.`);
      const created = await teamOncall.create(
        {
          id: id(req),
          members: b.members,
          ...(b.escalationPolicyId ? { escalationPolicyId: b.escalationPolicyId } : {}),
        },
        now,
      );
      return json(201, created);
    }
    if (b.version === 0)
      throw new ConflictError(`Team ${id(req)} already has an on-call configuration (version ${current.version}).`);
    return json(
      200,
      await teamOncall.update(
        id(req),
        { members: b.members, escalationPolicyId: b.escalationPolicyId ?? null },
        now,
        b.version ?? current.version,
      ),
    );
  },

  // ---- Schedules ----
  'POST /schedules': async (req) => {
    const b = req.input.body;
    await requireUsers(scheduleUserRefs(b));
    return json(201, await schedules.create(b, req.now.toISOString()), { location: `/schedules/${b.id}` });
  },
  'GET /schedules': async (req) => {
    const q = req.input.query;
    return json(200, await schedules.list(q.limit, q.cursor));
  },
  'GET /schedules/{id}': async (req) => json(200, await schedules.require(id(req))),
  'PATCH /schedules/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    const current = await schedules.require(id(req));
    await requireUsers(scheduleUserRefs(patch));
    return json(200, await schedules.update(id(req), patch, req.now.toISOString(), version ?? current.version));
  },
  'DELETE /schedules/{id}': async (req) => {
    await schedules.require(id(req));
    const used = (await policies.all()).filter((p) =>
      p.levels.some((l) => l.targets.some((t) => t.type === 'schedule' && t.id === id(req))),
    );
    inUse(
      `Schedule ${id(req)}`,
      used.map((p) => `escalation policy ${p.id}`),
    );
    await schedules.remove(id(req));
    return noContent();
  },
  'GET /schedules/{id}/oncall': async (req) => {
    const q = req.input.query;
    const s = await schedules.require(id(req));
    const at = q.at ? new Date(q.at) : req.now;
    const shift = onCallAt(s, at);
    const names = shift ? await usersById([shift.userId]) : new Map<string, User>();
    return json(200, {
      scheduleId: s.id,
      timeZone: s.timeZone,
      at: at.toISOString(),
      onCall: shift ? withNames([shift], s.timeZone, names)[0] : null,
    });
  },
  'GET /schedules/{id}/shifts': async (req) => {
    const q = req.input.query;
    const s = await schedules.require(id(req));
    const from = q.from ? new Date(q.from) : req.now;
    const to = q.to ? new Date(q.to) : new Date(from.getTime() + 7 * DAY);
    if (!(from < to) || to.getTime() - from.getTime() > 92 * DAY)
      throw problem(422, 'from must be before to, at most 92 days apart.', {
        errors: [{ field: 'to', message: 'after from, at most 92 days later' }],
      });
    const shifts = finalShifts(s, from, to);
    const names = await usersById(shifts.map((x) => x.userId));
    return json(200, {
      scheduleId: s.id,
      timeZone: s.timeZone,
      from: from.toISOString(),
      to: to.toISOString(),
      shifts: withNames(shifts, s.timeZone, names),
    });
  },
  'POST /schedules/{id}/overrides': async (req) => {
    const b = req.input.body;
    await schedules.require(id(req));
    await requireUsers([{ id: b.userId, field: 'userId' }]);
    const override: Override = { ...b, id: b.id ?? `ovr-${randomBytes(5).toString('hex')}` };
    const updated = await changeOverrides(id(req), req.now.toISOString(), (current) => {
      if (current.some((o) => o.id === override.id))
        throw new ConflictError(`Schedule ${id(req)} already has an override ${override.id}.`);
      if (current.length >= 200)
        throw new ValidationError('Too many overrides.', [
          { field: 'id', message: 'a schedule keeps at most 200 overrides; delete old ones' },
        ]);
      return [...current, override];
    });
    return json(201, { override, schedule: updated }, { location: `/schedules/${id(req)}/overrides/${override.id}` });
  },
  'DELETE /schedules/{id}/overrides/{overrideId}': async (req) => {
    const overrideId = req.params.overrideId!;
    await changeOverrides(id(req), req.now.toISOString(), (current) => {
      if (!current.some((o) => o.id === overrideId))
        throw problem(404, `Schedule ${id(req)} has no override ${overrideId}.`);
      return current.filter((o) => o.id !== overrideId);
    });
    return noContent();
  },

  // ---- Escalation policies ----
  'POST /escalation-policies': async (req) => {
    const b = req.input.body;
    await checkTargets(b.levels);
    return json(201, await policies.create(b, req.now.toISOString()), { location: `/escalation-policies/${b.id}` });
  },
  'GET /escalation-policies': async (req) => {
    const q = req.input.query;
    return json(200, await policies.list(q.limit, q.cursor));
  },
  'GET /escalation-policies/{id}': async (req) => json(200, await policies.require(id(req))),
  'PATCH /escalation-policies/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    const current = await policies.require(id(req));
    if (patch.levels) await checkTargets(patch.levels);
    return json(200, await policies.update(id(req), patch, req.now.toISOString(), version ?? current.version));
  },
  'DELETE /escalation-policies/{id}': async (req) => {
    await policies.require(id(req));
    const used = (await teamOncall.all()).filter((t) => t.escalationPolicyId === id(req));
    inUse(
      `Escalation policy ${id(req)}`,
      used.map((t) => `team ${t.id}`),
    );
    await policies.remove(id(req));
    return noContent();
  },

  // ---- Stakeholder subscriptions ----
  'POST /services/{id}/subscriptions': async (req) => {
    const b = req.input.body;
    await services.require(id(req));
    if (b.subscriber.type === 'user') await requireUsers([{ id: b.subscriber.userId, field: 'subscriber.userId' }]);
    const sub = await createSubscription({
      id: b.id ?? subscriptionIdFor(id(req), b.subscriber),
      serviceId: id(req),
      ...(b.name ? { name: b.name } : {}),
      subscriber: b.subscriber,
      events: b.events,
      createdAt: req.now.toISOString(),
    });
    return json(201, sub, { location: `/services/${id(req)}/subscriptions/${sub.id}` });
  },
  'GET /services/{id}/subscriptions': async (req) => {
    await services.require(id(req));
    return json(200, { items: await subscriptionsOf(id(req)) });
  },
  'DELETE /services/{id}/subscriptions/{subscriptionId}': async (req) => {
    await deleteSubscription(id(req), req.params.subscriptionId!);
    return noContent();
  },

  // ---- An incident's escalation and page log ----
  'GET /incidents/{id}/pages': async (req) => {
    if (!(await getIncident(id(req)))) throw problem(404, `No incident with id ${id(req)}.`);
    const [escalation, pages] = await Promise.all([getEscalation(id(req)), pagesOf(id(req))]);
    return json(200, { escalation: escalation ?? null, pages: pages.map(({ message: _m, ...p }) => p) });
  },
};

// Escalation reads people, schedules and teams through a short per-process cache; a write here
// drops it so this process (the whole local runtime, for one) pages with the new configuration at once.
const invalidating = Object.fromEntries(
  Object.entries(routes).map(([key, route]) => {
    const run = route as (req: HttpRequest) => Promise<HttpResult>;
    if (key.startsWith('GET ')) return [key, run];
    return [
      key,
      async (req: HttpRequest) => {
        const r = await run(req);
        invalidateDirectoryCache();
        return r;
      },
    ];
  }),
) as typeof routes;

export const handler = httpApi(oncallOperations, invalidating);

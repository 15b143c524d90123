// Lambda entry for teams and services (see infra/catalog.ts: "ops-services").
import { ValidationError } from '../../shared/domain/errors';
import { checkDependencies } from '../../shared/domain/services';
import { serviceOperations } from '../../shared/api/operations/incidents';
import { httpApi, json, noContent, type HttpRequest } from '../../shared/http/idempotent-api';
import { invalidateServiceCache, services, teams } from '../../shared/store/services';

const id = (req: HttpRequest) => req.params.id!;

async function dependencyGraph() {
  return new Map((await services.all()).map((s) => [s.id, s]));
}

export const handler = httpApi(serviceOperations, {
  'POST /teams': async (req) => {
    const b = req.input.body;
    return json(201, await teams.create(b, req.now.toISOString()), { location: `/teams/${b.id}` });
  },
  'GET /teams': async (req) => {
    const q = req.input.query;
    return json(200, await teams.list(q.limit, q.cursor));
  },
  'GET /teams/{id}': async (req) => json(200, await teams.require(id(req))),
  'PATCH /teams/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    return json(200, await teams.update(id(req), patch, req.now.toISOString(), version));
  },
  'DELETE /teams/{id}': async (req) => {
    const owned = (await services.all()).filter((s) => s.teamId === id(req));
    if (owned.length)
      throw new ValidationError(`Team ${id(req)} still owns services; move them first.`, [
        { field: 'id', message: `owns ${owned.map((s) => s.id).join(', ')}` },
      ]);
    await teams.remove(id(req));
    return noContent();
  },
  'POST /services': async (req) => {
    const b = req.input.body;
    await teams.require(b.teamId).catch(() => {
      throw new ValidationError('Unknown team.', [{ field: 'teamId', message: `no team ${b.teamId}` }]);
    });
    checkDependencies(b.id, b.dependsOn, await dependencyGraph());
    const created = await services.create(b, req.now.toISOString());
    invalidateServiceCache();
    return json(201, created, { location: `/services/${b.id}` });
  },
  'GET /services': async (req) => {
    const q = req.input.query;
    return json(200, await services.list(q.limit, q.cursor));
  },
  'GET /services/{id}': async (req) => json(200, await services.require(id(req))),
  'PATCH /services/{id}': async (req) => {
    const { version, ...patch } = req.input.body;
    await services.require(id(req));
    if (patch.teamId)
      await teams.require(patch.teamId).catch(() => {
        throw new ValidationError('Unknown team.', [{ field: 'teamId', message: `no team ${patch.teamId}` }]);
      });
    if (patch.dependsOn) checkDependencies(id(req), patch.dependsOn, await dependencyGraph());
    const updated = await services.update(id(req), patch, req.now.toISOString(), version);
    invalidateServiceCache();
    return json(200, updated);
  },
  'DELETE /services/{id}': async (req) => {
    const dependents = (await services.all()).filter((s) => s.dependsOn.includes(id(req)));
    if (dependents.length)
      throw new ValidationError(`Service ${id(req)} has dependents; remove the dependencies first.`, [
        { field: 'id', message: `depended on by ${dependents.map((s) => s.id).join(', ')}` },
      ]);
    await services.remove(id(req));
    invalidateServiceCache();
    return noContent();
  },
});

// Teams and services (generic entity storage), plus a short-lived cached view for the engine.
import type { Service, Team } from '../domain/services';
import { cached } from './cached';
import { entityStore } from './entities';

export const teams = entityStore<Team>('Team', 'team');
export const services = entityStore<Service>('Service', 'service');

export function getService(id: string): Promise<Service | undefined> {
  return services.get(id);
}

export function listServices(): Promise<Service[]> {
  return services.all();
}

const byId = cached(5000, async () => new Map((await services.all()).map((s) => [s.id, s])));

/** All services by id, cached for a few seconds per process (the engine reads it per alert), read once for concurrent callers. */
export async function serviceMap(nowMs = Date.now()): Promise<Map<string, Service>> {
  return byId.get(nowMs);
}

export function invalidateServiceCache(): void {
  byId.invalidate();
}

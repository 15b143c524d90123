// Teams and services (generic entity storage), plus a short-lived cached view for the engine.
import type { Service, Team } from '../domain/services';
import { entityStore } from './entities';

export const teams = entityStore<Team>('Team', 'team');
export const services = entityStore<Service>('Service', 'service');

export function getService(id: string): Promise<Service | undefined> {
  return services.get(id);
}

export function listServices(): Promise<Service[]> {
  return services.all();
}

let cache: { at: number; byId: Map<string, Service> } | undefined;
const TTL_MS = 5000;

/** All services by id, cached for a few seconds per process (the engine reads it per alert). */
export async function serviceMap(nowMs = Date.now()): Promise<Map<string, Service>> {
  if (!cache || nowMs - cache.at > TTL_MS)
    cache = { at: nowMs, byId: new Map((await services.all()).map((s) => [s.id, s])) };
  return cache.byId;
}

export function invalidateServiceCache(): void {
  cache = undefined;
}

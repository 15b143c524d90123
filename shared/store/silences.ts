// Silences and maintenance windows (generic entity storage; both sets stay small).
import type { MaintenanceWindow, Silence } from '../domain/incidents/silences';
import { entityStore, type Versioned } from './entities';

export type StoredSilence = Silence & Versioned;
export type StoredMaintenance = MaintenanceWindow & Versioned;

export const silences = entityStore<StoredSilence>('Silence', 'silence');
export const maintenanceWindows = entityStore<StoredMaintenance>('Maintenance', 'maintenance window');

let cache: { at: number; silences: StoredSilence[]; windows: StoredMaintenance[] } | undefined;
const CACHE_MS = 2000;

/**
 * Silences and maintenance windows as the engine reads them on every alert: cached for two
 * seconds per process (a new silence takes effect within that on other instances, at once here).
 */
export async function quietRules(
  nowMs = Date.now(),
): Promise<{ silences: StoredSilence[]; windows: StoredMaintenance[] }> {
  if (!cache || nowMs - cache.at > CACHE_MS || nowMs < cache.at) {
    const [s, w] = await Promise.all([silences.all(), maintenanceWindows.all()]);
    cache = { at: nowMs, silences: s, windows: w };
  }
  return cache;
}

export function invalidateQuietRules(): void {
  cache = undefined;
}

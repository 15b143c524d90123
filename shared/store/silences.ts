// Silences and maintenance windows (generic entity storage; both sets stay small).
import type { MaintenanceWindow, Silence } from '../domain/incidents/silences';
import { cached } from './cached';
import { entityStore, type Versioned } from './entities';

export type StoredSilence = Silence & Versioned;
export type StoredMaintenance = MaintenanceWindow & Versioned;

export const silences = entityStore<StoredSilence>('Silence', 'silence');
export const maintenanceWindows = entityStore<StoredMaintenance>('Maintenance', 'maintenance window');

const quiet = cached(2000, async () => {
  const [s, w] = await Promise.all([silences.all(), maintenanceWindows.all()]);
  return { silences: s, windows: w };
});

/**
 * Silences and maintenance windows as the engine reads them on every alert: cached for two
 * seconds per process (a new silence takes effect within that on other instances, at once here),
 * and read once for the alerts placed concurrently.
 */
export async function quietRules(
  nowMs = Date.now(),
): Promise<{ silences: StoredSilence[]; windows: StoredMaintenance[] }> {
  return quiet.get(nowMs);
}

export function invalidateQuietRules(): void {
  quiet.invalidate();
}

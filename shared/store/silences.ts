// Silences and maintenance windows (generic entity storage; both sets stay small).
import type { MaintenanceWindow, Silence } from '../domain/incidents/silences';
import { entityStore, type Versioned } from './entities';

export type StoredSilence = Silence & Versioned;
export type StoredMaintenance = MaintenanceWindow & Versioned;

export const silences = entityStore<StoredSilence>('Silence', 'silence');
export const maintenanceWindows = entityStore<StoredMaintenance>('Maintenance', 'maintenance window');

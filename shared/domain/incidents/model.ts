// The incident model: what an incident is, what a change to it is, and what hangs off it.
import type { IncidentChangeKind, IncidentSnapshot } from '../../../events/incidents';

export interface Actor {
  type: 'user' | 'rule' | 'system';
  id: string;
  name?: string;
}

export interface LastChange {
  kind: IncidentChangeKind;
  actor: Actor;
  reason?: string;
  notify: boolean;
  change: Record<string, unknown>;
  at: string;
  revision: number;
}

export interface Incident extends IncidentSnapshot {
  routeId: string;
  groupKey: string;
  groupHash: string;
  notifiedAt?: string;
  acknowledgedBy?: Actor;
  resolvedBy?: Actor;
  resolutionNote?: string;
  relatedAlertCount: number;
  lastTransitionAt?: string;
  /**
   * When flapping last ended: a key's recorded state changes up to then no longer count. (The
   * changes themselves live in one item per alert key, not in the incident: see the store.)
   */
  transitionsResetAt?: string;
  /** K of the flapping rule in force when flapping started. */
  flapStableMinutes?: number;
  storm: boolean;
  mergedFrom: string[];
  grouping: {
    groupWaitSeconds: number;
    groupIntervalSeconds: number;
    autoResolve: boolean;
    reopenWindowMinutes: number;
  };
  lastChange?: LastChange;
}

export interface TimelineEntry {
  at: string;
  actor: Actor;
  kind: string;
  message: string;
  reason?: string;
  change?: Record<string, unknown>;
}

export interface AlertLink {
  alertId: string;
  integrationId: string;
  dedupKey: string;
  summary: string;
  severity: string;
  status: 'firing' | 'resolved';
  relation: 'member' | 'related';
  joinedAt: string;
  resolvedAt?: string;
  reason?: string;
  /** A related alert placed on its own incident when this (upstream) incident resolved. */
  movedTo?: string;
  movedAt?: string;
}

/** `Extra`: items the store writes in the same transaction (a store type; the domain never builds one). */
export interface Mutation<Extra = never> {
  incident: Incident;
  timeline?: TimelineEntry[];
  extra?: Extra[];
  /** Set when this change is one people and systems hear about (an event is emitted). */
  change?: Omit<LastChange, 'revision' | 'at'>;
}

export type DispositionKind = 'incident' | 'silenced' | 'inhibited' | 'correlated';

/** What became of a firing alert (written once per alert, with the reason). */
export interface Disposition {
  alertId: string;
  integrationId: string;
  dedupKey: string;
  kind: DispositionKind;
  incidentId?: string;
  silenceId?: string;
  maintenanceId?: string;
  inhibitedBy?: string;
  ruleId?: string;
  reason: string;
  at: string;
  resolvedAt?: string;
}

// Why each alert did or did not open an incident, as the ops API shows it: the disposition the
// engine wrote (silenced by …, maintenance window …, inhibited by …, correlated to …, joined or
// opened an incident, collapsed into a storm), or `pending` while the engine has not placed it.
import { getDisposition, getDispositions, type Disposition } from '../../store/dispositions';
import { getIncident } from '../../store/incidents';

export type DispositionView =
  | (Omit<Disposition, 'alertId' | 'integrationId' | 'dedupKey'> & { storm?: boolean; notificationsHeld?: 'flapping' })
  | { kind: 'pending'; reason: string };

const PENDING: DispositionView = { kind: 'pending', reason: 'not placed by the incident engine yet' };

function view(d: Disposition | undefined): DispositionView {
  if (!d) return PENDING;
  const { alertId: _a, integrationId: _i, dedupKey: _d, ...rest } = d;
  return rest;
}

/** One alert's disposition, with what its incident says about it (storm, flapping). */
export async function dispositionOf(alertId: string): Promise<DispositionView> {
  const d = await getDisposition(alertId);
  const v = view(d);
  if (!d?.incidentId) return v;
  const incident = await getIncident(d.incidentId);
  if (!incident) return v;
  return {
    ...v,
    ...(incident.storm ? { storm: true } : {}),
    ...(incident.flapping ? { notificationsHeld: 'flapping' as const } : {}),
  };
}

/** A page of alerts with each one's disposition, optionally only those of one kind. */
export async function withDispositions<A extends { id: string }>(
  alerts: A[],
  only?: DispositionView['kind'],
): Promise<Array<A & { disposition: DispositionView }>> {
  const found = await getDispositions(alerts.map((a) => a.id));
  return alerts
    .map((a) => ({ ...a, disposition: view(found.get(a.id)) }))
    .filter((a) => !only || a.disposition.kind === only);
}

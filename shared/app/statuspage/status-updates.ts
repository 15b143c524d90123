// Public status updates and the status page. A responder posts an update from an incident:
// load the incident and its public face → apply the update (domain) → save it (optimistic lock)
// → tell the service's stakeholder subscribers. The update id is derived from the request's
// Idempotency-Key, so a retried request (even one that crashed half-way) neither adds the update
// twice nor sends it twice: each delivery is claimed once per update, subscription and destination.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { NotFoundError } from '../../domain/errors';
import { activeMaintenance } from '../../domain/incidents/maintenance';
import { prepareMaintenance } from '../incidents/maintenance';
import {
  applyStatusUpdate,
  componentsOf,
  type Component,
  type PublicIncident,
  type PublicUpdate,
  type StatusUpdateBody,
} from '../../domain/statuspage/model';
import { getIncident } from '../../store/incidents';
import { listServices } from '../../store/services';
import { deliverToStakeholders } from '../oncall/stakeholder-updates';
import { maintenanceWindows } from '../../store/silences';
import {
  claimStatusUpdateDelivery,
  getPublicIncident,
  listPublicIncidents,
  releaseStatusUpdateDelivery,
  savePublicIncident,
} from '../../store/statuspage';

/** A stable update id for a keyed request (same incident, same key → same id); a fresh one otherwise. */
export function statusUpdateId(incidentId: string, idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return ulid();
  return `su-${createHash('sha256').update(`${incidentId}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

export async function postStatusUpdate(
  incidentId: string,
  body: StatusUpdateBody,
  updateId: string,
  now: Date,
): Promise<{ incident: PublicIncident; update: PublicUpdate; sent: number }> {
  const incident = await getIncident(incidentId);
  if (!incident) throw new NotFoundError(`No incident with id ${incidentId}.`);
  const current = await getPublicIncident(incidentId);
  const { next, update, applied } = applyStatusUpdate(current, incident, body, updateId, now.toISOString());
  if (applied) await savePublicIncident(next);
  const sent = await notifySubscribers(next, update, incident.number, incident.severity, now);
  return { incident: next, update, sent };
}

async function notifySubscribers(
  pub: PublicIncident,
  update: PublicUpdate,
  number: number,
  severity: string,
  now: Date,
): Promise<number> {
  if (!pub.serviceId) return 0;
  const serviceId = pub.serviceId;
  const { sent } = await deliverToStakeholders({
    serviceId,
    event: 'statusUpdate',
    incidentId: pub.incidentId,
    deduplicationPrefix: `statusupdate:${pub.incidentId}:${update.id}`,
    retryHint: 'a retry of the request sends it',
    update: async () => ({
      event: 'statusUpdate',
      incident: {
        id: pub.incidentId,
        number,
        title: pub.name,
        severity,
        status: update.status,
        serviceId,
        openedAt: pub.createdAt,
        resolvedAt: pub.resolvedAt,
      },
      serviceName: (await listServices()).find((s) => s.id === serviceId)?.name ?? serviceId,
      change: { statusUpdate: { id: update.id, status: update.status, body: update.body } },
    }),
    claim: (subscriptionId, destination) =>
      claimStatusUpdateDelivery(pub.incidentId, update.id, subscriptionId, destination, now),
    release: (subscriptionId, destination) =>
      releaseStatusUpdateDelivery(pub.incidentId, update.id, subscriptionId, destination),
  });
  return sent;
}

/** What the status page shows at `now`: components (services) and public incidents, newest first. */
export async function statusPageState(now: Date): Promise<{ components: Component[]; incidents: PublicIncident[] }> {
  const [services, incidents, windows] = await Promise.all([
    listServices(),
    listPublicIncidents(),
    maintenanceWindows.all(),
  ]);
  await prepareMaintenance(windows);
  const inMaintenance = new Set(services.filter((s) => activeMaintenance(windows, s.id, now)).map((s) => s.id));
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  return { components: componentsOf(sorted, incidents, inMaintenance), incidents };
}

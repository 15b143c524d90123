// Public status updates and the status page. A responder posts an update from an incident:
// load the incident and its public face → apply the update (domain) → save it (optimistic lock)
// → tell the service's stakeholder subscribers. The update id is derived from the request's
// Idempotency-Key, so a retried request (even one that crashed half-way) neither adds the update
// twice nor sends it twice: each delivery is claimed once per update, subscription and destination.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { getNotifier } from '../../adapters/notifier';
import { NotFoundError } from '../../domain/errors';
import { activeMaintenance } from '../../domain/incidents/silences';
import { destinationsOf, updateMessage } from '../../domain/oncall/stakeholders';
import {
  applyStatusUpdate,
  componentsOf,
  type Component,
  type PublicIncident,
  type PublicUpdate,
  type StatusUpdateBody,
} from '../../domain/statuspage/model';
import { logger } from '../../observability/logger';
import { getIncident } from '../../store/incidents';
import { subscriptionsOf, usersById } from '../../store/oncall';
import { listServices } from '../../store/services';
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
  const subs = (await subscriptionsOf(pub.serviceId)).filter((s) => s.events.includes('statusUpdate'));
  if (!subs.length) return 0;
  const people = await usersById(subs.flatMap((s) => (s.subscriber.type === 'user' ? [s.subscriber.userId] : [])));
  const service = (await listServices()).find((s) => s.id === pub.serviceId);
  let sent = 0;
  let failure: unknown;
  for (const s of subs) {
    const user = s.subscriber.type === 'user' ? people.get(s.subscriber.userId) : undefined;
    for (const dest of destinationsOf(s.subscriber, user)) {
      const destination = `${dest.channel}-${createHash('sha256').update(dest.address).digest('hex').slice(0, 16)}`;
      if (!(await claimStatusUpdateDelivery(pub.incidentId, update.id, s.id, destination, now))) continue;
      const msg = updateMessage(dest.channel, {
        event: 'statusUpdate',
        incident: {
          id: pub.incidentId,
          number,
          title: pub.name,
          severity,
          status: update.status,
          serviceId: pub.serviceId,
          openedAt: pub.createdAt,
          resolvedAt: pub.resolvedAt,
        },
        serviceName: service?.name ?? pub.serviceId,
        change: { statusUpdate: { id: update.id, status: update.status, body: update.body } },
      });
      try {
        await getNotifier().publish({
          topic: 'stakeholders',
          subject: msg.subject,
          message: msg.message,
          structure: 'json',
          attributes: {
            kind: 'status-update',
            event: 'statusUpdate',
            service: pub.serviceId,
            incident: pub.incidentId,
            subscription: s.id,
            recipient: s.subscriber.type === 'user' ? s.subscriber.userId : s.id,
            channel: dest.channel,
            address: dest.address,
          },
          deduplicationId: `statusupdate:${pub.incidentId}:${update.id}:${s.id}:${destination}`,
        });
        sent++;
      } catch (err) {
        failure = err;
        logger.warn('status update delivery failed; a retry of the request sends it', {
          incidentId: pub.incidentId,
          subscription: s.id,
          error: err as Error,
        });
        await releaseStatusUpdateDelivery(pub.incidentId, update.id, s.id, destination);
      }
    }
  }
  if (failure) throw failure;
  return sent;
}

/** What the status page shows at `now`: components (services) and public incidents, newest first. */
export async function statusPageState(now: Date): Promise<{ components: Component[]; incidents: PublicIncident[] }> {
  const [services, incidents, windows] = await Promise.all([
    listServices(),
    listPublicIncidents(),
    maintenanceWindows.all(),
  ]);
  const inMaintenance = new Set(services.filter((s) => activeMaintenance(windows, s.id, now)).map((s) => s.id));
  const sorted = [...services].sort((a, b) => a.name.localeCompare(b.name));
  return { components: componentsOf(sorted, incidents, inMaintenance), incidents };
}

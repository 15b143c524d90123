// Stakeholder updates: when an incident of a service opens, changes severity or resolves (and
// people are to hear of it), every subscriber of that service gets one message per destination on
// the 'stakeholders' topic. Each is claimed first (incident revision × subscription ×
// destination) so a redelivered event sends nothing twice; a failed publish gives its claim back
// and fails the invocation, so EventBridge's retry sends what is missing.
import { createHash } from 'node:crypto';
import { getNotifier } from '../../adapters/notifier';
import type { IncidentEventDetail } from '../../../events/incidents';
import { destinationsOf, updateMessage, type StakeholderEvent, type Update } from '../../domain/oncall/stakeholders';
import { logger } from '../../observability/logger';
import { claimStakeholderUpdate, releaseStakeholderUpdate } from '../../store/oncall-pages';
import { subscriptionsOf, usersById } from '../../store/oncall';
import { serviceMap } from '../../store/services';

export async function publishStakeholderUpdate(
  event: StakeholderEvent,
  d: IncidentEventDetail,
  now: Date,
): Promise<{ sent: number; skipped: number }> {
  const i = d.incident;
  if (!d.notify || !i.serviceId) return { sent: 0, skipped: 0 };
  const serviceId = i.serviceId;
  return deliverToStakeholders({
    serviceId,
    event,
    incidentId: i.id,
    deduplicationPrefix: `status:${i.id}:${i.revision}`,
    retryHint: 'it will be retried',
    update: async () => ({
      event,
      incident: {
        id: i.id,
        number: i.number,
        title: i.title,
        severity: i.severity,
        status: i.status,
        serviceId,
        openedAt: i.openedAt,
        resolvedAt: i.resolvedAt,
      },
      serviceName: (await serviceMap(now.getTime())).get(serviceId)?.name ?? serviceId,
      change: d.change,
    }),
    claim: (subscriptionId, destination) => claimStakeholderUpdate(i.id, i.revision, subscriptionId, destination, now),
    release: (subscriptionId, destination) => releaseStakeholderUpdate(i.id, i.revision, subscriptionId, destination),
  });
}

/** One message to every subscriber of a service for `event`, each delivery claimed once. */
export interface StakeholderDelivery {
  serviceId: string;
  event: StakeholderEvent;
  incidentId: string;
  /** With the subscription and destination, the notifier's deduplication id. */
  deduplicationPrefix: string;
  /** Said in the warning when a publish fails (who sends it again). */
  retryHint: string;
  /** The update the messages tell (built only when someone subscribes). */
  update: () => Promise<Update>;
  /** Claim one delivery (false: already sent). */
  claim(subscriptionId: string, destination: string): Promise<boolean>;
  /** Give a claim back after a failed publish, so a retry sends it. */
  release(subscriptionId: string, destination: string): Promise<void>;
}

/**
 * Deliver an update to the service's subscribers on the 'stakeholders' topic: one message per
 * subscription and destination, each claimed first so a retry sends nothing twice; a failed
 * publish gives its claim back and, after the others were tried, fails the call.
 */
export async function deliverToStakeholders(d: StakeholderDelivery): Promise<{ sent: number; skipped: number }> {
  const subs = (await subscriptionsOf(d.serviceId)).filter((s) => s.events.includes(d.event));
  if (!subs.length) return { sent: 0, skipped: 0 };
  const people = await usersById(subs.flatMap((s) => (s.subscriber.type === 'user' ? [s.subscriber.userId] : [])));
  const update = await d.update();
  let sent = 0;
  let skipped = 0;
  let failure: unknown;
  for (const s of subs) {
    const user = s.subscriber.type === 'user' ? people.get(s.subscriber.userId) : undefined;
    for (const dest of destinationsOf(s.subscriber, user)) {
      const destination = `${dest.channel}-${createHash('sha256').update(dest.address).digest('hex').slice(0, 16)}`;
      if (!(await d.claim(s.id, destination))) {
        skipped++;
        continue;
      }
      const msg = updateMessage(dest.channel, update);
      try {
        await getNotifier().publish({
          topic: 'stakeholders',
          subject: msg.subject,
          message: msg.message,
          structure: 'json',
          attributes: {
            kind: 'status-update',
            event: d.event,
            service: d.serviceId,
            incident: d.incidentId,
            subscription: s.id,
            recipient: s.subscriber.type === 'user' ? s.subscriber.userId : s.id,
            channel: dest.channel,
            address: dest.address,
          },
          deduplicationId: `${d.deduplicationPrefix}:${s.id}:${destination}`,
        });
        sent++;
      } catch (err) {
        failure = err;
        logger.warn(`stakeholder update failed; ${d.retryHint}`, {
          incidentId: d.incidentId,
          subscription: s.id,
          error: err as Error,
        });
        await d.release(s.id, destination);
      }
    }
  }
  if (failure) throw failure;
  return { sent, skipped };
}

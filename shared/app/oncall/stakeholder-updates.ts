// Stakeholder updates: when an incident of a service opens, changes severity or resolves (and
// people are to hear of it), every subscriber of that service gets one message per destination on
// the 'stakeholders' topic. Each is claimed first (incident revision × subscription ×
// destination) so a redelivered event sends nothing twice; a failed publish gives its claim back
// and fails the invocation, so EventBridge's retry sends what is missing.
import { createHash } from 'node:crypto';
import { getNotifier } from '../../adapters/notifier';
import type { IncidentEventDetail } from '../../../events/incidents';
import { destinationsOf, updateMessage, type StakeholderEvent } from '../../domain/oncall/stakeholders';
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
  const subs = (await subscriptionsOf(i.serviceId)).filter((s) => s.events.includes(event));
  if (!subs.length) return { sent: 0, skipped: 0 };
  const people = await usersById(subs.flatMap((s) => (s.subscriber.type === 'user' ? [s.subscriber.userId] : [])));
  const serviceName = (await serviceMap(now.getTime())).get(i.serviceId)?.name ?? i.serviceId;
  const update = {
    event,
    incident: {
      id: i.id,
      number: i.number,
      title: i.title,
      severity: i.severity,
      status: i.status,
      serviceId: i.serviceId,
      openedAt: i.openedAt,
      resolvedAt: i.resolvedAt,
    },
    serviceName,
    change: d.change,
  };
  let sent = 0;
  let skipped = 0;
  let failure: unknown;
  for (const s of subs) {
    const user = s.subscriber.type === 'user' ? people.get(s.subscriber.userId) : undefined;
    for (const dest of destinationsOf(s.subscriber, user)) {
      const destination = `${dest.channel}-${createHash('sha256').update(dest.address).digest('hex').slice(0, 16)}`;
      if (!(await claimStakeholderUpdate(i.id, i.revision, s.id, destination, now))) {
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
            event,
            service: i.serviceId,
            incident: i.id,
            subscription: s.id,
            recipient: s.subscriber.type === 'user' ? s.subscriber.userId : s.id,
            channel: dest.channel,
            address: dest.address,
          },
          deduplicationId: `status:${i.id}:${i.revision}:${s.id}:${destination}`,
        });
        sent++;
      } catch (err) {
        failure = err;
        logger.warn('stakeholder update failed; it will be retried', {
          incidentId: i.id,
          subscription: s.id,
          error: err as Error,
        });
        await releaseStakeholderUpdate(i.id, i.revision, s.id, destination);
      }
    }
  }
  if (failure) throw failure;
  return { sent, skipped };
}

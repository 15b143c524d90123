// Lambda entry for ticket notifications (see infra/catalog.ts: "ticket-notifier"): ticket events
// from the bus become email-format SNS messages on the `notifications` topic, one per recipient
// (filter policies route them by the `recipient` attribute). At least once in, once out: each
// (event, recipient) is marked after it is published and skipped when marked.
import * as sns from '@aws-sdk/client-sns';
import { getNotifier, useSnsSdk } from '../../shared/adapters/notifier';
import { ticketEventDetailSchema } from '../../events/tickets';
import { ticketMessages } from '../../shared/domain/tickets/notifications';
import { eventHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';
import { getConfig } from '../../shared/store/ticket-config';
import { markNotified, notifiedRecipients } from '../../shared/store/tickets';

// Ticket events become SNS messages on nearly every event: the SNS client loads at cold start, not with
// the first message.
useSnsSdk(sns);

export const handler = eventHandler(
  ticketEventDetailSchema,
  async (event): Promise<{ sent: number; skipped: number }> => {
    const d = event.detail;
    const [category, queue] = await Promise.all([
      getConfig('category', d.ticket.categoryId),
      d.ticket.queueId ? getConfig('queue', d.ticket.queueId) : undefined,
    ]);
    const messages = ticketMessages(
      event['detail-type'],
      d,
      category ?? { notify: {} },
      queue,
      process.env.PUBLIC_BASE_URL,
    );
    if (!messages.length) return { sent: 0, skipped: 0 };
    const done = await notifiedRecipients(
      d.eventId,
      messages.map((m) => m.recipient),
    );
    const todo = messages.filter((m) => !done.has(m.recipient));
    // Publish, then mark: a crash in between sends a message twice rather than never.
    const results = await Promise.allSettled(
      todo.map((m) =>
        getNotifier().publish({
          topic: 'notifications',
          subject: m.subject,
          structure: 'json',
          message: JSON.stringify({ default: m.short, email: `${m.body}\n`, sms: m.short }),
          attributes: {
            recipient: m.recipient,
            audience: m.audience,
            kind: event['detail-type'],
            ticketId: d.ticket.id,
            ticketNumber: String(d.ticket.number),
          },
          deduplicationId: `${d.eventId}:${m.recipient}`,
        }),
      ),
    );
    const delivered = todo.filter((_, i) => results[i]!.status === 'fulfilled').map((m) => m.recipient);
    if (delivered.length) await markNotified(d.eventId, delivered, new Date());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    // The event is retried; the recipients already told are skipped then.
    if (failed) throw failed.reason;
    const sent = todo.length;
    const skipped = messages.length - sent;
    if (sent) logger.debug('ticket notifications sent', { eventId: d.eventId, sent, skipped });
    return { sent, skipped };
  },
);

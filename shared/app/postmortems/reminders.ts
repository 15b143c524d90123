// Reminders of postmortem action items: one durable timer per item, due POSTMORTEM_REMINDER_DAYS
// (default 2) days before its due date at 09:00 UTC. Timer ids are deterministic
// (`postmortem-reminder#<postmortemId>#<key>`), so syncing after each save moves a reminder when
// the due date moves. When it fires, an item whose ticket is still open gets one notification to
// its owner on the `notifications` topic; a done or accepted item gets none.
import { actionItemState, reminderAt } from '../../domain/postmortems/lifecycle';
import type { Postmortem } from '../../domain/postmortems/model';
import { getNotifier } from '../../adapters/notifier';
import { logger } from '../../observability/logger';
import { getActionItemEntry } from '../../store/postmortems';
import { getTicket } from '../../store/tickets';
import { cancelTimer, scheduleTimer, type Timer, type TimerHandler } from '../../store/timers';

export const REMINDER_TIMER_KIND = 'postmortem-reminder';
export const reminderTimerId = (postmortemId: string, key: string) => `postmortem-reminder#${postmortemId}#${key}`;
export const reminderDays = () => {
  const n = Number(process.env.POSTMORTEM_REMINDER_DAYS ?? '2');
  return Number.isFinite(n) && n >= 0 ? n : 2;
};

/** Make each item's reminder timer match its due date (past reminder times are cancelled). */
export async function syncReminders(pm: Postmortem, now: Date): Promise<void> {
  await Promise.all(
    pm.actionItems.map((a) => {
      const id = reminderTimerId(pm.id, a.key);
      const dueAt = reminderAt(a.dueDate, reminderDays(), now);
      return dueAt
        ? scheduleTimer({
            id,
            kind: REMINDER_TIMER_KIND,
            dueAt,
            payload: { postmortemId: pm.id, key: a.key, dueDate: a.dueDate },
          })
        : cancelTimer(id);
    }),
  );
}

/** Remind the owner of an item that is still open (idempotent enough: a rerun sends one more copy with the same dedup id). */
export async function remindActionItem(timer: Timer): Promise<'sent' | 'moot'> {
  const { postmortemId, key, dueDate } = timer.payload as { postmortemId: string; key: string; dueDate: string };
  const entry = await getActionItemEntry(postmortemId, key);
  // The due date moved since: the synced timer for the new date does the reminding.
  if (!entry || entry.dueDate !== dueDate) return 'moot';
  const ticket = await getTicket(entry.ticketId, false);
  if (actionItemState(ticket) !== 'open') return 'moot';
  const subject = `Due ${entry.dueDate}: ${entry.title} (postmortem #${entry.incidentNumber})`;
  const body = [
    `Hello ${entry.owner.name ?? entry.owner.id},`,
    '',
    `the action item "${entry.title}" of the postmortem of incident #${entry.incidentNumber} is due on ${entry.dueDate}.`,
    `Its ticket is #${entry.ticketNumber} (${ticket?.status ?? 'unknown'}). Resolve it as done, or as wont-fix to accept the risk.`,
  ].join('\n');
  await getNotifier().publish({
    topic: 'notifications',
    subject,
    structure: 'json',
    message: JSON.stringify({ default: subject, email: `${body}\n`, sms: subject }),
    attributes: {
      recipient: entry.owner.email,
      audience: 'owner',
      kind: 'Postmortem Action Item Due',
      postmortemId,
      ticketId: entry.ticketId,
      ticketNumber: String(entry.ticketNumber),
    },
    deduplicationId: `${timer.id}:${dueDate}`,
  });
  logger.info('postmortem action item reminder sent', { postmortemId, key, recipient: entry.owner.email });
  return 'sent';
}

export const reminderTimer: TimerHandler = async (timer) => {
  await remindActionItem(timer);
};

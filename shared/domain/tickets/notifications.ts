// Ticket notifications: who hears of a ticket event (per the category's configuration) and the
// email-format message each recipient gets. Pure: the event detail, the category and the queue
// in; one message per distinct recipient out. Requesters never see internal content.
import type { TicketEventDetail } from '../../../events/tickets';
import { notifyTargets, type Category, type NotifyOn, type Queue, type RecipientKind } from './config';
import { subjectTag } from './ticket';

export interface TicketMessage {
  recipient: string;
  audience: 'requester' | 'agent';
  /** Why this recipient gets it (the first matching kind). */
  as: RecipientKind;
  subject: string;
  /** Plain-text email body. */
  body: string;
  /** One line for SMS/chat subscribers. */
  short: string;
}

export function notifyOnFor(detailType: string, d: TicketEventDetail): NotifyOn | undefined {
  switch (detailType) {
    case 'Ticket Created':
      return 'created';
    case 'Ticket Assigned':
      return d.ticket.assignee ? 'assigned' : undefined;
    case 'Ticket Commented':
      return d.comment?.visibility === 'public' ? 'publicComment' : undefined;
    case 'Ticket Status Changed':
      return 'statusChanged';
    case 'Ticket SLA Warning':
      return 'slaWarning';
    case 'Ticket SLA Breached':
      return 'slaBreached';
    default:
      return undefined;
  }
}

const CLOCK_NAMES = { firstResponse: 'first response', resolution: 'resolution' } as const;

function headline(on: NotifyOn, d: TicketEventDetail, audience: TicketMessage['audience']): string {
  const t = d.ticket;
  const who = d.actor.name ?? d.actor.email ?? d.actor.id;
  switch (on) {
    case 'created':
      return audience === 'requester'
        ? 'We received your request'
        : `New ${t.priority} ticket in ${t.queueId ?? 'no queue'}`;
    case 'assigned':
      return `Assigned to ${t.assignee?.name ?? t.assignee?.id ?? 'nobody'}`;
    case 'publicComment':
      return `New reply from ${who}`;
    case 'statusChanged': {
      const s = d.change.status as { from?: string; to?: string } | undefined;
      return `Status ${s?.from ?? '?'} → ${s?.to ?? t.status}`;
    }
    case 'slaWarning': {
      const c = d.clock ? t.sla?.[d.clock] : undefined;
      return `SLA warning: ${CLOCK_NAMES[d.clock ?? 'resolution']} due ${c?.dueAt ?? 'soon'}`;
    }
    case 'slaBreached':
      return `SLA BREACHED: ${CLOCK_NAMES[d.clock ?? 'resolution']} target missed${d.escalatedTo ? ` (escalated to ${d.escalatedTo.name ?? d.escalatedTo.email})` : ''}`;
  }
}

function body(on: NotifyOn, d: TicketEventDetail, audience: TicketMessage['audience'], baseUrl?: string): string {
  const t = d.ticket;
  const lines = [headline(on, d, audience), ''];
  lines.push(`Ticket ${subjectTag(t.number)} ${t.subject}`);
  lines.push(`Status: ${t.status}`);
  if (audience === 'agent') {
    lines.push(`Priority: ${t.priority}    Category: ${t.categoryId}    Queue: ${t.queueId ?? '-'}`);
    lines.push(`Requester: ${t.requester.name ? `${t.requester.name} <${t.requester.email}>` : t.requester.email}`);
    lines.push(`Assignee: ${t.assignee ? (t.assignee.name ?? t.assignee.id) : 'unassigned'}`);
    if (t.sla) {
      const fr = t.sla.firstResponse;
      const res = t.sla.resolution;
      lines.push(
        `SLA first response: ${fr.met !== undefined ? (fr.met ? 'met' : 'missed') : fr.breachedAt ? 'breached' : `due ${fr.dueAt ?? 'paused'}`}`,
      );
      lines.push(
        `SLA resolution: ${res.met !== undefined ? (res.met ? 'met' : 'missed') : res.breachedAt ? 'breached' : `due ${res.dueAt ?? 'paused'}`}`,
      );
    }
  }
  if (on === 'publicComment' && d.comment)
    lines.push(
      '',
      `${d.comment.author.name ?? d.comment.author.email ?? d.comment.author.id} wrote:`,
      '',
      d.comment.body,
    );
  if (on === 'statusChanged' && t.resolution && audience === 'requester' && t.status === 'resolved')
    lines.push('', 'If this does not solve your problem, just reply to this email to reopen the ticket.');
  if (baseUrl && audience === 'agent') lines.push('', `${baseUrl}/tickets/${t.id}`);
  lines.push('', `Reply to this email keeping ${subjectTag(t.number)} in the subject to add a comment.`);
  return lines.join('\n');
}

/** The recipients of an event and their messages, de-duplicated, without the person who acted. */
export function ticketMessages(
  detailType: string,
  d: TicketEventDetail,
  category: Pick<Category, 'notify'>,
  queue: Queue | undefined,
  baseUrl?: string,
): TicketMessage[] {
  const on = notifyOnFor(detailType, d);
  if (!on) return [];
  const t = d.ticket;
  const kinds = new Set(notifyTargets(category, on));
  // An escalation always reaches the lead it names.
  if (on === 'slaBreached' && d.escalatedTo) kinds.add('queueLead');
  const out = new Map<string, TicketMessage>();
  const add = (email: string | undefined, as: RecipientKind) => {
    if (!email) return;
    const recipient = email.toLowerCase();
    if (out.has(recipient)) return;
    // People do not hear of their own changes, except the confirmation of a request they filed.
    if (
      d.actor.email &&
      d.actor.email.toLowerCase() === recipient &&
      (on === 'assigned' || on === 'publicComment' || on === 'statusChanged')
    )
      return;
    const audience = as === 'requester' ? 'requester' : 'agent';
    const h = headline(on, d, audience);
    out.set(recipient, {
      recipient,
      audience,
      as,
      subject: `${subjectTag(t.number)} ${t.subject} — ${h}`.slice(0, 100),
      body: body(on, d, audience, baseUrl),
      short: `${subjectTag(t.number)} ${h}: ${t.subject}`.slice(0, 160),
    });
  };
  // Agents first, so that an address that is both (a colleague filing a ticket) gets the agent view.
  for (const kind of ['queueLead', 'assignee', 'queue', 'watchers', 'requester'] as const) {
    if (!kinds.has(kind)) continue;
    if (kind === 'requester' && (on === 'slaWarning' || on === 'slaBreached')) continue;
    if (kind === 'requester') add(t.requester.email, 'requester');
    if (kind === 'assignee') add(t.assignee?.email, 'assignee');
    if (kind === 'watchers') t.watchers.forEach((w) => add(w, 'watchers'));
    if (kind === 'queue') {
      if (queue?.email) add(queue.email, 'queue');
      else queue?.members.forEach((m) => add(m.email, 'queue'));
    }
    if (kind === 'queueLead') add(d.escalatedTo?.email ?? queue?.lead?.email, 'queueLead');
  }
  return [...out.values()];
}

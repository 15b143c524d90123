// Which events a committed change of a ticket item means. Pure: given the stream's old and new
// images, return one event per kind of change in the new revision (from `lastChange`), or none
// for bookkeeping writes that keep the revision.
import type { BusEvent } from '../../adapters/events';
import {
  TICKET_DETAIL_TYPES,
  TICKET_EVENT_SOURCE,
  type TicketEventDetail,
  type TicketSnapshot,
} from '../../../events/tickets';
import type { ChangeKind, Ticket } from '../../domain/tickets/ticket';

type Image = Record<string, unknown> | undefined;

export function ticketSnapshot(t: Ticket): TicketSnapshot {
  return {
    id: t.id,
    number: t.number,
    subject: t.subject,
    categoryId: t.categoryId,
    status: t.status,
    priority: t.priority,
    queueId: t.queueId,
    assignee: t.assignee,
    requester: t.requester,
    watchers: t.watchers ?? [],
    source: t.source,
    fields: t.fields ?? {},
    links: t.links ?? [],
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    firstResponseAt: t.firstResponseAt,
    resolvedAt: t.resolvedAt,
    closedAt: t.closedAt,
    resolution: t.resolution,
    sla: t.sla,
    workflowTask: !!t.workflow,
    revision: t.revision,
  };
}

/** Change kinds in the order consumers should see them. */
const ORDER: ChangeKind[] = [
  'created',
  'updated',
  'priority',
  'assigned',
  'commented',
  'time',
  'status',
  'sla-warning',
  'sla-breached',
];

function pickChange(kind: ChangeKind, changes: Ticket['lastChange']['changes']): TicketEventDetail['change'] {
  const only = (...keys: string[]) => Object.fromEntries(keys.filter((k) => changes[k]).map((k) => [k, changes[k]!]));
  switch (kind) {
    case 'status':
      return only('status');
    case 'assigned':
      return only('assignee');
    case 'priority':
      return only('priority');
    case 'time':
      return only('timeSpentMinutes');
    case 'updated': {
      const { status: _s, assignee: _a, priority: _p, ...rest } = changes;
      return rest;
    }
    default:
      return {};
  }
}

export function ticketEventsFor(oldImage: Image, newImage: Image): BusEvent[] {
  if (!newImage || newImage.type !== 'Ticket') return [];
  const t = newImage as unknown as Ticket;
  const old = oldImage as unknown as Ticket | undefined;
  if (old && old.revision === t.revision) return []; // bookkeeping (e.g. workflow callback mark)
  const lc = t.lastChange;
  if (!lc || lc.revision !== t.revision) return [];
  const ticket = ticketSnapshot(t);
  const slaChanged = JSON.stringify(old?.sla ?? null) !== JSON.stringify(t.sla ?? null);
  const kinds = ORDER.filter((k) => lc.kinds.includes(k));
  return kinds.map((kind, index) => {
    const detail: TicketEventDetail = {
      version: 1,
      eventId: `${t.id}:${t.revision}:${kind}`,
      occurredAt: lc.at,
      actor: lc.actor,
      change: pickChange(kind, lc.changes),
      slaChanged,
      primary: index === 0,
      ticket,
      ...(kind === 'commented' && lc.comment ? { comment: lc.comment } : {}),
      ...((kind === 'sla-warning' || kind === 'sla-breached') && lc.clock ? { clock: lc.clock } : {}),
      ...(kind === 'sla-breached' && lc.escalatedTo ? { escalatedTo: lc.escalatedTo } : {}),
    };
    return {
      source: TICKET_EVENT_SOURCE,
      detailType: TICKET_DETAIL_TYPES[kind],
      time: lc.at,
      resources: [`nocturne:ticket/${t.id}`],
      detail: JSON.parse(JSON.stringify(detail)) as Record<string, unknown>,
    };
  });
}

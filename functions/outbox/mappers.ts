// One mapper per entity type: each turns a committed change into the events it means. A change is
// handed to the mapper of its new image's `type` only (shared/store/outbox/item-types.ts lists them:
// the outbox's stream trigger lets only those types through). Later features add their mapper here.
import type { BusEvent } from '../../shared/adapters/events';
import { alertEventFor } from '../../shared/store/outbox/alert-events';
import { ticketEventsFor } from '../../shared/store/outbox/ticket-events';
import { incidentEventFor } from '../../shared/store/outbox/incident-events';
import { FLIP_ITEM_TYPE, probeFlipEventFor } from '../../shared/store/outbox/probe-flip-events';
import { orderEventFor } from '../../shared/store/outbox/order-events';
import { isOutboxItemType, type OutboxItemType } from '../../shared/store/outbox/item-types';

type Image = Record<string, unknown> | undefined;
type Mapper = (oldImage: Image, newImage: Image) => BusEvent | BusEvent[] | undefined;

const mappers: Record<OutboxItemType, Mapper> = {
  Alert: alertEventFor,
  Incident: incidentEventFor,
  Ticket: ticketEventsFor,
  [FLIP_ITEM_TYPE]: probeFlipEventFor,
  ProductOrderHistory: orderEventFor,
};

export function eventsForChange(oldImage: Image, newImage: Image): BusEvent[] {
  const type = newImage?.type;
  if (!isOutboxItemType(type)) return [];
  const r = mappers[type](oldImage, newImage);
  return r === undefined ? [] : Array.isArray(r) ? r : [r];
}

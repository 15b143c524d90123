// One mapper per entity type: each turns a committed change into the events it means.
// Later features (incidents, tickets, probes) add their mapper here.
import type { BusEvent } from '../../shared/adapters/events';
import { alertEventFor } from '../../shared/store/outbox/alert-events';
import { ticketEventsFor } from '../../shared/store/outbox/ticket-events';
import { incidentEventFor } from '../../shared/store/outbox/incident-events';
import { probeFlipEventFor } from '../../shared/store/outbox/probe-flip-events';
import { orderEventFor } from '../../shared/store/outbox/order-events';

type Image = Record<string, unknown> | undefined;
type Mapper = (oldImage: Image, newImage: Image) => BusEvent | BusEvent[] | undefined;

const mappers: Mapper[] = [alertEventFor, incidentEventFor, ticketEventsFor, probeFlipEventFor, orderEventFor];

export function eventsForChange(oldImage: Image, newImage: Image): BusEvent[] {
  return mappers.flatMap((m) => {
    const r = m(oldImage, newImage);
    return r === undefined ? [] : Array.isArray(r) ? r : [r];
  });
}

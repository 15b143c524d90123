// Order history items → ProductOrderStateChangeEvent. Each state change of an order writes one
// history item in the same transaction as the order (shared/store/orders.ts), so its insert is the
// one committed fact the event is made from: one event per change, never one for bookkeeping.
import type { BusEvent } from '../../adapters/events';
import { ORDER_DETAIL_TYPES, ORDER_EVENT_SOURCE, type OrderEventDetail } from '../../../events/orders';

type Image = Record<string, unknown> | undefined;

export function orderEventFor(oldImage: Image, newImage: Image): BusEvent | undefined {
  if (oldImage || !newImage || newImage.type !== 'ProductOrderHistory') return undefined;
  const snapshot = newImage.snapshot as OrderEventDetail['event']['productOrder'];
  const detail: OrderEventDetail = {
    version: 1,
    eventId: `${snapshot.id}:${String(newImage.revision)}`,
    occurredAt: String(newImage.at),
    eventType: 'ProductOrderStateChangeEvent',
    change: {
      ...(newImage.from ? { from: newImage.from as OrderEventDetail['change']['to'] } : {}),
      to: newImage.to as OrderEventDetail['change']['to'],
    },
    ...(newImage.reason ? { reason: String(newImage.reason) } : {}),
    actor: newImage.actor as OrderEventDetail['actor'],
    event: { productOrder: snapshot },
  };
  return {
    source: ORDER_EVENT_SOURCE,
    detailType: ORDER_DETAIL_TYPES.stateChange,
    detail,
    time: detail.occurredAt,
    resources: [snapshot.id],
  };
}

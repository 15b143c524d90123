// Product order events (source `nocturne.orders`): one `ProductOrderStateChangeEvent` per state
// change of a TMF622 product order, in the order it happened. The detail carries the order as it
// was right after the change (TMF622 field names; no task tokens, no payment details) and the
// change itself; consumers de-duplicate on `eventId` (`<orderId>:<revision>`).
import * as z from 'zod';
import { eventEnvelopeSchema, type EventContract } from './common';
import stateChange from './examples/product-order-state-change.json';

export const ORDER_EVENT_SOURCE = 'nocturne.orders';
export const ORDER_DETAIL_TYPES = { stateChange: 'ProductOrderStateChangeEvent' } as const;

export const PRODUCT_ORDER_STATES = [
  'acknowledged',
  'rejected',
  'inProgress',
  'held',
  'pendingCancellation',
  'cancelled',
  'completed',
  'failed',
  'partial',
] as const;

export const ORDER_ITEM_STATES = ['acknowledged', 'inProgress', 'held', 'completed', 'failed', 'cancelled'] as const;

export const productOrderSnapshotSchema = z.object({
  id: z.string(),
  href: z.string(),
  externalId: z.string().optional(),
  /** Nocturne's order kind (which saga runs it). */
  kind: z.string(),
  state: z.enum(PRODUCT_ORDER_STATES),
  category: z.string().optional(),
  priority: z.string().optional(),
  orderDate: z.string(),
  completionDate: z.string().optional(),
  customerId: z.string().optional(),
  productOrderItem: z.array(
    z.object({
      id: z.string(),
      action: z.enum(['add', 'modify', 'delete']),
      state: z.enum(ORDER_ITEM_STATES),
      productOffering: z.object({ id: z.string() }).optional(),
      product: z.object({ id: z.string() }).optional(),
    }),
  ),
  revision: z.number().int().positive(),
});
export type ProductOrderSnapshot = z.infer<typeof productOrderSnapshotSchema>;

export const orderEventDetailSchema = eventEnvelopeSchema.extend({
  /** TMF622 notification name (also the detail type). */
  eventType: z.literal('ProductOrderStateChangeEvent'),
  change: z.object({ from: z.enum(PRODUCT_ORDER_STATES).optional(), to: z.enum(PRODUCT_ORDER_STATES) }),
  /** Why: the step that failed, the cancellation reason, the ticket the order waits on. */
  reason: z.string().optional(),
  actor: z.object({ type: z.enum(['user', 'workflow', 'system']), id: z.string() }),
  event: z.object({ productOrder: productOrderSnapshotSchema }),
});
export type OrderEventDetail = z.infer<typeof orderEventDetailSchema>;

export const orderEventContracts: Array<EventContract<typeof orderEventDetailSchema>> = [
  {
    source: ORDER_EVENT_SOURCE,
    detailType: ORDER_DETAIL_TYPES.stateChange,
    schema: orderEventDetailSchema,
    example: stateChange,
  },
];

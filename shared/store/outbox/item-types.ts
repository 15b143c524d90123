// The item types whose committed changes become events (functions/outbox/mappers.ts has one mapper
// per type and dispatches on the new image's `type`). Every other change (raw payloads, dispositions,
// incident links and timelines, timers, ...) means no event: the outbox's stream trigger filters it
// out before an invocation (infra/catalog/platform.ts: an event filter in AWS, the local poller's own
// check), so those records cost no outbox invocation in AWS and no work in the local runtime.
// Literals, so that the catalog reads the list without loading the mappers and their contracts.
export const OUTBOX_ITEM_TYPES = ['Alert', 'Incident', 'Ticket', 'ProbeFlip', 'ProductOrderHistory'] as const;

export type OutboxItemType = (typeof OUTBOX_ITEM_TYPES)[number];

const types = new Set<string>(OUTBOX_ITEM_TYPES);

export function isOutboxItemType(type: unknown): type is OutboxItemType {
  return typeof type === 'string' && types.has(type);
}

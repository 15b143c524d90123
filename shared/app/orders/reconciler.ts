// The scheduled order reconciler (catalog function `order-reconciler`): orders nobody reads are
// kept in step with their executions too. Every open order (acknowledged, inProgress, held,
// pendingCancellation) placed within the look-back and untouched for the grace period is passed
// through `reconcile` (commands.ts): an execution that never started is started, one that is gone
// is started again, one that stopped on its own fails the order (redrivable), one that succeeded
// ends it. Idempotent: a second run over the same orders changes nothing.
import { logger } from '../../observability/logger';
import { openOrdersPlacedSince } from '../../store/orders';
import { reconcile } from './commands';

/** Orders older than this are past any execution's own timeout (a week) and are left alone. */
export const ORDER_RECONCILE_LOOKBACK_DAYS = 30;
/** An order changed this recently is still being handled by its request or its execution. */
export const ORDER_RECONCILE_GRACE_SECONDS = 120;

export interface OrderReconcileReport {
  checked: number;
  changed: Array<{ orderId: string; from: string; to: string; revision: number }>;
  failures: Array<{ orderId: string; error: string }>;
}

export async function reconcileOpenOrders(
  now: Date,
  opts: { lookbackDays?: number; graceSeconds?: number } = {},
): Promise<OrderReconcileReport> {
  const since = new Date(now.getTime() - (opts.lookbackDays ?? ORDER_RECONCILE_LOOKBACK_DAYS) * 86_400_000);
  const settled = new Date(now.getTime() - (opts.graceSeconds ?? ORDER_RECONCILE_GRACE_SECONDS) * 1000).toISOString();
  const report: OrderReconcileReport = { checked: 0, changed: [], failures: [] };
  for await (const order of openOrdersPlacedSince(since.toISOString())) {
    if (order.updatedAt > settled) continue;
    report.checked++;
    try {
      const next = await reconcile(order);
      if (next.revision !== order.revision)
        report.changed.push({ orderId: order.id, from: order.state, to: next.state, revision: next.revision });
    } catch (err) {
      logger.error('order could not be reconciled', { orderId: order.id, error: err as Error });
      report.failures.push({ orderId: order.id, error: (err as Error).message });
    }
  }
  if (report.changed.length) logger.info('orders reconciled', { ...report });
  return report;
}

// Lambda entry for the order reconciler (see infra/catalog.ts: "order-reconciler"): on a schedule,
// brings open product orders in step with their executions (shared/app/orders/reconciler.ts,
// docs/orders.md "Reconciler").
import type { ScheduledEvent } from 'aws-lambda';
import { reconcileOpenOrders, type OrderReconcileReport } from '../../shared/app/orders/reconciler';
import { lambdaHandler } from '../../shared/http/event-handler';
import '../../shared/app/orders/wiring';

export const handler = lambdaHandler(async (_event: ScheduledEvent): Promise<OrderReconcileReport> => {
  const report = await reconcileOpenOrders(new Date());
  // What could not be repaired now is tried again by the next run; the async retries and DLQ tell a person.
  if (report.failures.length)
    throw new Error(
      `order reconciler could not repair ${report.failures.length} order(s): ${JSON.stringify(report.failures).slice(0, 1000)}`,
    );
  return report;
});

// Lambda entry for the self-healing reconciler (see infra/catalog.ts: "reconciler"): on a schedule,
// places again firing alerts that have no placement and starts the escalation of announced incidents
// that have none (shared/app/reconcile/reconcile.ts, docs/decisions/0009-no-accepted-alert-lost.md).
import type { ScheduledEvent } from 'aws-lambda';
import { reconcile, type ReconcileReport } from '../../shared/app/reconcile/reconcile';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(async (_event: ScheduledEvent): Promise<ReconcileReport> => {
  const report = await reconcile(new Date());
  // A failure to repair is retried by the schedule's next run; the async retries and DLQ tell a person.
  if (report.failures.length)
    throw new Error(
      `reconciler could not repair ${report.failures.length} item(s): ${JSON.stringify(report.failures).slice(0, 1000)}`,
    );
  return report;
});

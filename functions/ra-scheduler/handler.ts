// Lambda entry of the daily reconciliation (see infra/catalog/revenue.ts: "ra-scheduler"): starts
// the run of yesterday (UTC) when the schedule fires. The scheduled event's time names the day, and
// its id is the Idempotency-Key, so a redelivered event starts no second run.
import type { ScheduledEvent } from 'aws-lambda';
import { startRun, yesterdayOf } from '../../shared/app/revenue/runs';
import { SfnOrderExecutions } from '../../shared/adapters/order-executions';
import { lambdaHandler } from '../../shared/http/event-handler';

const executions = new SfnOrderExecutions();

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>) => {
  const at = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const { run, created } = await startRun({
    period: yesterdayOf(at),
    trigger: { kind: 'schedule', by: 'ra-scheduler' },
    idempotencyKey: event.id ?? `schedule:${yesterdayOf(at)}`,
    now: at,
    executions,
  });
  return { runId: run.id, period: run.period, created };
});

// Lambda entry for the monthly report schedule (see infra/catalog/reports.ts: "report-scheduler"):
// every hour, each time zone whose month has ended gets that month's complete report, once.
import type { ScheduledEvent } from 'aws-lambda';
import { runReportSchedule, type ScheduleResult } from '../../shared/app/reports/schedule';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>): Promise<ScheduleResult> => {
  const at = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const r = await runReportSchedule(at);
  if (r.generated.length) logger.info('Monthly reports generated', { ...r });
  return r;
});

// Demo monthly report: what the hourly schedule would have produced, so a new user finds last
// month's operations and SLA report (UTC) under GET /reports. Idempotent: a complete report is
// never generated twice (shared/app/reports/schedule.ts).
import { runReportSchedule } from '../../../shared/app/reports/schedule';
import type { DemoSeedContext } from './index';

export async function seedReportDemo({ now }: DemoSeedContext): Promise<void> {
  await runReportSchedule(new Date(now));
}

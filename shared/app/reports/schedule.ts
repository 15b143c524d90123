// The monthly schedule: run every hour, and for each time zone (the deployment's REPORT_TIME_ZONES
// and those of the subscribers) make sure the month that last ended there has its complete report.
// A zone's month ends at its own midnight, so each zone gets its report within the hour after; a
// missed or failed hour is caught up by the next; a complete report is never generated twice.
// Most hours find every report up to date: ./generate (what it loads, computes and renders) is loaded
// when a report is due, not at the cold start of every hourly run (issue 15, decision 0011).
import { isTimeZone, previousMonth } from '../../domain/reports/month';
import { reportId } from '../../domain/reports/requests';
import { getReport, reportSubscribers } from '../../store/reports';

export function configuredZones(): string[] {
  return (process.env.REPORT_TIME_ZONES ?? 'UTC')
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z && isTimeZone(z));
}

export interface ScheduleResult {
  generated: string[];
  upToDate: string[];
}

export async function runReportSchedule(now: Date): Promise<ScheduleResult> {
  const zones = [...new Set([...configuredZones(), ...(await reportSubscribers.all()).map((s) => s.timeZone)])].sort();
  const out: ScheduleResult = { generated: [], upToDate: [] };
  for (const zone of zones) {
    const month = previousMonth(now, zone);
    const existing = await getReport(reportId(month, zone));
    if (existing?.complete) {
      out.upToDate.push(existing.id);
      continue;
    }
    const { generateReport } = await import('./generate');
    const { record } = await generateReport({ month, timeZone: zone, now, trigger: 'schedule' });
    out.generated.push(record.id);
  }
  return out;
}

// Monthly operations and SLA reports (docs/reports.md, docs/decisions/0080-monthly-reports.md): on
// demand through the ops API and every hour for each time zone whose month has just ended; files in
// the reports bucket, delivered on the notifications topic and, with a sender, by SES e-mail.
import { reportOperations } from '../../shared/api/operations/reports';
import { REPORTS_BUCKET } from '../../shared/domain/reports/requests';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

/** Time zones whose months always get a report (subscribers add theirs). */
const settings = { REPORT_TIME_ZONES: 'UTC' };

export const reportsFeature: CatalogFeature = {
  name: 'reports',
  functions: [
    {
      name: 'ops-reports',
      description:
        'Reports API: generate a month’s operations and SLA report (HTML and PDF) on demand, read reports, manage subscribers.',
      entry: 'functions/ops-reports/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 28,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      topics: ['notifications'],
      buckets: { [REPORTS_BUCKET]: 'readwrite' },
      environment: settings,
      needs: ['publicBaseUrl'],
      sendsEmail: true,
      triggers: httpRoutes(reportOperations),
    },
    {
      name: 'report-scheduler',
      description:
        'Every hour: for each time zone whose month has ended, generates and delivers that month’s complete report once.',
      entry: 'functions/report-scheduler/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 300,
      table: 'readwrite',
      topics: ['notifications'],
      buckets: { [REPORTS_BUCKET]: 'readwrite' },
      environment: settings,
      needs: ['publicBaseUrl'],
      sendsEmail: true,
      triggers: [{ kind: 'schedule', expression: 'cron(5 * * * ? *)' }],
    },
  ],
  stateMachines: [],
  buckets: [
    {
      name: REPORTS_BUCKET,
      description: 'Monthly operations and SLA reports: one HTML and one PDF per month and time zone.',
      // Kept for contractual look-back (two years), then deleted.
      expireDays: 731,
    },
  ],
};

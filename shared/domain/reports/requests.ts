// Requests of the reports API (functions/ops-reports): what POST /reports and the subscriber routes
// accept. zod schemas that validate the request and describe it in the OpenAPI document.
import * as z from 'zod';
import { pageQuerySchema } from '../page-query';
import { timeZoneSchema } from '../slo/model';
import { MONTH_PATTERN } from './month';

/** The catalog's bucket for report files (infra/catalog/reports.ts declares it; BUCKET_REPORTS names it). */
export const REPORTS_BUCKET = 'reports';

export const monthSchema = z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-03');

export const generateReportSchema = z
  .object({
    month: monthSchema.describe('The calendar month in the time zone; the running month gives a partial report.'),
    timeZone: timeZoneSchema.default('UTC').describe('IANA time zone whose midnights bound the month.'),
  })
  .strict()
  .meta({ id: 'ReportRequest' });
export type GenerateReportRequest = z.infer<typeof generateReportSchema>;

/** Report ids are "<month>-<zone slug>" (reportId). */
export const REPORT_ID_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-[a-z0-9-]{1,80}$/;

/** "2026-03" + "Europe/Berlin" → "2026-03-europe-berlin" (Etc/GMT+5 → etc-gmtplus5: signs stay apart). */
export function reportId(month: string, timeZone: string): string {
  const zone = timeZone
    .toLowerCase()
    .replace(/\+/g, 'plus')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${month}-${zone}`;
}

export const listReportsQuerySchema = pageQuerySchema.extend({
  month: monthSchema.optional().describe('Only the reports of this month'),
});

export const createSubscriberSchema = z
  .object({
    email: z.email().max(254),
    name: z.string().trim().min(1).max(200).optional(),
    timeZone: timeZoneSchema.default('UTC').describe('Reports of months in this zone are sent to this subscriber.'),
  })
  .strict()
  .meta({ id: 'ReportSubscriberInput' });

export const updateSubscriberSchema = z
  .object({
    version: z.number().int().min(1).describe('The version you read (optimistic locking: 409 when stale).'),
    email: z.email().max(254).optional(),
    name: z.string().trim().min(1).max(200).nullable().optional(),
    timeZone: timeZoneSchema.optional(),
  })
  .strict()
  .meta({ id: 'ReportSubscriberUpdate' });

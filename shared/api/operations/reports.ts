// Operations of the monthly report routes (functions/ops-reports; docs/reports.md).
import * as z from 'zod';
import {
  createSubscriberSchema,
  generateReportSchema,
  listReportsQuerySchema,
  updateSubscriberSchema,
} from '../../domain/reports/requests';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const tag = 'Reports';

const links = z.object({ html: z.string(), pdf: z.string(), json: z.string() });
export const reportSchema = z
  .object({
    id: z.string().describe('<month>-<time zone slug>, e.g. 2026-03-europe-berlin'),
    month: z.string(),
    timeZone: z.string(),
    complete: z.boolean().describe('Generated after the month ended: the figures are final.'),
    trigger: z.enum(['schedule', 'demand']),
    generatedAt: z.string(),
    digest: z.string().describe('Of the figures: the same figures are delivered once.'),
    htmlKey: z.string(),
    pdfKey: z.string(),
    htmlBytes: z.number().int(),
    pdfBytes: z.number().int(),
    summary: z.object({
      services: z.number().int(),
      slaBreached: z.array(z.string()),
      availabilityPercent: z.number(),
      downtimeMinutes: z.number(),
      incidents: z.number().int(),
      slosMet: z.number().int(),
      slos: z.number().int(),
    }),
    timings: z.object({ loadMs: z.number(), computeMs: z.number(), renderMs: z.number(), pdfMs: z.number() }),
    revision: z.number().int(),
    links,
  })
  .meta({ id: 'Report' });
const generated = reportSchema.extend({
  delivery: z.object({
    sent: z.array(z.string()).describe('Channels this run sent to: topic:notifications, email:<address>'),
    skipped: z.array(z.string()).describe('Channels that had these figures already'),
  }),
});
const fileLink = z
  .object({
    url: z
      .string()
      .describe('Presigned S3 GET URL: anyone holding it may download the file until expiresAt, no token needed.'),
    expiresAt: z
      .string()
      .describe('When the link stops working (15 minutes; earlier if the signing credentials expire first).'),
    contentType: z.string(),
    bytes: z.number().int(),
  })
  .meta({ id: 'ReportFileLink' });
const fileQuery = z.object({
  link: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: answer 200 with the link as JSON instead of redirecting to it (e.g. to open it in a new tab).'),
});
const fileResponses = (type: string) => ({
  200: { description: `With ?link=true: the presigned link to the ${type} file`, schema: fileLink },
  303: {
    description: `See Other: Location is the presigned link to the ${type} file (the body has the same link as JSON). Clients following it must not forward the Authorization header (curl -L, fetch and browsers do not, across hosts).`,
    schema: fileLink,
  },
  ...errors(400, 401, 403, 404),
});
const subscriber = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().optional(),
    timeZone: z.string(),
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ReportSubscriber' });

/** functions/ops-reports */
export const reportOperations = [
  {
    method: 'post',
    path: '/reports',
    summary: 'Generate (or generate again) the operations and SLA report of a month in a time zone, and deliver it',
    tag,
    auth: 'jwt',
    role: 'responder',
    body: generateReportSchema,
    responses: {
      201: { description: 'Generated, stored and delivered', schema: generated },
      ...errors(400, 401, 403, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/reports',
    summary: 'Generated reports, newest month first',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: listReportsQuerySchema,
    responses: { 200: { description: 'A page', schema: page(reportSchema) }, ...errors(400, 401, 403) },
  },
  {
    method: 'get',
    path: '/reports/{id}',
    summary: 'A report: its record, summary figures and links',
    tag,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The report', schema: reportSchema }, ...errors(401, 403, 404) },
  },
  {
    method: 'get',
    path: '/reports/{id}/html',
    summary:
      'The report as one self-contained HTML page (inline CSS and SVG charts): a 303 to a presigned S3 link valid 15 minutes, or that link as JSON with ?link=true',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: fileQuery,
    responses: fileResponses('text/html'),
  },
  {
    method: 'get',
    path: '/reports/{id}/pdf',
    summary:
      'The report as PDF: a 303 to a presigned S3 link valid 15 minutes (curl -L, browsers and fetch follow it), or that link as JSON with ?link=true',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: fileQuery,
    responses: fileResponses('application/pdf'),
  },
  {
    method: 'get',
    path: '/reports/subscribers',
    summary: 'Who receives the monthly report by e-mail',
    tag,
    auth: 'jwt',
    role: 'viewer',
    query: pageQuerySchema,
    responses: { 200: { description: 'A page', schema: page(subscriber) }, ...errors(400, 401, 403) },
  },
  {
    method: 'post',
    path: '/reports/subscribers',
    summary: 'Add a subscriber (e-mail address and the time zone of the months it receives)',
    tag,
    auth: 'jwt',
    role: 'admin',
    body: createSubscriberSchema,
    responses: { 201: { description: 'Added', schema: subscriber }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/reports/subscribers/{id}',
    summary: 'A subscriber',
    tag,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The subscriber', schema: subscriber }, ...errors(401, 403, 404) },
  },
  {
    method: 'put',
    path: '/reports/subscribers/{id}',
    summary: 'Change a subscriber',
    tag,
    auth: 'jwt',
    role: 'admin',
    body: updateSubscriberSchema,
    responses: { 200: { description: 'The subscriber', schema: subscriber }, ...errors(400, 401, 403, 404, 409, 422) },
  },
  {
    method: 'delete',
    path: '/reports/subscribers/{id}',
    summary: 'Remove a subscriber',
    tag,
    auth: 'jwt',
    role: 'admin',
    responses: { 204: { description: 'Removed' }, ...errors(401, 403, 404) },
  },
] as const satisfies readonly Operation[];

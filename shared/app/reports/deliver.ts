// Delivering a report: a message with its links on the `notifications` topic (both runtimes): the
// API's (they always work, with a token) and presigned S3 links to the files (anyone holding the
// message may open them until they expire: a week, or less when the signing credentials expire
// first — files.ts), and,
// where the deployment names an SES sender (REPORTS_EMAIL_FROM), one e-mail per subscriber of the
// report's time zone with the HTML as body and the PDF attached. Each (figures digest, channel) is
// claimed in the table before it is sent and given back if sending fails: a retried run sends only
// what did not go out, and the same figures are never sent twice.
import { sendEmail } from '../../adapters/email';
import { getNotifier } from '../../adapters/notifier';
import { monthName } from '../../domain/reports/document';
import { claimDelivery, releaseDelivery, reportSubscribers, type ReportRecord } from '../../store/reports';
import { REPORT_DELIVERY_LINK_SECONDS, reportFileLink, type ReportFileLink } from './files';
import { reportLinks } from './links';

export const TOPIC_CHANNEL = 'topic:notifications';

export interface Delivery {
  /** Channels sent to by this run (e.g. topic:notifications, email:ops@example.com). */
  sent: string[];
  /** Channels that had these figures already. */
  skipped: string[];
}

function summaryText(r: ReportRecord, files: { html: ReportFileLink; pdf: ReportFileLink }): string {
  const s = r.summary;
  const links = reportLinks(r.id);
  const until = files.html.expiresAt < files.pdf.expiresAt ? files.html.expiresAt : files.pdf.expiresAt;
  return [
    `Operations and SLA report for ${monthName(r.month)} (${r.timeZone})${r.complete ? '' : ', month still running'}.`,
    `Availability ${s.availabilityPercent.toFixed(3)} % over ${s.services} services; ${s.downtimeMinutes} minutes of downtime; ${s.incidents} incidents; SLOs met ${s.slosMet} of ${s.slos}.`,
    s.slaBreached.length ? `SLA breached: ${s.slaBreached.join(', ')}.` : 'Every service met its SLA.',
    '',
    `Download (no login needed; these links work until ${until}):`,
    `HTML: ${files.html.url}`,
    `PDF:  ${files.pdf.url}`,
    '',
    'Through the ops API (any time, with a token; answers with a fresh download link):',
    `HTML: ${links.html}`,
    `PDF:  ${links.pdf}`,
  ].join('\n');
}

async function once(r: ReportRecord, channel: string, now: Date, send: () => Promise<unknown>, d: Delivery) {
  if (!(await claimDelivery(r.id, r.digest, channel, now.toISOString()))) {
    d.skipped.push(channel);
    return;
  }
  try {
    await send();
    d.sent.push(channel);
  } catch (err) {
    await releaseDelivery(r.id, r.digest, channel);
    throw err;
  }
}

export async function deliverReport(
  r: ReportRecord,
  files: { html: string; pdf: Uint8Array },
  now: Date,
): Promise<Delivery> {
  const d: Delivery = { sent: [], skipped: [] };
  const subject = `Nocturne operations report ${monthName(r.month)} (${r.timeZone})`;
  const [htmlLink, pdfLink] = await Promise.all([
    reportFileLink(r, 'html', REPORT_DELIVERY_LINK_SECONDS),
    reportFileLink(r, 'pdf', REPORT_DELIVERY_LINK_SECONDS),
  ]);
  const text = summaryText(r, { html: htmlLink, pdf: pdfLink });
  await once(
    r,
    TOPIC_CHANNEL,
    now,
    () =>
      getNotifier().publish({
        topic: 'notifications',
        subject,
        message: text,
        attributes: { kind: 'Monthly Report', report: r.id, month: r.month, timeZone: r.timeZone },
        deduplicationId: `report:${r.id}:${r.digest}`,
      }),
    d,
  );
  const from = process.env.REPORTS_EMAIL_FROM;
  if (!from) return d;
  const subscribers = (await reportSubscribers.all()).filter((s) => s.timeZone === r.timeZone);
  const failures: unknown[] = [];
  for (const s of subscribers)
    await once(
      r,
      `email:${s.email.toLowerCase()}`,
      now,
      () =>
        sendEmail({
          from,
          to: s.email,
          subject,
          text,
          html: files.html,
          attachments: [{ fileName: `nocturne-report-${r.id}.pdf`, contentType: 'application/pdf', bytes: files.pdf }],
        }),
      d,
    ).catch((err) => failures.push(err));
  if (failures.length) throw failures[0];
  return d;
}

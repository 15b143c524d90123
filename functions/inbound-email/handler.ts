// Lambda entry for inbound email (see infra/catalog.ts: "inbound-email"). In AWS an SES receipt
// rule stores each message in S3 and invokes this function with the SES event; locally (and for
// tools) POST /inbound-email takes the raw .eml. Either way the message opens a ticket, adds a
// comment from the ticket's requester, or is rejected with a logged reason and nothing stored.
import type { APIGatewayProxyEventV2, Context, SESEvent } from 'aws-lambda';
import { EmailRejectedError } from '../../shared/domain/tickets/email';
import { inboundEmailOperations } from '../../shared/api/operations/tickets';
import { httpApi, json } from '../../shared/http/idempotent-api';
import { problem } from '../../shared/http/problem';
import { logger } from '../../shared/observability/logger';
import { mailSource } from './mail-source';
import { logRejection, maxEmailBytes, receiveEmail } from './process';
import { lambdaHandler } from '../../shared/http/event-handler';

const STATUS: Record<EmailRejectedError['reason'], number> = {
  oversized: 413,
  malformed: 400,
  noSender: 422,
  autoReply: 422,
  spam: 422,
  unknownSender: 422,
  blockedSender: 422,
  notRequester: 403,
  closedTicket: 409,
  invalidFields: 422,
  empty: 422,
  noCategory: 422,
};

const http = httpApi(
  inboundEmailOperations,
  {
    'POST /inbound-email': async (req) => {
      const ev = req.event;
      const raw = ev.body ? Buffer.from(ev.body, ev.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
      try {
        const r = await receiveEmail(raw, { now: req.now });
        return json(r.status === 'created' ? 201 : 200, r);
      } catch (err) {
        if (!(err instanceof EmailRejectedError)) throw err;
        logRejection(err, { via: 'http', bytes: raw.length });
        throw problem(STATUS[err.reason], `The message was rejected: ${err.message}. Nothing was stored.`, {
          type: `https://nocturne.dev/problems/email-${err.reason}`,
        });
      }
    },
  },
  // The handler applies the email limit itself, with its own reason (and API Gateway caps at 10 MB).
  { maxBodyBytes: 10 * 1024 * 1024 },
);

/** SES receipt rule, Lambda action (Event invocation) after an S3 action. */
async function fromSes(event: SESEvent): Promise<{ results: Array<Record<string, unknown>> }> {
  const bucket = process.env.INBOUND_EMAIL_BUCKET;
  const prefix = process.env.INBOUND_EMAIL_PREFIX ?? '';
  const results: Array<Record<string, unknown>> = [];
  for (const record of event.Records ?? []) {
    const mail = record.ses.mail;
    const receipt = record.ses.receipt;
    const meta = { via: 'ses', sesMessageId: mail.messageId, source: mail.source };
    if (!bucket)
      throw new Error('INBOUND_EMAIL_BUCKET is not set: the SES receipt rule must store messages in S3 first');
    const key = `${prefix}${mail.messageId}`;
    try {
      // Size first: an oversized message is never downloaded.
      const size = await mailSource().size(bucket, key);
      if (size > maxEmailBytes()) throw new EmailRejectedError('oversized', `${size} bytes, limit ${maxEmailBytes()}`);
      const raw = await mailSource().read(bucket, key);
      const r = await receiveEmail(raw, {
        now: new Date(),
        recipients: receipt.recipients.map((x) => x.toLowerCase()),
        verdicts: { spam: receipt.spamVerdict?.status, virus: receipt.virusVerdict?.status },
      });
      logger.info('inbound email handled', { ...meta, ...r });
      results.push({ ...r });
    } catch (err) {
      if (!(err instanceof EmailRejectedError)) throw err; // infrastructure: let Lambda retry the event
      logRejection(err, meta);
      results.push({ status: 'rejected', reason: err.reason, sesMessageId: mail.messageId });
    }
  }
  return { results };
}

export const handler = lambdaHandler(
  async (event: APIGatewayProxyEventV2 | SESEvent, context: Context): Promise<unknown> => {
    if ('Records' in event && Array.isArray(event.Records)) return fromSes(event);
    return http(event as APIGatewayProxyEventV2, context);
  },
);

// One inbound email, from raw MIME bytes to a ticket or a comment, or to a rejection with a
// logged reason and nothing stored. Idempotent on Message-ID: the ticket or comment and the
// message's mark are written in one transaction, so a redelivery finds the mark.
import { createHash } from 'node:crypto';
import type { AddressObject, ParsedMail } from 'mailparser';
import {
  cleanSubject,
  EmailRejectedError,
  fieldLines,
  intentOf,
  isAutoReply,
  replyText,
  type ParsedEmail,
} from '../../shared/domain/tickets/email';
import { ConflictError, ValidationError } from '../../shared/domain/errors';
import { coerceFieldStrings } from '../../shared/domain/tickets/fields';
import { logger } from '../../shared/observability/logger';
import { addComment, openTicket } from '../../shared/app/tickets/commands';
import { getConfig, listConfig } from '../../shared/store/ticket-config';
import { DuplicateMessageError, findTicket, handledEmail } from '../../shared/store/tickets';

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
export const maxEmailBytes = () => Number(process.env.INBOUND_EMAIL_MAX_BYTES ?? DEFAULT_MAX_BYTES);

export interface InboundResult {
  status: 'created' | 'commented' | 'duplicate';
  ticketId: string;
  number?: number;
  commentId?: string;
  messageId: string;
}

function addresses(a: AddressObject | AddressObject[] | undefined): Array<{ address: string; name?: string }> {
  const list = Array.isArray(a) ? a : a ? [a] : [];
  return list
    .flatMap((x) => x.value)
    .filter((v): v is { address: string; name: string } => !!v.address)
    .map((v) => ({ address: v.address.toLowerCase(), name: v.name || undefined }));
}

function headerMap(m: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of m.headers)
    out[k.toLowerCase()] = typeof v === 'string' ? v : v instanceof Date ? v.toISOString() : JSON.stringify(v);
  return out;
}

/** Looks like RFC 5322: the message starts with a header field ("Name: value"). */
function looksLikeMessage(raw: Buffer): boolean {
  const head = raw.subarray(0, Math.min(raw.length, 1024)).toString('latin1');
  return /^[\x21-\x39\x3b-\x7e]+:/.test(head);
}

export async function parseEmail(raw: Buffer): Promise<ParsedEmail> {
  if (raw.length > maxEmailBytes())
    throw new EmailRejectedError('oversized', `${raw.length} bytes, limit ${maxEmailBytes()}`);
  if (raw.length === 0 || !looksLikeMessage(raw)) throw new EmailRejectedError('malformed', 'no header section');
  // mailparser and its charset tables (iconv-lite, encoding-japanese: ~1.3 MB minified) load with the
  // first email, not at cold start (issue 15; esbuild splits them into a chunk of their own).
  const { simpleParser } = await import('mailparser');
  let m: ParsedMail;
  try {
    m = await simpleParser(raw, {
      skipHtmlToText: false,
      skipTextLinks: true,
      skipImageLinks: true,
      maxHtmlLengthToParse: 2 * 1024 * 1024,
    });
  } catch (err) {
    throw new EmailRejectedError('malformed', (err as Error).message);
  }
  const from = addresses(m.from)[0];
  return {
    messageId: m.messageId?.trim() || undefined,
    from,
    to: [...addresses(m.to), ...addresses(m.cc)].map((a) => a.address),
    subject: m.subject,
    text: m.text ?? (typeof m.html === 'string' ? m.html.replace(/<[^>]+>/g, ' ') : undefined),
    headers: headerMap(m),
    attachments: m.attachments.map((a) => ({ filename: a.filename, size: a.size, contentType: a.contentType })),
  };
}

async function categoryFor(recipients: string[]) {
  const categories = await listConfig('category');
  const byAddress = categories.find((c) => c.emailAddresses?.some((a) => recipients.includes(a)));
  if (byAddress) return byAddress;
  const fallback = process.env.INBOUND_EMAIL_DEFAULT_CATEGORY ?? 'general-support';
  const c = categories.find((x) => x.id === fallback);
  if (!c)
    throw new EmailRejectedError(
      'noCategory',
      `${recipients.join(', ') || 'no recipient'}; default category ${fallback} does not exist`,
    );
  return c;
}

function describeAttachments(e: ParsedEmail): string {
  if (!e.attachments.length) return '';
  return `\n\nAttachments (not stored): ${e.attachments.map((a) => `${a.filename ?? 'unnamed'} (${a.contentType}, ${Math.ceil(a.size / 1024)} KB)`).join(', ')}`;
}

export interface InboundContext {
  now: Date;
  /** Extra recipients known to the transport (SES receipt recipients). */
  recipients?: string[];
  /** SES verdicts: FAIL on spam or virus rejects the message. */
  verdicts?: { spam?: string; virus?: string };
}

/** Handle one message; throws EmailRejectedError (nothing stored) for a message that must not be accepted. */
export async function receiveEmail(raw: Buffer, ctx: InboundContext): Promise<InboundResult> {
  if (ctx.verdicts?.spam === 'FAIL' || ctx.verdicts?.virus === 'FAIL')
    throw new EmailRejectedError('spam', JSON.stringify(ctx.verdicts));
  const e = await parseEmail(raw);
  if (!e.from) throw new EmailRejectedError('noSender');
  if (isAutoReply(e.headers))
    throw new EmailRejectedError('autoReply', e.headers['auto-submitted'] ?? e.headers.precedence);
  const messageId = e.messageId ?? `<sha256-${createHash('sha256').update(raw).digest('hex')}@nocturne.local>`;
  const seen = await handledEmail(messageId);
  if (seen) return { status: 'duplicate', ticketId: seen.ticketId, commentId: seen.commentId, messageId };

  const sender = e.from.address;
  const directory = await getConfig('requester', sender);
  if (directory?.blocked) throw new EmailRejectedError('blockedSender', sender);
  const actor = { type: 'requester' as const, id: sender, email: sender, name: directory?.name ?? e.from.name };
  const intent = intentOf(e);

  if (intent.kind === 'comment') {
    const t = await findTicket(String(intent.ticketNumber));
    if (t) {
      if (t.requester.email !== sender)
        throw new EmailRejectedError('notRequester', `${sender} wrote about ticket ${intent.ticketNumber}`);
      const body = replyText(e.text ?? '') || cleanSubject(e.subject);
      if (!body) throw new EmailRejectedError('empty');
      try {
        const r = await addComment(t.id, {
          input: { body: `${body}${describeAttachments(e)}`.slice(0, 32 * 1024), visibility: 'public' },
          actor,
          now: ctx.now,
          source: 'email',
          emailMessageId: messageId,
        });
        return { status: 'commented', ticketId: t.id, number: t.number, commentId: r.commentId, messageId };
      } catch (err) {
        if (err instanceof DuplicateMessageError)
          return { status: 'duplicate', ticketId: t.id, number: t.number, messageId };
        if (err instanceof ConflictError)
          throw new EmailRejectedError('closedTicket', `ticket ${t.number}: ${err.message}`);
        throw err;
      }
    }
    // A number that names no ticket: treat the message as a new request.
  }

  if (!directory) throw new EmailRejectedError('unknownSender', sender);
  const category = await categoryFor([...e.to, ...(ctx.recipients ?? [])]);
  const subject = cleanSubject(e.subject) || (e.text ?? '').trim().split('\n')[0]?.slice(0, 120) || '';
  if (!subject) throw new EmailRejectedError('empty');
  const text = (e.text ?? '').trim();
  const fields = coerceFieldStrings(category.fields, fieldLines(text, category.fields));
  try {
    const t = await openTicket({
      input: {
        subject: subject.slice(0, 300),
        description: `${text}${describeAttachments(e)}`.slice(0, 64 * 1024),
        categoryId: category.id,
        fields,
        watchers: [],
        links: directory.accountId ? [{ kind: 'account', ref: directory.accountId }] : [],
      },
      requester: { email: sender, name: directory.name ?? e.from.name },
      source: 'email',
      actor,
      now: ctx.now,
      extras: { emailMessageId: messageId },
    });
    return { status: 'created', ticketId: t.id, number: t.number, messageId };
  } catch (err) {
    if (err instanceof DuplicateMessageError) {
      const again = await handledEmail(messageId);
      return { status: 'duplicate', ticketId: again?.ticketId ?? '', messageId };
    }
    if (err instanceof ValidationError)
      throw new EmailRejectedError('invalidFields', err.issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    throw err;
  }
}

/** Log a rejection with its reason; never the message body. */
export function logRejection(err: EmailRejectedError, meta: Record<string, unknown>): void {
  logger.warn('inbound email rejected', { reason: err.reason, detail: err.message, ...meta });
}

// Inbound email, the pure part: what a parsed message means for the ticketing system (new ticket,
// comment on an existing one, or a rejection with a reason), the reply text without the quoted
// history, and field values written as "Label: value" lines. The MIME parsing itself is done by
// mailparser in functions/inbound-email.
import type { FieldDefinition } from './fields';
import { ticketNumberInSubject } from './ticket';

export const REJECTIONS = {
  oversized: 'the message is larger than the inbound limit',
  malformed: 'the message is not a parsable RFC 5322 message',
  noSender: 'the message has no usable From address',
  autoReply: 'the message is an automatic reply (Auto-Submitted / bulk precedence)',
  spam: 'the receiving service flagged the message as spam or as carrying a virus',
  unknownSender: 'the sender is not a known requester or contact',
  blockedSender: 'the sender is blocked in the requester directory',
  notRequester: "the sender is not the ticket's requester",
  closedTicket: 'the ticket is closed',
  invalidFields: 'the category needs fields the message does not give',
  empty: 'the message has neither subject nor text',
  noCategory: 'no ticket category takes mail to this address',
} as const;
export type RejectionReason = keyof typeof REJECTIONS;

export class EmailRejectedError extends Error {
  override readonly name = 'EmailRejectedError';
  constructor(
    readonly reason: RejectionReason,
    readonly detail?: string,
  ) {
    super(`${REJECTIONS[reason]}${detail ? `: ${detail}` : ''}`);
  }
}

export interface ParsedEmail {
  messageId?: string;
  from?: { address: string; name?: string };
  to: string[];
  subject?: string;
  text?: string;
  headers: Record<string, string>;
  attachments: Array<{ filename?: string; size: number; contentType: string }>;
}

/** Loops and bulk mail never open tickets. */
export function isAutoReply(headers: Record<string, string>): boolean {
  const auto = headers['auto-submitted'];
  if (auto && auto.toLowerCase() !== 'no') return true;
  const precedence = headers.precedence?.toLowerCase();
  return (
    precedence === 'bulk' ||
    precedence === 'junk' ||
    precedence === 'auto_reply' ||
    headers['x-autoreply'] !== undefined
  );
}

const QUOTE_MARKERS = [
  /^On .{1,300}wrote:\s*$/,
  /^Am .{1,300}schrieb.{0,100}:\s*$/,
  /^-{2,}\s*Original Message\s*-{2,}\s*$/i,
  /^_{10,}\s*$/,
  /^From: .+$/,
];

/** The new text of a reply: everything before the quoted history and the signature. */
export function replyText(text: string): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const trimmed = line.trim();
    if (out.some((l) => l.trim() !== '') && QUOTE_MARKERS.some((m) => m.test(trimmed))) break;
    if (trimmed === '--' || trimmed === '-- ') break;
    if (trimmed.startsWith('>')) continue;
    out.push(line);
  }
  return out.join('\n').trim();
}

/** "MSISDN: +49 151..." lines whose label or key names a field of the category. */
export function fieldLines(text: string, defs: FieldDefinition[]): Record<string, string> {
  const byName = new Map<string, string>();
  for (const d of defs) {
    byName.set(d.key.toLowerCase(), d.key);
    byName.set(d.label.toLowerCase(), d.key);
  }
  const out: Record<string, string> = {};
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const m = /^\s*([^:\n]{1,80}):\s*(.+?)\s*$/.exec(line);
    if (!m) continue;
    const key = byName.get(m[1]!.trim().toLowerCase());
    if (key && !(key in out)) out[key] = m[2]!;
  }
  return out;
}

export type EmailIntent = { kind: 'comment'; ticketNumber: number } | { kind: 'new' };

export function intentOf(e: ParsedEmail): EmailIntent {
  const n = ticketNumberInSubject(e.subject);
  return n ? { kind: 'comment', ticketNumber: n } : { kind: 'new' };
}

/** The subject without reply/forward prefixes and ticket tags. */
export function cleanSubject(subject: string | undefined): string {
  let s = (subject ?? '').trim();
  for (let i = 0; i < 5; i++)
    s = s
      .replace(/^(re|fwd?|aw|wg|sv|tr)\s*:\s*/i, '')
      .replace(/\[#\d+\]\s*/g, '')
      .trim();
  return s;
}

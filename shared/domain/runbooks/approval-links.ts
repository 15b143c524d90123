// Signed runbook approval links (`/runbook-approvals/{token}`; docs/runbooks.md): whoever holds the
// link may give one answer (approve or reject) to one approval step of one run, as the person it
// was sent to, until the step's timeout. The signing is the page links' (shared/domain/oncall/links:
// HMAC-SHA256, the same secrets, verified against each) under a purpose of its own, so a page link
// never passes for an approval link nor the other way round. Pure: secrets and the clock come in.
//
// token = <y|n>.<expiry, epoch seconds base 36>.<run id>.<step index>.<user id, base64url>.<signature>
import { ActLinkError, linkSignature, linkSignatureValid } from '../oncall/links';

export type ApprovalDecision = 'approve' | 'reject';

export interface ApprovalLink {
  decision: ApprovalDecision;
  runId: string;
  /** The approval step's index in the run's runbook version. */
  stepIndex: number;
  /** The person the link was sent to: the approver. */
  userId: string;
  expiresAt: Date;
}

const PURPOSE = 'nocturne-runbook-approval-v1';
const CODE: Record<ApprovalDecision, string> = { approve: 'y', reject: 'n' };

export function signApprovalLink(link: ApprovalLink, secrets: string[]): string {
  if (!secrets[0]) throw new Error('No action link secret configured');
  const body = [
    CODE[link.decision],
    Math.floor(link.expiresAt.getTime() / 1000).toString(36),
    link.runId,
    String(link.stepIndex),
    Buffer.from(link.userId, 'utf8').toString('base64url'),
  ].join('.');
  return `${body}.${linkSignature(secrets[0], PURPOSE, body)}`;
}

/** The link, or an ActLinkError: malformed (400), signature (403: changed or another key), expired (410). */
export function verifyApprovalLink(token: string, secrets: string[], now: Date): ApprovalLink {
  const parts = token.split('.');
  if (
    parts.length !== 6 ||
    !/^[yn]$/.test(parts[0]!) ||
    !/^[0-9a-z]{1,10}$/.test(parts[1]!) ||
    !/^[0-9A-Za-z_-]{1,80}$/.test(parts[2]!) ||
    !/^(0|[1-9][0-9]?)$/.test(parts[3]!) ||
    !/^[0-9A-Za-z_-]{1,172}$/.test(parts[4]!)
  )
    throw new ActLinkError(
      'malformed',
      'This is not a Nocturne approval link; copy the whole link from the message you received.',
    );
  const body = parts.slice(0, 5).join('.');
  if (!linkSignatureValid(secrets, PURPOSE, body, parts[5]!))
    throw new ActLinkError('signature', 'This link is not valid: it was changed or signed with another key.');
  const expiresAt = new Date(parseInt(parts[1]!, 36) * 1000);
  if (expiresAt.getTime() <= now.getTime())
    throw new ActLinkError(
      'expired',
      `This link expired at ${expiresAt.toISOString()}, with the approval step's timeout; the step has ended.`,
    );
  return {
    decision: parts[0] === 'y' ? 'approve' : 'reject',
    runId: parts[2]!,
    stepIndex: Number(parts[3]),
    userId: Buffer.from(parts[4]!, 'base64url').toString('utf8'),
    expiresAt,
  };
}

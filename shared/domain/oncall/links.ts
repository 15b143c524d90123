// Signed, expiring, single-purpose action links for pages (`/act/{token}`): whoever holds the
// link may do exactly one thing (acknowledge or resolve) to one incident, as the person paged,
// until it expires. Pure: the secret and the clock are passed in.
//
// token = <a|r>.<expiry, epoch seconds base 36>.<incident id>.<user id>.<signature>
// signature = first 16 base64url characters (96 bits) of HMAC-SHA256(secret, "nocturne-act-v1:" + the rest)
// Short on purpose: the acknowledge link has to fit in an SMS with the incident's summary.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkAction = 'acknowledge' | 'resolve';

export interface ActLink {
  action: LinkAction;
  incidentId: string;
  userId: string;
  expiresAt: Date;
}

export type LinkFault = 'malformed' | 'signature' | 'expired';

export class ActLinkError extends Error {
  override readonly name = 'ActLinkError';
  constructor(
    readonly fault: LinkFault,
    message: string,
  ) {
    super(message);
  }
}

const CODE: Record<LinkAction, string> = { acknowledge: 'a', resolve: 'r' };
const ACTION: Record<string, LinkAction> = { a: 'acknowledge', r: 'resolve' };
const SIG_CHARS = 16;

/** The signature of a link body for one purpose (the purpose keeps one kind of link from passing for another). */
export function linkSignature(secret: string, purpose: string, body: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${body}`).digest('base64url').slice(0, SIG_CHARS);
}

/** Whether `given` is the signature of `body` for `purpose` under any of the secrets (constant-time compares). */
export function linkSignatureValid(secrets: string[], purpose: string, body: string, given: string): boolean {
  const g = Buffer.from(given);
  return secrets.some((s) => {
    const expected = Buffer.from(linkSignature(s, purpose, body));
    return expected.length === g.length && timingSafeEqual(expected, g);
  });
}

const sign = (secret: string, body: string) => linkSignature(secret, 'nocturne-act-v1', body);

/** Secrets: the first signs; every one verifies (list a new secret first to rotate without breaking links in flight). */
export function secretsOf(config: string): string[] {
  return config
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function signLink(link: ActLink, secrets: string[]): string {
  if (!secrets[0]) throw new Error('No action link secret configured');
  const body = [
    CODE[link.action],
    Math.floor(link.expiresAt.getTime() / 1000).toString(36),
    link.incidentId,
    link.userId,
  ].join('.');
  return `${body}.${sign(secrets[0], body)}`;
}

export function verifyLink(token: string, secrets: string[], now: Date): ActLink {
  const parts = token.split('.');
  if (
    parts.length !== 5 ||
    !/^[ar]$/.test(parts[0]!) ||
    !/^[0-9a-z]{1,10}$/.test(parts[1]!) ||
    !/^[0-9A-Za-z]{1,64}$/.test(parts[2]!) ||
    !/^[a-z0-9][a-z0-9-]{0,63}$/.test(parts[3]!)
  )
    throw new ActLinkError(
      'malformed',
      'This is not a Nocturne action link; copy the whole link from the page you received.',
    );
  const body = parts.slice(0, 4).join('.');
  if (!linkSignatureValid(secrets, 'nocturne-act-v1', body, parts[4]!))
    throw new ActLinkError('signature', 'This link is not valid: it was changed or signed with another key.');
  const expiresAt = new Date(parseInt(parts[1]!, 36) * 1000);
  if (expiresAt.getTime() <= now.getTime())
    throw new ActLinkError(
      'expired',
      `This link expired at ${expiresAt.toISOString()}; act from the ops API or the link in a newer page.`,
    );
  return { action: ACTION[parts[0]!]!, incidentId: parts[2]!, userId: parts[3]!, expiresAt };
}

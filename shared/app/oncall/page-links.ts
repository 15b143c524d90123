// Action links as the functions build them: the secret and base URL from the environment.
// ACT_LINK_SECRET holds one or more comma-separated secrets (the first signs, all verify). In AWS
// the stack sets it, from its Secrets Manager secret, on the functions whose catalog entry needs
// 'actLinkSecret' (and PUBLIC_BASE_URL on those that need 'publicBaseUrl'); the local runtime,
// which sets NOCTURNE_RUNTIME=local, falls back to a fixed development secret.
import { secretsOf, signLink, type LinkAction } from '../../domain/oncall/links';
import { logger } from '../../observability/logger';

export const LOCAL_DEV_ACT_LINK_SECRET = 'nocturne-local-development-act-link-secret';
export const DEFAULT_LINK_TTL_HOURS = 24;

export class ActLinkSecretMissingError extends Error {
  override readonly name = 'ActLinkSecretMissingError';
}

export function actLinkSecrets(): string[] {
  const configured = secretsOf(process.env.ACT_LINK_SECRET ?? '');
  if (configured.length) return configured;
  if (process.env.NOCTURNE_RUNTIME === 'local') return [LOCAL_DEV_ACT_LINK_SECRET];
  throw new ActLinkSecretMissingError('ACT_LINK_SECRET is not set: page links cannot be signed or checked.');
}

/** Where people reach Nocturne (no trailing slash); empty gives relative links. */
export function publicBaseUrl(): string {
  return (process.env.PUBLIC_BASE_URL ?? '').replace(/\/+$/, '');
}

function ttlHours(): number {
  const n = Number(process.env.ACT_LINK_TTL_HOURS ?? DEFAULT_LINK_TTL_HOURS);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_LINK_TTL_HOURS;
}

export function actUrl(action: LinkAction, incidentId: string, userId: string, now: Date): string {
  const token = signLink(
    { action, incidentId, userId, expiresAt: new Date(now.getTime() + ttlHours() * 3600000) },
    actLinkSecrets(),
  );
  return `${publicBaseUrl()}/act/${token}`;
}

export function incidentUrl(incidentId: string): string {
  return `${publicBaseUrl()}/incidents/${incidentId}`;
}

let warned = false;

/**
 * The links of a page. Without a configured secret (a deployment mistake) the page still goes
 * out, pointing at the incident in the ops API instead of signed links: a page is never held
 * back for want of a link.
 */
export function pageLinks(
  incidentId: string,
  userId: string,
  now: Date,
): { acknowledge: string; resolve: string; incident: string } {
  const incident = incidentUrl(incidentId);
  try {
    return {
      acknowledge: actUrl('acknowledge', incidentId, userId, now),
      resolve: actUrl('resolve', incidentId, userId, now),
      incident,
    };
  } catch (err) {
    if (!(err instanceof ActLinkSecretMissingError)) throw err;
    if (!warned)
      logger.error('ACT_LINK_SECRET is not set: pages carry the incident URL instead of acknowledge/resolve links');
    warned = true;
    return { acknowledge: incident, resolve: incident, incident };
  }
}

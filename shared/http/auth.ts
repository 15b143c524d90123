// Who is calling an ops route, and may they? API Gateway's JWT authorizer (Cognito) has already
// verified the token; here we read its claims and check the route's role.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError } from '../domain/errors';
import { inScope, isScoped, type Owner, type Scope } from '../domain/provisioning/scope';
import { problem } from './problem';

export type { Owner, Scope };

// Least to most. `requester` (a customer or colleague who files tickets) ranks below viewer: it
// passes no viewer check, and ticket routes open to it show a requester only its own tickets.
export const ROLES = ['requester', 'viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { requester: 0, viewer: 1, responder: 2, admin: 3 };

export interface Principal {
  id: string;
  name: string;
  roles: Role[];
  /** Set when the role is limited to a realm (claim `custom:realm`) or an organization
   * (`custom:organization`): the principal sees only what lies inside (see `canSee`). */
  scope?: Scope;
}

type Claims = Record<string, string | number | boolean | string[] | undefined>;

function claimsOf(event: APIGatewayProxyEventV2): Claims | undefined {
  const ctx = event.requestContext as APIGatewayProxyEventV2['requestContext'] & {
    authorizer?: { jwt?: { claims?: Claims } };
  };
  return ctx.authorizer?.jwt?.claims;
}

/** Cognito puts groups in `cognito:groups`, as an array or (through API Gateway) as "[a b]". */
function parseGroups(raw: Claims[string]): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function principalOf(event: APIGatewayProxyEventV2): Principal | undefined {
  const claims = claimsOf(event);
  if (!claims || !claims.sub) return undefined;
  const groups = parseGroups(claims['cognito:groups']);
  const roles = groups.filter((g): g is Role => (ROLES as readonly string[]).includes(g));
  const name = String(claims.email ?? claims['cognito:username'] ?? claims.username ?? claims.sub);
  const realmId = claims['custom:realm'] ? String(claims['custom:realm']) : undefined;
  const organizationId = claims['custom:organization'] ? String(claims['custom:organization']) : undefined;
  const scope = realmId || organizationId ? { realmId, organizationId } : undefined;
  return { id: String(claims.sub), name, roles, ...(scope ? { scope } : {}) };
}

/** Whether the principal may see a thing owned by a realm/organization (unscoped principals see all). */
export function canSee(p: Principal | undefined, owner: Owner | undefined): boolean {
  return inScope(p?.scope, owner);
}

/**
 * The thing, if it exists and lies inside the principal's scope; otherwise a 404 with the same
 * message either way, so ids outside the scope do not leak (404 rather than 403).
 */
export function requireVisible<T extends Owner>(
  p: Principal | undefined,
  thing: T | undefined,
  notFoundMessage: string,
): T {
  if (!thing || !canSee(p, thing)) throw new NotFoundError(notFoundMessage);
  return thing;
}

/** Platform-wide changes (the product catalog, realms) are for unscoped principals only. */
export function requireUnscoped(p: Principal | undefined, what: string): void {
  if (p && isScoped(p.scope))
    throw problem(403, `${what} is platform-wide; a realm- or organization-scoped role cannot change it.`);
}

export function hasRole(p: Principal, required: Role): boolean {
  return p.roles.some((r) => RANK[r] >= RANK[required]);
}

export function requireRole(event: APIGatewayProxyEventV2, required: Role): Principal {
  const p = principalOf(event);
  if (!p)
    throw problem(401, 'This route needs a bearer token from the ops identity provider.', {
      headers: { 'www-authenticate': 'Bearer' },
    });
  if (!hasRole(p, required))
    throw problem(403, `This action needs the ${required} role; your roles: ${p.roles.join(', ') || 'none'}.`);
  return p;
}

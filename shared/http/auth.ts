// Who is calling an ops route, and may they? API Gateway's JWT authorizer (Cognito) has already
// verified the token; here we read its claims and check the route's role.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { problem } from './problem';

// Least to most. `requester` (a customer or colleague who files tickets) ranks below viewer: it
// passes no viewer check, and ticket routes open to it show a requester only its own tickets.
export const ROLES = ['requester', 'viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { requester: 0, viewer: 1, responder: 2, admin: 3 };

export interface Principal {
  id: string;
  name: string;
  roles: Role[];
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
  return { id: String(claims.sub), name, roles };
}

export function hasRole(p: Principal, required: Role): boolean {
  return p.roles.some((r) => RANK[r] >= RANK[required]);
}

export function requireRole(event: APIGatewayProxyEventV2, required: Role): Principal {
  const p = principalOf(event);
  if (!p) throw problem(401, 'This route needs a bearer token from the ops identity provider.', { headers: { 'www-authenticate': 'Bearer' } });
  if (!hasRole(p, required))
    throw problem(403, `This action needs the ${required} role; your roles: ${p.roles.join(', ') || 'none'}.`);
  return p;
}

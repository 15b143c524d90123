// Who is asking, as the ticket rules see it: an agent (responder or admin) works any ticket, a
// viewer reads any ticket, a requester reads and comments on its own tickets only and never sees
// internal comments. Someone else's ticket answers 404 to a requester, as if it did not exist.
import { NotFoundError } from '../../shared/domain/errors';
import { isOwnTicket, type Actor, type Ticket, type Viewer } from '../../shared/domain/tickets/ticket';
import type { HttpRequest } from '../../shared/http/api';
import { hasRole, type Principal } from '../../shared/http/auth';
import { problem } from '../../shared/http/problem';

export interface Caller {
  viewer: Viewer;
  actor: Actor;
  principal: Principal;
}

export function callerOf(req: HttpRequest): Caller {
  const p = req.principal!;
  const kind: Viewer['kind'] = hasRole(p, 'responder') ? 'agent' : hasRole(p, 'viewer') ? 'viewer' : 'requester';
  const email = p.name.includes('@') ? p.name.toLowerCase() : undefined;
  return {
    principal: p,
    viewer: { kind, id: p.id, email },
    actor: { type: kind === 'requester' ? 'requester' : 'agent', id: p.id, name: p.name, email },
  };
}

/** The ticket, or 404 when a requester asks for someone else's. */
export function visibleOr404(t: Ticket | undefined, ref: string, c: Caller): Ticket {
  if (!t || !isOwnTicket(t, c.viewer)) throw new NotFoundError(`No ticket ${ref}.`);
  return t;
}

export function requireAgent(c: Caller): void {
  if (c.viewer.kind !== 'agent') throw problem(403, 'This action needs the responder role.');
}

/** Viewers read; requesters write only their own tickets (checked by visibleOr404). */
export function requireWriter(c: Caller): void {
  if (c.viewer.kind === 'viewer') throw problem(403, 'Viewers may read tickets but not change them; this needs the responder role.');
}

/** The version a change is based on: body.version or an If-Match header ("3", W/"3"). */
export function expectedVersion(req: HttpRequest, bodyVersion: number | undefined): number {
  if (bodyVersion !== undefined) return bodyVersion;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec((req.headers['if-match'] ?? '').trim());
  if (m) return Number(m[1]);
  throw problem(428, 'Send the version you read (body "version" or an If-Match header) so concurrent changes cannot overwrite each other.', {
    errors: [{ field: 'version', message: 'required: the ticket version this change is based on' }],
  });
}

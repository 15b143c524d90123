// Who is asking, as the ticket rules see it: an agent (responder or admin) works any ticket, a
// viewer reads any ticket, a requester reads and comments on its own tickets only and never sees
// internal comments. Someone else's ticket answers 404 to a requester, as if it did not exist.
// A realm- or organization-scoped caller sees only tickets linked (`account` link) to a customer
// inside its scope; any other ticket answers 404, and lists leave it out.
import { NotFoundError, ValidationError } from '../../shared/domain/errors';
import type { Customer } from '../../shared/domain/provisioning/customers';
import { isScoped } from '../../shared/domain/provisioning/scope';
import { isOwnTicket, type Actor, type Ticket, type TicketLink, type Viewer } from '../../shared/domain/tickets/ticket';
import type { HttpRequest } from '../../shared/http/api';
import { canSee, hasRole, type Principal } from '../../shared/http/auth';
import { problem } from '../../shared/http/problem';
import { getCustomer } from '../../shared/store/customers';

export interface Caller {
  viewer: Viewer;
  actor: Actor;
  principal: Principal;
  /** Customers already read for this request (scoped callers only). */
  customers: Map<string, Promise<Customer | undefined>>;
}

export function callerOf(req: HttpRequest): Caller {
  const p = req.principal!;
  const kind: Viewer['kind'] = hasRole(p, 'responder') ? 'agent' : hasRole(p, 'viewer') ? 'viewer' : 'requester';
  const email = p.name.includes('@') ? p.name.toLowerCase() : undefined;
  return {
    principal: p,
    customers: new Map(),
    viewer: { kind, id: p.id, email },
    actor: { type: kind === 'requester' ? 'requester' : 'agent', id: p.id, name: p.name, email },
  };
}

/** The ticket, or 404 when a requester asks for someone else's. */
export function visibleOr404(t: Ticket | undefined, ref: string, c: Caller): Ticket {
  if (!t || !isOwnTicket(t, c.viewer)) throw new NotFoundError(`No ticket ${ref}.`);
  return t;
}

/** Whether a customer account link points at a customer inside the caller's scope. */
function linkInScope(l: Pick<TicketLink, 'kind' | 'ref'>, c: Caller): Promise<boolean> {
  if (l.kind !== 'account') return Promise.resolve(false);
  let customer = c.customers.get(l.ref);
  if (!customer) c.customers.set(l.ref, (customer = getCustomer(l.ref)));
  return customer.then((x) => !!x && canSee(c.principal, x));
}

/** Unscoped callers see every ticket; a scoped one only tickets of a customer inside its scope
 * (tickets with no customer link lie outside every realm). */
export async function inCallerScope(t: Ticket, c: Caller): Promise<boolean> {
  if (!isScoped(c.principal.scope)) return true;
  for (const l of t.links) if (await linkInScope(l, c)) return true;
  return false;
}

/** The ticket, or 404 when it is someone else's (requesters) or outside the caller's realm. */
export async function scopedOr404(t: Ticket | undefined, ref: string, c: Caller): Promise<Ticket> {
  const visible = visibleOr404(t, ref, c);
  if (!(await inCallerScope(visible, c))) throw new NotFoundError(`No ticket ${ref}.`);
  return visible;
}

/** Only the tickets the caller may see, in order. */
export async function inScopeOnly(items: Ticket[], c: Caller): Promise<Ticket[]> {
  if (!isScoped(c.principal.scope)) return items;
  const keep = await Promise.all(items.map((t) => inCallerScope(t, c)));
  return items.filter((_, i) => keep[i]);
}

/**
 * A scoped caller may link tickets only to customers inside its scope, and a ticket it opens must
 * name one (otherwise it could neither see it afterwards nor keep it inside its realm).
 */
export async function requireLinksInScope(
  links: Pick<TicketLink, 'kind' | 'ref'>[],
  c: Caller,
  field: string,
  mustHaveOne: boolean,
) {
  if (!isScoped(c.principal.scope)) return;
  const accounts = links.filter((l) => l.kind === 'account');
  for (const l of accounts)
    if (!(await linkInScope(l, c)))
      throw new ValidationError('Link tickets only to customers inside your realm.', [
        { field, message: `no customer ${l.ref} in your scope` },
      ]);
  if (mustHaveOne && accounts.length === 0)
    throw new ValidationError('A realm-scoped role opens tickets for a customer of its realm.', [
      { field, message: 'needs an account link to a customer in your scope' },
    ]);
}

export function requireAgent(c: Caller): void {
  if (c.viewer.kind !== 'agent') throw problem(403, 'This action needs the responder role.');
}

/** Viewers read; requesters write only their own tickets (checked by visibleOr404). */
export function requireWriter(c: Caller): void {
  if (c.viewer.kind === 'viewer')
    throw problem(403, 'Viewers may read tickets but not change them; this needs the responder role.');
}

/** The version a change is based on: body.version or an If-Match header ("3", W/"3"). */
export function expectedVersion(req: HttpRequest, bodyVersion: number | undefined): number {
  if (bodyVersion !== undefined) return bodyVersion;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec((req.headers['if-match'] ?? '').trim());
  if (m) return Number(m[1]);
  throw problem(
    428,
    'Send the version you read (body "version" or an If-Match header) so concurrent changes cannot overwrite each other.',
    {
      errors: [{ field: 'version', message: 'required: the ticket version this change is based on' }],
    },
  );
}

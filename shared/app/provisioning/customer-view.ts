// The customer-centric view (GET /customers/{id}): every facet at once: the account and where it
// sits (realm, organization, site), its subscriptions with their services and TMF638 states, its
// open product orders, its tickets, and the open incidents touching the platform services its
// services run on (or anything those depend on).
import { FINAL_STATES, type ProductOrder } from '../../domain/orders/order';
import {
  subscriptionState,
  type Customer,
  type CustomerService,
  type Subscription,
} from '../../domain/provisioning/customers';
import { upstreamOf } from '../../domain/services';
import type { Ticket } from '../../domain/tickets/ticket';
import { customerPartition, getOrganization, getRealm, getSite } from '../../store/customers';
import { getIncident } from '../../store/incidents';
import { openIncidentIdsForService } from '../../store/incidents';
import { listOrders } from '../../store/orders';
import { serviceMap } from '../../store/services';
import { getTicket, listRequesterTickets } from '../../store/tickets';

export interface CustomerView {
  customer: Customer;
  realm?: { id: string; name: string };
  organization?: { id: string; name: string };
  site?: { id: string; name: string };
  subscriptions: Array<Subscription & { state: string; services: CustomerService[] }>;
  openOrders: Array<Pick<ProductOrder, 'id' | 'state' | 'kind'> & { href: string; orderDate?: string }>;
  tickets: Array<Pick<Ticket, 'id' | 'number' | 'subject' | 'status' | 'priority' | 'createdAt'> & { href: string }>;
  incidents: Array<{
    id: string;
    number: number;
    title: string;
    status: string;
    severity: string;
    serviceId?: string;
    href: string;
    /** The customer's services it touches, and through which platform service. */
    affects: Array<{ serviceId: string; platformServiceId: string; via?: string }>;
  }>;
}

const TICKET_LIMIT = 50;

async function openOrdersOf(customerId: string): Promise<CustomerView['openOrders']> {
  const page = await listOrders({ customerId, limit: 100 });
  return page.items
    .filter((o) => !FINAL_STATES.includes(o.state))
    .map((o) => ({
      id: o.id,
      state: o.state,
      kind: o.kind,
      href: `/productOrder/${o.id}`,
      orderDate: (o as { orderDate?: string }).orderDate,
    }));
}

async function ticketsOf(ids: string[], emails: string[]): Promise<CustomerView['tickets']> {
  const byRequester = await Promise.all(emails.map((e) => listRequesterTickets(e, TICKET_LIMIT).then((p) => p.items)));
  const linked = await Promise.all(ids.slice(-TICKET_LIMIT).map((id) => getTicket(id, false)));
  const all = new Map<string, Ticket>();
  for (const t of [...byRequester.flat(), ...linked]) if (t) all.set(t.id, t);
  return [...all.values()]
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, TICKET_LIMIT)
    .map((t) => ({
      id: t.id,
      number: t.number,
      subject: t.subject,
      status: t.status,
      priority: t.priority,
      createdAt: t.createdAt,
      href: `/tickets/${t.id}`,
    }));
}

async function incidentsTouching(services: CustomerService[]): Promise<CustomerView['incidents']> {
  const live = services.filter((s) => s.state !== 'terminated' && s.platformServiceId);
  if (!live.length) return [];
  const graph = await serviceMap();
  // platform service (or one it depends on) → the customer services that run on it
  const watched = new Map<string, Array<{ serviceId: string; platformServiceId: string; via?: string }>>();
  for (const s of live) {
    const platform = s.platformServiceId!;
    for (const target of [platform, ...upstreamOf(platform, graph)]) {
      const list = watched.get(target) ?? [];
      list.push({ serviceId: s.id, platformServiceId: platform, ...(target !== platform ? { via: target } : {}) });
      watched.set(target, list);
    }
  }
  const byIncident = new Map<string, CustomerView['incidents'][number]['affects']>();
  await Promise.all(
    [...watched.entries()].map(async ([target, affects]) => {
      for (const id of await openIncidentIdsForService(target))
        byIncident.set(id, [...(byIncident.get(id) ?? []), ...affects]);
    }),
  );
  const incidents = await Promise.all([...byIncident.keys()].map((id) => getIncident(id)));
  return incidents
    .filter((i) => !!i && i.status !== 'resolved')
    .map((i) => ({
      id: i!.id,
      number: i!.number,
      title: i!.title,
      status: i!.status,
      severity: i!.severity,
      serviceId: i!.serviceId,
      href: `/incidents/${i!.id}`,
      affects: byIncident.get(i!.id)!,
    }))
    .sort((a, b) => a.severity.localeCompare(b.severity));
}

/** The whole view, or undefined when there is no such customer. Scope is checked by the caller. */
export async function customerView(customerId: string): Promise<CustomerView | undefined> {
  const p = await customerPartition(customerId);
  if (!p.customer) return undefined;
  const c = p.customer;
  const emails = [...new Set([c.contact?.email].filter((e): e is string => !!e).map((e) => e.toLowerCase()))];
  const [realm, organization, site, openOrders, tickets, incidents] = await Promise.all([
    getRealm(c.realmId),
    getOrganization(c.organizationId),
    c.siteId ? getSite(c.siteId) : Promise.resolve(undefined),
    openOrdersOf(c.id),
    ticketsOf(p.ticketIds, emails),
    incidentsTouching(p.services),
  ]);
  const subscriptions = p.subscriptions.map((s) => {
    const services = p.services.filter((x) => x.subscriptionId === s.id);
    return { ...s, state: subscriptionState(services), services };
  });
  const named = (x?: { id: string; name: string }) => (x ? { id: x.id, name: x.name } : undefined);
  return {
    customer: c,
    realm: named(realm),
    organization: named(organization),
    site: named(site),
    subscriptions,
    openOrders,
    tickets,
    incidents,
  };
}

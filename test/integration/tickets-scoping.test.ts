// Realm scoping on the tickets API against DynamoDB Local: a realm-scoped role reads, lists and
// changes only tickets of customers inside its realm; another realm's ticket (and a ticket with no
// customer link) answers 404 so ids do not leak; unscoped staff still see everything.
import { handler as customersHandler } from '../../functions/ops-customers/handler';
import { handler as ticketsHandler } from '../../functions/ops-tickets/handler';
import { seedTicketDemo } from '../../infra/local/demo/tickets';
import { call, type EventInput, type Handler } from '../support/http-event';

let seq = 0;
const uid = (p: string) => `${p}-${process.pid.toString(36)}-${Date.now().toString(36)}-${seq++}`;
const customers = (i: EventInput) => call(customersHandler as Handler, i);
type As = Omit<EventInput, 'routeKey'>;
const tickets = (i: EventInput) => call(ticketsHandler as Handler, i);
const admin = { role: 'admin' as const };
const agent = { role: 'responder' as const };
const scopedTo = (realm: string, role: 'responder' | 'viewer' = 'responder') => ({
  role,
  claims: { 'custom:realm': realm },
  sub: `scoped-${realm}`,
});

const acme = uid('acme');
const globex = uid('globex');
const acmeCustomer = uid('jane');
const globexCustomer = uid('joe');
let acmeTicket: { id: string; number: number };
let globexTicket: { id: string; number: number };
let unlinkedTicket: { id: string };

const openFor = async (customerId: string | undefined, as: As = agent) =>
  tickets({
    ...as,
    routeKey: 'POST /tickets',
    body: {
      subject: `No data (${customerId ?? 'no customer'})`,
      categoryId: 'general-support',
      requester: { email: `${uid('someone')}@customer.example` },
      links: customerId ? [{ kind: 'account', ref: customerId }] : [],
    },
  });

beforeAll(async () => {
  await seedTicketDemo(new Date().toISOString());
  for (const [realm, customer] of [
    [acme, acmeCustomer],
    [globex, globexCustomer],
  ] as const) {
    const org = `${realm}-org`;
    expect((await customers({ routeKey: 'POST /realms', ...admin, body: { id: realm, name: realm } })).status).toBe(
      201,
    );
    expect(
      (await customers({ routeKey: 'POST /organizations', ...admin, body: { id: org, realmId: realm, name: org } }))
        .status,
    ).toBe(201);
    expect(
      (
        await customers({
          routeKey: 'POST /customers',
          ...admin,
          body: { id: customer, organizationId: org, name: customer },
        })
      ).status,
    ).toBe(201);
  }
  const a = await openFor(acmeCustomer);
  const g = await openFor(globexCustomer);
  const u = await openFor(undefined);
  expect([a.status, g.status, u.status]).toEqual([201, 201, 201]);
  [acmeTicket, globexTicket, unlinkedTicket] = [a.body, g.body, u.body];
});

describe('tickets and realm scoping', () => {
  it('a realm-scoped role reads its own realm’s ticket (by id and by number)', async () => {
    const byId = await tickets({
      routeKey: 'GET /tickets/{id}',
      params: { id: acmeTicket.id },
      ...scopedTo(acme, 'viewer'),
    });
    expect(byId.status).toBe(200);
    expect(byId.body.id).toBe(acmeTicket.id);
    const byNumber = await tickets({
      routeKey: 'GET /tickets/{id}',
      params: { id: String(acmeTicket.number) },
      ...scopedTo(acme),
    });
    expect(byNumber.body.id).toBe(acmeTicket.id);
    expect(
      (await tickets({ routeKey: 'GET /tickets/{id}/history', params: { id: acmeTicket.id }, ...scopedTo(acme) }))
        .status,
    ).toBe(200);
  });

  it('gets 404 for another realm’s ticket and for unlinked tickets, on every route, the same as a missing one', async () => {
    const missing = await tickets({ routeKey: 'GET /tickets/{id}', params: { id: uid('nothing') }, ...scopedTo(acme) });
    expect(missing.status).toBe(404);
    for (const id of [globexTicket.id, String(globexTicket.number), unlinkedTicket.id]) {
      const reads = await Promise.all(
        [
          'GET /tickets/{id}',
          'GET /tickets/{id}/comments',
          'GET /tickets/{id}/time-entries',
          'GET /tickets/{id}/history',
        ].map((routeKey) => tickets({ routeKey, params: { id }, ...scopedTo(acme) })),
      );
      expect(reads.map((r) => r.status)).toEqual([404, 404, 404, 404]);
      expect(reads[0]!.body.detail).toBe(missing.body.detail.replace(/No ticket .*\./, `No ticket ${id}.`));
    }
  });

  it('cannot change another realm’s ticket: PATCH, comments and time entries answer 404 and write nothing', async () => {
    const id = globexTicket.id;
    const patch = await tickets({
      routeKey: 'PATCH /tickets/{id}',
      params: { id },
      ...scopedTo(acme),
      body: { priority: 'P1', version: 1 },
    });
    const comment = await tickets({
      routeKey: 'POST /tickets/{id}/comments',
      params: { id },
      ...scopedTo(acme),
      body: { body: 'hello', visibility: 'public' },
    });
    const time = await tickets({
      routeKey: 'POST /tickets/{id}/time-entries',
      params: { id },
      ...scopedTo(acme),
      body: { minutes: 5 },
    });
    expect([patch.status, comment.status, time.status]).toEqual([404, 404, 404]);
    const after = await tickets({ routeKey: 'GET /tickets/{id}', params: { id }, ...agent });
    expect(after.body).toMatchObject({ version: 1 });
    expect(after.body.priority).not.toBe('P1');
    expect(after.body.comments).toEqual([]);
    // The other realm changes its own ticket as before.
    const own = await tickets({
      routeKey: 'PATCH /tickets/{id}',
      params: { id },
      ...scopedTo(globex),
      body: { priority: 'P2', version: 1 },
    });
    expect(own.status).toBe(200);
  });

  it('cannot open or link a ticket for another realm’s customer (422 naming the field)', async () => {
    const foreign = await openFor(globexCustomer, scopedTo(acme));
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors[0].field).toBe('links');
    expect((await openFor(undefined, scopedTo(acme))).status).toBe(422);
    expect((await openFor(acmeCustomer, scopedTo(acme))).status).toBe(201);
    const current = await tickets({ routeKey: 'GET /tickets/{id}', params: { id: acmeTicket.id }, ...scopedTo(acme) });
    const link = await tickets({
      routeKey: 'PATCH /tickets/{id}',
      params: { id: acmeTicket.id },
      ...scopedTo(acme),
      body: { addLinks: [{ kind: 'account', ref: globexCustomer }], version: current.body.version },
    });
    expect(link.status).toBe(422);
    expect(link.body.errors[0].field).toBe('addLinks');
  });

  it('lists only its realm’s tickets; unscoped staff list all of them', async () => {
    const ids = async (as: As, query: Record<string, string>) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const r = await tickets({
          ...as,
          routeKey: 'GET /tickets',
          query: { ...query, limit: '100', ...(cursor ? { cursor } : {}) },
        });
        expect(r.status).toBe(200);
        seen.push(...r.body.items.map((t: { id: string }) => t.id));
        cursor = r.body.nextCursor;
      } while (cursor);
      return seen;
    };
    for (const query of [{}, { open: 'true', queue: 'support-l1' }] as Record<string, string>[]) {
      const mine = await ids(scopedTo(acme, 'viewer'), query);
      expect(mine).toContain(acmeTicket.id);
      expect(mine).not.toContain(globexTicket.id);
      expect(mine).not.toContain(unlinkedTicket.id);
      const all = await ids(agent, query);
      expect(all).toEqual(expect.arrayContaining([acmeTicket.id, globexTicket.id, unlinkedTicket.id]));
    }
  });
});

// The product catalog and customer routes against DynamoDB Local: TMF620 validation naming the
// field, optimistic locking, and realm scoping (a realm-scoped role neither reads nor changes
// another realm's customers: 404, so ids do not leak).
import { handler as catalogHandler } from '../../functions/ops-catalog/handler';
import { handler as customersHandler } from '../../functions/ops-customers/handler';
import { addSubscription, setServiceState } from '../../shared/app/provisioning/customers';
import { linkTicketToCustomer } from '../../shared/store/customers';
import { call, type EventInput, type Handler } from '../support/http-event';

let seq = 0;
const uid = (p: string) => `${p}-${process.pid.toString(36)}-${Date.now().toString(36)}-${seq++}`;
const catalog = (i: EventInput) => call(catalogHandler as Handler, i);
const customers = (i: EventInput) => call(customersHandler as Handler, i);
const admin = { role: 'admin' as const };
const viewer = { role: 'viewer' as const };

const spec = uid('mobile');
const plan = uid('mobile-m');
const addOn = uid('boost');
const acme = uid('acme');
const globex = uid('globex');
const acmeShop = uid('acme-shop');
const globexBank = uid('globex-bank');
const platform = uid('ocs-adaptor');
const scopedTo = (realm: string, role: 'admin' | 'viewer' = 'admin') => ({
  role,
  claims: { 'custom:realm': realm },
  sub: `scoped-${realm}`,
});

const specBody = {
  id: spec,
  name: 'Mobile',
  lifecycleStatus: 'Active',
  feature: [
    { id: 'line', name: 'Mobile line', driver: 'ocs', platformServiceId: platform },
    { id: 'mail', name: 'Mailbox', driver: 'webhook', config: { url: 'https://mail.example/provision' } },
  ],
};
const monthly = (value: number) => [
  {
    name: 'Monthly',
    priceType: 'recurring',
    recurringChargePeriodType: 'month',
    price: { taxIncludedAmount: { unit: 'EUR', value } },
  },
];

describe('product catalog (TMF620 subset)', () => {
  beforeAll(async () => {
    expect((await catalog({ routeKey: 'POST /productSpecification', body: specBody, ...admin })).status).toBe(201);
  });

  it('creates a plan and an add-on, and lists them', async () => {
    const p = await catalog({
      routeKey: 'POST /productOffering',
      ...admin,
      body: {
        id: plan,
        name: 'Mobile M',
        lifecycleStatus: 'Active',
        offeringType: 'plan',
        productSpecification: { id: spec },
        productOfferingPrice: monthly(20),
        allowance: { dataMb: 10240, voiceMinutes: 500, sms: 100 },
        spendCap: { unit: 'EUR', value: 50 },
      },
    });
    expect(p.status).toBe(201);
    expect(p.headers.location).toBe(`/productOffering/${plan}`);
    expect(p.body).toMatchObject({
      '@type': 'ProductOffering',
      href: `/productOffering/${plan}`,
      version: 1,
      lifecycleStatus: 'Active',
    });
    const a = await catalog({
      routeKey: 'POST /productOffering',
      ...admin,
      body: {
        id: addOn,
        name: 'Data boost',
        lifecycleStatus: 'Active',
        offeringType: 'addOn',
        productSpecification: { id: spec },
        productOfferingPrice: monthly(5),
        allowance: { dataMb: 5120 },
        addOnFor: [plan],
      },
    });
    expect(a.status).toBe(201);
    const list = await catalog({
      routeKey: 'GET /productOffering',
      query: { lifecycleStatus: 'Active', limit: '200' },
      ...viewer,
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([plan, addOn]));
  });

  it('refuses bad input with a 422 naming the field, and stores nothing', async () => {
    const id = uid('bad');
    const r = await catalog({
      routeKey: 'POST /productOffering',
      ...admin,
      body: {
        id,
        name: 'X',
        offeringType: 'plan',
        productSpecification: { id: 'no-such-spec' },
        productOfferingPrice: monthly(1),
      },
    });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'productSpecification.id' })]);
    expect((await catalog({ routeKey: 'GET /productOffering/{id}', params: { id }, ...viewer })).status).toBe(404);

    const w = await catalog({
      routeKey: 'POST /productSpecification',
      ...admin,
      body: { ...specBody, id: uid('s'), feature: [{ id: 'm', name: 'M', driver: 'webhook', config: {} }] },
    });
    expect(w.status).toBe(422);
    expect(w.body.errors[0].field).toBe('feature.0.config.url');
    const d = await catalog({
      routeKey: 'POST /productSpecification',
      ...admin,
      body: { ...specBody, id: uid('s'), feature: [{ id: 'm', name: 'M', driver: 'carrier-pigeon' }] },
    });
    expect(d.status).toBe(422);
    expect(d.body.errors[0].field).toBe('feature.0.driver');
  });

  it('changes are versioned: a stale version is a 409; lifecycle moves are checked', async () => {
    const r1 = await catalog({
      routeKey: 'PATCH /productOffering/{id}',
      params: { id: addOn },
      ...admin,
      body: { name: 'Data boost 5 GB', version: 1 },
    });
    expect(r1.status).toBe(200);
    expect(r1.body.version).toBe(2);
    const stale = await catalog({
      routeKey: 'PATCH /productOffering/{id}',
      params: { id: addOn },
      ...admin,
      body: { name: 'Again', version: 1 },
    });
    expect(stale.status).toBe(409);
    const s = uid('s');
    await catalog({
      routeKey: 'POST /productSpecification',
      ...admin,
      body: { ...specBody, id: s, lifecycleStatus: 'In design' },
    });
    const obsolete = await catalog({
      routeKey: 'PATCH /productSpecification/{id}',
      params: { id: s },
      ...admin,
      body: { lifecycleStatus: 'Obsolete', version: 1 },
    });
    expect(obsolete.status).toBe(200);
    const revive = await catalog({
      routeKey: 'PATCH /productSpecification/{id}',
      params: { id: s },
      ...admin,
      body: { lifecycleStatus: 'Active', version: 2 },
    });
    expect(revive.status).toBe(422);
    expect(revive.body.errors[0].field).toBe('lifecycleStatus');
  });

  it('viewers read, only admins change, and a realm-scoped admin cannot change the shared catalog', async () => {
    expect(
      (await catalog({ routeKey: 'GET /productSpecification/{id}', params: { id: spec }, ...viewer })).status,
    ).toBe(200);
    expect(
      (await catalog({ routeKey: 'POST /productSpecification', body: { ...specBody, id: uid('s') }, ...viewer }))
        .status,
    ).toBe(403);
    expect(
      (
        await catalog({
          routeKey: 'POST /productSpecification',
          body: { ...specBody, id: uid('s') },
          ...scopedTo(acme),
        })
      ).status,
    ).toBe(403);
    expect(
      (await catalog({ routeKey: 'GET /productOffering/{id}', params: { id: plan }, ...scopedTo(acme, 'viewer') }))
        .status,
    ).toBe(200);
  });
});

describe('customers and realm scoping', () => {
  const acmeCustomer = uid('jane');
  const globexCustomer = uid('joe');

  beforeAll(async () => {
    for (const [realm, org] of [
      [acme, acmeShop],
      [globex, globexBank],
    ] as const) {
      expect((await customers({ routeKey: 'POST /realms', ...admin, body: { id: realm, name: realm } })).status).toBe(
        201,
      );
      expect(
        (await customers({ routeKey: 'POST /organizations', ...admin, body: { id: org, realmId: realm, name: org } }))
          .status,
      ).toBe(201);
    }
    // The acme admin creates acme's customer itself.
    const c = await customers({
      routeKey: 'POST /customers',
      ...scopedTo(acme),
      headers: { 'idempotency-key': 'k1' },
      body: { id: acmeCustomer, organizationId: acmeShop, name: 'Jane', contact: { email: 'jane@acme.example' } },
    });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ realmId: acme, organizationId: acmeShop, status: 'active', paymentMethod: 'card' });
    expect(
      (
        await customers({
          routeKey: 'POST /customers',
          ...admin,
          body: { id: globexCustomer, organizationId: globexBank, name: 'Joe' },
        })
      ).status,
    ).toBe(201);
  });

  it('a retried POST with the same Idempotency-Key answers the same account; without one a duplicate id is 409', async () => {
    const again = await customers({
      routeKey: 'POST /customers',
      ...scopedTo(acme),
      headers: { 'idempotency-key': 'k1' },
      body: { id: acmeCustomer, organizationId: acmeShop, name: 'Jane', contact: { email: 'jane@acme.example' } },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(acmeCustomer);
    const dup = await customers({
      routeKey: 'POST /customers',
      ...admin,
      body: { id: acmeCustomer, organizationId: acmeShop, name: 'Other' },
    });
    expect(dup.status).toBe(409);
  });

  it('a realm-scoped role reads its own customers and gets 404 for another realm’s', async () => {
    const mine = await customers({
      routeKey: 'GET /customers/{id}',
      params: { id: acmeCustomer },
      ...scopedTo(acme, 'viewer'),
    });
    expect(mine.status).toBe(200);
    const theirs = await customers({
      routeKey: 'GET /customers/{id}',
      params: { id: globexCustomer },
      ...scopedTo(acme, 'viewer'),
    });
    const missing = await customers({
      routeKey: 'GET /customers/{id}',
      params: { id: uid('nobody') },
      ...scopedTo(acme, 'viewer'),
    });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body.detail.replace(globexCustomer, 'X')).toBe(
      missing.body.detail.replace(/No customer with id \S+\./, 'No customer with id X.'),
    );
    expect(
      (await customers({ routeKey: 'GET /organizations/{id}', params: { id: globexBank }, ...scopedTo(acme) })).status,
    ).toBe(404);
    expect((await customers({ routeKey: 'GET /realms/{id}', params: { id: globex }, ...scopedTo(acme) })).status).toBe(
      404,
    );
    // Unscoped staff see both.
    expect(
      (await customers({ routeKey: 'GET /customers/{id}', params: { id: globexCustomer }, ...viewer })).status,
    ).toBe(200);
  });

  it('a realm-scoped role cannot create anything in another realm (the answer does not reveal it exists)', async () => {
    const c = await customers({
      routeKey: 'POST /customers',
      ...scopedTo(acme),
      body: { id: uid('x'), organizationId: globexBank, name: 'Mallory' },
    });
    expect(c.status).toBe(422);
    expect(c.body.errors).toEqual([{ field: 'organizationId', message: `no organization ${globexBank}` }]);
    const o = await customers({
      routeKey: 'POST /organizations',
      ...scopedTo(acme),
      body: { id: uid('o'), realmId: globex, name: 'Evil' },
    });
    expect(o.status).toBe(422);
    expect(
      (await customers({ routeKey: 'POST /realms', ...scopedTo(acme), body: { id: uid('r'), name: 'R' } })).status,
    ).toBe(403);
  });

  it('lists only what is inside the scope', async () => {
    const list = await customers({ routeKey: 'GET /customers', ...scopedTo(acme, 'viewer') });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([acmeCustomer]);
    const asked = await customers({
      routeKey: 'GET /customers',
      query: { realm: globex },
      ...scopedTo(acme, 'viewer'),
    });
    expect(asked.body.items).toEqual([]);
    const realms = await customers({ routeKey: 'GET /realms', ...scopedTo(acme, 'viewer') });
    expect(realms.body.items.map((r: { id: string }) => r.id)).toEqual([acme]);
    const unscoped = await customers({ routeKey: 'GET /customers', ...viewer });
    expect(unscoped.status).toBe(422);
    expect(unscoped.body.errors[0].field).toBe('realm');
  });

  it('the customer view shows subscriptions, services and their states, and linked tickets', async () => {
    const now = '2026-11-30T02:00:00.000Z';
    await addSubscription(
      { customerId: acmeCustomer, subscriptionId: `${acmeCustomer}-s1`, offeringId: plan },
      { operationKey: uid('k'), now },
    );
    await setServiceState(
      acmeCustomer,
      `${acmeCustomer}-s1.line`,
      'active',
      { operationKey: uid('k'), now },
      { externalId: 'sub-42' },
    );
    const v = await customers({
      routeKey: 'GET /customers/{id}',
      params: { id: acmeCustomer },
      ...scopedTo(acme, 'viewer'),
    });
    expect(v.status).toBe(200);
    expect(v.body.realm).toEqual({ id: acme, name: acme });
    expect(v.body.subscriptions).toHaveLength(1);
    expect(v.body.subscriptions[0]).toMatchObject({ offeringId: plan, state: 'mixed' });
    expect(
      v.body.subscriptions[0].services.map((s: { featureId: string; state: string }) => [s.featureId, s.state]),
    ).toEqual([
      ['line', 'active'],
      ['mail', 'inactive'],
    ]);
    expect(v.body.openOrders).toEqual([]);
    expect(v.body.incidents).toEqual([]);

    const onPlatform = await customers({
      routeKey: 'GET /services/{id}/customers',
      params: { id: platform },
      ...scopedTo(acme, 'viewer'),
    });
    expect(onPlatform.body.items.map((c: { customerId: string }) => c.customerId)).toEqual([acmeCustomer]);
    const fromGlobex = await customers({
      routeKey: 'GET /services/{id}/customers',
      params: { id: platform },
      ...scopedTo(globex, 'viewer'),
    });
    expect(fromGlobex.body.items).toEqual([]);
    await linkTicketToCustomer(acmeCustomer, 'no-such-ticket', now);
    const v2 = await customers({ routeKey: 'GET /customers/{id}', params: { id: acmeCustomer }, ...viewer });
    expect(v2.body.tickets).toEqual([]);
  });
});

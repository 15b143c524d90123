// Which saga an order runs, and what it refuses before anything starts (unknown offering, a
// malformed body, a change to a terminated product, mixed kinds...), each naming the field.
import { ValidationError } from '../../../shared/domain/errors';
import { planOrder } from '../../../shared/domain/orders/plan';
import { productOrderCreateSchema, type ProductOrderCreate } from '../../../shared/domain/orders/requests';
import { ctx, customer, lookups, newCustomerOrder } from './fixtures';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a ValidationError');
};

const existing = (items: ProductOrderCreate['productOrderItem']): ProductOrderCreate => ({
  relatedParty: [{ role: 'customer', id: 'cust-1' }],
  productOrderItem: items,
});

describe('TMF622 body', () => {
  it('accepts the supported subset and TMF @-markers', () => {
    const r = productOrderCreateSchema.safeParse({
      ...newCustomerOrder(),
      '@type': 'ProductOrder',
      productOrderItem: [
        { id: '1', action: 'add', productOffering: { id: 'mobile-m', '@referredType': 'ProductOffering' } },
      ],
    });
    expect(r.success).toBe(true);
  });

  it.each([
    ['an unknown field', { ...newCustomerOrder(), orderTotalPrice: [] }, ''],
    [
      'an unsupported action',
      { ...newCustomerOrder(), productOrderItem: [{ id: '1', action: 'noChange' }] },
      'productOrderItem.0.action',
    ],
    ['no items', { ...newCustomerOrder(), productOrderItem: [] }, 'productOrderItem'],
    [
      'duplicate item ids',
      {
        ...newCustomerOrder(),
        productOrderItem: [
          { id: '1', action: 'add' },
          { id: '1', action: 'add' },
        ],
      },
      'productOrderItem',
    ],
    [
      'a bad payment type',
      { ...newCustomerOrder(), payment: [{ '@referredType': 'Cheque' }] },
      'payment.0.@referredType',
    ],
    [
      'quantity above one',
      { ...newCustomerOrder(), productOrderItem: [{ id: '1', action: 'add', quantity: 2 }] },
      'productOrderItem.0.quantity',
    ],
  ])('refuses %s, naming the field', (_what, body, field) => {
    const r = productOrderCreateSchema.safeParse(body);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});

describe('new customer', () => {
  it('plans customer, payment, the plan on the OCS and every feature as a service, with ids decided up front', () => {
    const r = planOrder(newCustomerOrder(), lookups(null), ctx);
    expect(r.kind).toBe('newCustomer');
    expect(r.customerId).toBe('cust-01order');
    expect(r.plan).toMatchObject({
      orderId: '01ORDER',
      mode: 'run',
      customer: {
        id: 'cust-01order',
        name: 'Ada Lovelace',
        organizationId: 'acme-shop',
        existing: false,
        email: 'ada@example.com',
      },
      payment: { method: 'cash', amount: { value: 25, unit: 'EUR' } },
      plan: { subscriptionId: 'sub-01order-1', offeringId: 'mobile-m', ocs: { spendCap: 50 } },
      manualTimeoutSeconds: 600,
      notify: { customer: 'ada@example.com', requester: 'sam@ops.example' },
    });
    // The plan's OCS features are the line, activated first; everything else is enabled in parallel.
    expect(r.plan.network.map((s) => [s.key, s.serviceId, s.driver, s.op])).toEqual([
      ['1.data', 'sub-01order-1.data', 'ocs', 'provision'],
      ['1.voice', 'sub-01order-1.voice', 'ocs', 'provision'],
    ]);
    expect(r.plan.services.map((s) => [s.key, s.serviceId, s.driver, s.op])).toEqual([
      ['2.roaming', 'sub-01order-2.roaming', 'webhook', 'provision'],
    ]);
  });

  it('card payment is pre-authorized', () => {
    const r = planOrder(
      newCustomerOrder({ payment: [{ '@referredType': 'BankCard', id: 'tok-1' }] }),
      lookups(null),
      ctx,
    );
    expect(r.plan.payment).toMatchObject({ method: 'card', reference: 'tok-1' });
  });

  it('an unknown or retired offering is refused, naming the item', () => {
    const body = newCustomerOrder({
      productOrderItem: [
        { id: '1', action: 'add', quantity: 1, productOffering: { id: 'nope' } },
        { id: '2', action: 'add', quantity: 1, productOffering: { id: 'mobile-xs-2019' } },
      ],
    });
    expect(issuesOf(() => planOrder(body, lookups(null), ctx))).toEqual([
      { field: 'productOrderItem.0.productOffering.id', message: 'No product offering nope in the catalog.' },
      { field: 'productOrderItem.1.productOffering.id', message: expect.stringContaining('not sellable') },
    ]);
  });

  it('needs exactly one plan, a payment method and an organization', () => {
    const body = newCustomerOrder({
      payment: undefined,
      relatedParty: [{ role: 'customer', name: 'Ada' }],
      productOrderItem: [{ id: '1', action: 'add', quantity: 1, productOffering: { id: 'roaming-pack' } }],
    });
    expect(issuesOf(() => planOrder(body, lookups(null), ctx)).map((i) => i.field)).toEqual([
      'relatedParty',
      'payment',
      'productOrderItem',
    ]);
  });

  it('an add-on must fit the plan', () => {
    const body = newCustomerOrder({
      productOrderItem: [
        { id: '1', action: 'add', quantity: 1, productOffering: { id: 'mobile-l' } },
        { id: '2', action: 'add', quantity: 1, productOffering: { id: 'roaming-m-only' } },
      ],
    });
    const l = lookups(null);
    l.offerings.set('roaming-m-only', {
      id: 'roaming-m-only',
      name: 'Roaming (M)',
      role: 'addOn',
      sellable: true,
      addOnFor: ['mobile-m'],
      features: [],
    });
    expect(issuesOf(() => planOrder(body, l, ctx))).toEqual([
      { field: 'productOrderItem.1.productOffering.id', message: 'roaming-m-only fits mobile-m, not mobile-l.' },
    ]);
  });

  it('a new customer cannot modify or delete', () => {
    const body = newCustomerOrder({
      productOrderItem: [{ id: '1', action: 'modify', quantity: 1, product: { id: 'x', productCharacteristic: [] } }],
    });
    expect(issuesOf(() => planOrder(body, lookups(null), ctx))).toEqual([
      { field: 'productOrderItem.0.action', message: expect.any(String) },
    ]);
  });
});

describe('existing customer', () => {
  it('add-on → addService; its subscription and services are new', () => {
    const r = planOrder(
      existing([{ id: '1', action: 'add', quantity: 1, productOffering: { id: 'sim-delivery' } }]),
      lookups(),
      ctx,
    );
    expect(r.kind).toBe('addService');
    expect(r.plan.items).toEqual([
      expect.objectContaining({
        op: 'add',
        subscriptionId: 'sub-01order-1',
        services: [expect.objectContaining({ driver: 'manual', op: 'provision' })],
      }),
    ]);
  });

  it('delete of an add-on → removeService; delete of the plan → terminate everything (final bill)', () => {
    expect(
      planOrder(
        existing([{ id: '1', action: 'delete', quantity: 1, product: { id: 'sub-roam', productCharacteristic: [] } }]),
        lookups(),
        ctx,
      ).kind,
    ).toBe('removeService');
    const t = planOrder(
      existing([{ id: '1', action: 'delete', quantity: 1, product: { id: 'sub-plan', productCharacteristic: [] } }]),
      lookups(),
      ctx,
    );
    expect(t.kind).toBe('terminate');
    expect(t.plan.finalBill).toBe(true);
    expect(t.plan.items.map((i) => i.subscriptionId)).toEqual(['sub-roam', 'sub-plan']);
    expect(t.plan.services.map((s) => s.serviceId)).toEqual(['svc-roam', 'svc-data']);
  });

  it('modify with a new offering → changePlan, with both plans’ OCS settings', () => {
    const r = planOrder(
      existing([
        {
          id: '1',
          action: 'modify',
          quantity: 1,
          productOffering: { id: 'mobile-l' },
          product: { id: 'sub-plan', productCharacteristic: [] },
        },
      ]),
      lookups(),
      ctx,
    );
    expect(r.kind).toBe('changePlan');
    expect(r.plan.items[0]).toMatchObject({
      op: 'changePlan',
      offeringId: 'mobile-l',
      fromOfferingId: 'mobile-m',
      ocs: { dataMb: 30720 },
      fromOcs: { dataMb: 10240 },
    });
  });

  it('modify status suspended / active → suspend / resume', () => {
    expect(
      planOrder(
        existing([
          {
            id: '1',
            action: 'modify',
            quantity: 1,
            product: { id: 'sub-plan', status: 'suspended', productCharacteristic: [] },
          },
        ]),
        lookups(),
        ctx,
      ).kind,
    ).toBe('suspend');
    const suspended = {
      ...customer,
      subscriptions: customer.subscriptions.map((s) =>
        s.id === 'sub-plan' ? { ...s, state: 'suspended' as const } : s,
      ),
    };
    expect(
      planOrder(
        existing([
          {
            id: '1',
            action: 'modify',
            quantity: 1,
            product: { id: 'sub-plan', status: 'active', productCharacteristic: [] },
          },
        ]),
        lookups(suspended),
        ctx,
      ).kind,
    ).toBe('resume');
  });

  it.each([
    [
      'modify of a terminated product',
      [
        {
          id: '1',
          action: 'modify' as const,
          quantity: 1 as const,
          productOffering: { id: 'mobile-l' },
          product: { id: 'sub-old', productCharacteristic: [] },
        },
      ],
      'productOrderItem.0.product.id',
      /terminated/,
    ],
    [
      'suspend of a terminated product',
      [
        {
          id: '1',
          action: 'modify' as const,
          quantity: 1 as const,
          product: { id: 'sub-old', status: 'suspended' as const, productCharacteristic: [] },
        },
      ],
      'productOrderItem.0.product.id',
      /terminated/,
    ],
    [
      'resume of an active product',
      [
        {
          id: '1',
          action: 'modify' as const,
          quantity: 1 as const,
          product: { id: 'sub-plan', status: 'active' as const, productCharacteristic: [] },
        },
      ],
      'productOrderItem.0.product.status',
      /is active/,
    ],
    [
      'a product the customer does not have',
      [
        {
          id: '1',
          action: 'delete' as const,
          quantity: 1 as const,
          product: { id: 'sub-x', productCharacteristic: [] },
        },
      ],
      'productOrderItem.0.product.id',
      /no product/,
    ],
    [
      'a plan as add-on',
      [{ id: '1', action: 'add' as const, quantity: 1 as const, productOffering: { id: 'mobile-l' } }],
      'productOrderItem.0.productOffering.id',
      /is a plan/,
    ],
    [
      'the plan it already has',
      [
        {
          id: '1',
          action: 'modify' as const,
          quantity: 1 as const,
          productOffering: { id: 'mobile-m' },
          product: { id: 'sub-plan', productCharacteristic: [] },
        },
      ],
      'productOrderItem.0.productOffering.id',
      /already on/,
    ],
  ])('refuses %s', (_what, items, field, message) => {
    expect(issuesOf(() => planOrder(existing(items), lookups(), ctx))).toEqual([
      { field, message: expect.stringMatching(message) },
    ]);
  });

  it('refuses mixed kinds and unknown or terminated customers', () => {
    const mixed = existing([
      { id: '1', action: 'add', quantity: 1, productOffering: { id: 'roaming-pack' } },
      { id: '2', action: 'delete', quantity: 1, product: { id: 'sub-roam', productCharacteristic: [] } },
    ]);
    expect(issuesOf(() => planOrder(mixed, lookups(), ctx))).toEqual([
      { field: 'productOrderItem', message: expect.stringMatching(/one kind/) },
    ]);
    const add = existing([{ id: '1', action: 'add', quantity: 1, productOffering: { id: 'roaming-pack' } }]);
    expect(issuesOf(() => planOrder(add, lookups(null), ctx))).toEqual([
      { field: 'relatedParty', message: 'No customer cust-1.' },
    ]);
    expect(issuesOf(() => planOrder(add, lookups({ ...customer, state: 'terminated' }), ctx))).toEqual([
      { field: 'relatedParty', message: expect.stringMatching(/terminated/) },
    ]);
  });
});

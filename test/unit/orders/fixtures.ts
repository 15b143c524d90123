// Catalog and customer fixtures for the order tests: a mobile plan (data, voice, OCS settings), a
// bigger plan, an add-on, one with a manual feature, and a retired offering.
import type { CustomerInfo, OfferingInfo, PlanLookups } from '../../../shared/domain/orders/plan';
import type { ProductOrderCreate } from '../../../shared/domain/orders/requests';

export const offerings: OfferingInfo[] = [
  {
    id: 'mobile-m',
    name: 'Mobile M',
    role: 'plan',
    sellable: true,
    upfrontAmount: { value: 25, unit: 'EUR' },
    ocs: { dataMb: 10240, voiceMinutes: 500, spendCap: 50 },
    features: [
      { specId: 'data', name: 'Mobile data', driver: 'ocs' },
      { specId: 'voice', name: 'Voice', driver: 'ocs' },
    ],
  },
  {
    id: 'mobile-l',
    name: 'Mobile L',
    role: 'plan',
    sellable: true,
    ocs: { dataMb: 30720, voiceMinutes: 1000, spendCap: 80 },
    features: [{ specId: 'data', name: 'Mobile data', driver: 'ocs' }],
  },
  {
    id: 'roaming-pack',
    name: 'Roaming pack',
    role: 'addOn',
    sellable: true,
    features: [{ specId: 'roaming', name: 'Roaming', driver: 'webhook' }],
  },
  {
    id: 'sim-delivery',
    name: 'SIM delivery',
    role: 'addOn',
    sellable: true,
    features: [{ specId: 'sim', name: 'SIM card', driver: 'manual' }],
  },
  { id: 'mobile-xs-2019', name: 'Mobile XS (2019)', role: 'plan', sellable: false, features: [] },
];

export const customer: CustomerInfo = {
  id: 'cust-1',
  name: 'Ada',
  realmId: 'acme',
  state: 'active',
  subscriptions: [
    {
      id: 'sub-plan',
      offeringId: 'mobile-m',
      role: 'plan',
      state: 'active',
      services: [{ id: 'svc-data', specId: 'data', driver: 'ocs', state: 'active' }],
    },
    {
      id: 'sub-roam',
      offeringId: 'roaming-pack',
      role: 'addOn',
      state: 'active',
      services: [{ id: 'svc-roam', specId: 'roaming', driver: 'webhook', state: 'active' }],
    },
    { id: 'sub-old', offeringId: 'roaming-pack', role: 'addOn', state: 'terminated', services: [] },
  ],
};

/** Catalog lookups; `null`: no such customer. */
export function lookups(c: CustomerInfo | null = customer): PlanLookups {
  return { offerings: new Map(offerings.map((o) => [o.id, o])), customer: c ?? undefined };
}

export function newCustomerOrder(overrides: Partial<ProductOrderCreate> = {}): ProductOrderCreate {
  return {
    externalId: 'CRM-1',
    notificationContact: 'ada@example.com',
    relatedParty: [
      { role: 'customer', name: 'Ada Lovelace' },
      { role: 'organization', id: 'acme-shop' },
    ],
    payment: [{ '@referredType': 'Cash' }],
    productOrderItem: [
      { id: '1', action: 'add', quantity: 1, productOffering: { id: 'mobile-m' } },
      { id: '2', action: 'add', quantity: 1, productOffering: { id: 'roaming-pack' } },
    ],
    ...overrides,
  };
}

export const ctx = {
  orderId: '01ORDER',
  requester: { id: 'u1', name: 'Sam', email: 'sam@ops.example' },
  manualTimeoutSeconds: 600,
};

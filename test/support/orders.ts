// Product-order test data through the real stores: a realm and organization, a mobile plan whose
// line runs on the OCS, a second plan, an add-on enabled by webhook... and one by a person.
import { createOrganization, createRealm } from '../../shared/store/customers';
import { createProductOffering, createProductSpecification } from '../../shared/store/product-catalog';

const price = (value: number) => [
  {
    name: 'Monthly',
    priceType: 'recurring' as const,
    recurringChargePeriodType: 'month' as const,
    price: { taxIncludedAmount: { unit: 'EUR', value } },
  },
];

export interface OrderCatalogFixture {
  organizationId: string;
  planM: string;
  planL: string;
  voicemail: string;
  simDelivery: string;
}

/** `featureCount` OCS features on the plan (the bench uses 3). `webhookUrl`: where the voicemail add-on's webhook goes. */
export async function givenOrderCatalog(
  opts: { prefix?: string; webhookUrl?: string; planFeatures?: number } = {},
): Promise<OrderCatalogFixture> {
  const p = opts.prefix ?? `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 5)}`;
  const now = new Date().toISOString();
  await createRealm({ id: `${p}-realm`, name: 'Acme' }, now);
  await createOrganization({ id: `${p}-org`, realmId: `${p}-realm`, name: 'Acme Mobile' }, now);
  const lineFeatures = Array.from({ length: opts.planFeatures ?? 1 }, (_, i) => ({
    id: i === 0 ? 'line' : `line-${i + 1}`,
    name: i === 0 ? 'Mobile line' : `Extra line ${i + 1}`,
    driver: 'ocs' as const,
  }));
  await createProductSpecification(
    { id: `${p}-mobile`, name: 'Mobile', lifecycleStatus: 'Active', feature: lineFeatures },
    now,
  );
  await createProductSpecification(
    {
      id: `${p}-voicemail`,
      name: 'Voicemail',
      lifecycleStatus: 'Active',
      feature: [
        {
          id: 'voicemail',
          name: 'Voicemail box',
          driver: 'webhook',
          config: { url: opts.webhookUrl ?? 'http://127.0.0.1:9/unused' },
        },
      ],
    },
    now,
  );
  await createProductSpecification(
    {
      id: `${p}-sim`,
      name: 'SIM delivery',
      lifecycleStatus: 'Active',
      feature: [{ id: 'sim', name: 'SIM card delivery', driver: 'manual', config: { queueId: 'provisioning' } }],
    },
    now,
  );
  const plan = (id: string, value: number, dataMb: number) =>
    createProductOffering(
      {
        id,
        name: id,
        lifecycleStatus: 'Active',
        offeringType: 'plan',
        productSpecification: { id: `${p}-mobile` },
        productOfferingPrice: price(value),
        allowance: { dataMb, voiceMinutes: 500 },
        spendCap: { unit: 'EUR', value: 50 },
      },
      now,
    );
  await plan(`${p}-mobile-m`, 20, 10240);
  await plan(`${p}-mobile-l`, 30, 30720);
  await createProductOffering(
    {
      id: `${p}-voicemail`,
      name: 'Voicemail',
      lifecycleStatus: 'Active',
      offeringType: 'addOn',
      productSpecification: { id: `${p}-voicemail` },
      productOfferingPrice: price(2),
    },
    now,
  );
  await createProductOffering(
    {
      id: `${p}-sim-delivery`,
      name: 'SIM delivery',
      lifecycleStatus: 'Active',
      offeringType: 'addOn',
      productSpecification: { id: `${p}-sim` },
      productOfferingPrice: price(5),
    },
    now,
  );
  return {
    organizationId: `${p}-org`,
    planM: `${p}-mobile-m`,
    planL: `${p}-mobile-l`,
    voicemail: `${p}-voicemail`,
    simDelivery: `${p}-sim-delivery`,
  };
}

let n = 0;

/** A TMF622 body for a new customer: the plan and any add-ons. */
export function newCustomerOrderBody(
  c: OrderCatalogFixture,
  opts: { addOns?: string[]; externalId?: string; name?: string; payment?: 'Cash' | 'BankCard' } = {},
) {
  n += 1;
  return {
    externalId: opts.externalId,
    notificationContact: `customer${n}@example.com`,
    relatedParty: [
      { role: 'customer', name: opts.name ?? `Customer ${n}` },
      { role: 'organization', id: c.organizationId },
    ],
    payment: [{ '@referredType': opts.payment ?? 'Cash' }],
    productOrderItem: [
      { id: '1', action: 'add', productOffering: { id: c.planM } },
      ...(opts.addOns ?? []).map((id, i) => ({ id: String(i + 2), action: 'add', productOffering: { id } })),
    ],
  };
}

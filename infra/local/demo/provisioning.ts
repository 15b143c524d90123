// Demo product catalog and customers for `npm start`: a mobile plan (data/voice/SMS allowances, a
// spend cap) in two sizes, a data add-on, a SIM delivery step done by a person, and two realms
// (acme, globex) with an organization, a site, a user and a customer each. demo-realm-acme-token
// sees acme only. Create-if-missing: restarts keep what is there.
import { ConflictError } from '../../../shared/domain/errors';
import type { ProductOfferingInput } from '../../../shared/domain/provisioning/catalog';
import {
  createCustomer,
  createCustomerUser,
  createOrganization,
  createRealm,
  createSite,
} from '../../../shared/store/customers';
import { createProductOffering, createProductSpecification } from '../../../shared/store/product-catalog';
import type { DemoSeedContext } from './index';

const monthly = (value: number) => ({
  name: 'Monthly fee',
  priceType: 'recurring' as const,
  recurringChargePeriodType: 'month' as const,
  price: { taxIncludedAmount: { unit: 'EUR', value } },
});

const offerings: ProductOfferingInput[] = [
  {
    id: 'mobile-m',
    name: 'Mobile M',
    description: '10 GB, 500 minutes, 100 SMS; out-of-bundle spend capped at 50 EUR',
    lifecycleStatus: 'Active',
    offeringType: 'plan',
    productSpecification: { id: 'mobile' },
    productOfferingPrice: [
      monthly(20),
      { name: 'Activation', priceType: 'oneTime', price: { taxIncludedAmount: { unit: 'EUR', value: 10 } } },
    ],
    allowance: { dataMb: 10240, voiceMinutes: 500, sms: 100 },
    spendCap: { unit: 'EUR', value: 50 },
  },
  {
    id: 'mobile-l',
    name: 'Mobile L',
    description: '50 GB, unlimited-ish minutes, 1000 SMS; spend capped at 100 EUR',
    lifecycleStatus: 'Active',
    offeringType: 'plan',
    productSpecification: { id: 'mobile' },
    productOfferingPrice: [monthly(35)],
    allowance: { dataMb: 51200, voiceMinutes: 5000, sms: 1000 },
    spendCap: { unit: 'EUR', value: 100 },
  },
  {
    id: 'data-boost-5gb',
    name: 'Data boost 5 GB',
    lifecycleStatus: 'Active',
    offeringType: 'addOn',
    productSpecification: { id: 'data-boost' },
    productOfferingPrice: [monthly(5)],
    allowance: { dataMb: 5120 },
    addOnFor: ['mobile-m', 'mobile-l'],
  },
  {
    id: 'sim-card-delivery',
    name: 'SIM card delivery',
    description: 'A person posts a SIM card (a manual step: a ticket in the provisioning queue)',
    lifecycleStatus: 'Active',
    offeringType: 'addOn',
    productSpecification: { id: 'sim-delivery' },
    productOfferingPrice: [
      { name: 'Delivery', priceType: 'oneTime', price: { taxIncludedAmount: { unit: 'EUR', value: 5 } } },
    ],
    addOnFor: ['mobile-m', 'mobile-l'],
  },
];

async function ignoreExisting(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
  }
}

export async function seedProvisioningDemo({ now }: DemoSeedContext): Promise<void> {
  await ignoreExisting(
    createProductSpecification(
      {
        id: 'mobile',
        name: 'Mobile line',
        lifecycleStatus: 'Active',
        feature: [{ id: 'line', name: 'Mobile line on the OCS', driver: 'ocs', platformServiceId: 'ocs-adaptor' }],
      },
      now,
    ),
  );
  await ignoreExisting(
    createProductSpecification(
      {
        id: 'data-boost',
        name: 'Data boost',
        lifecycleStatus: 'Active',
        feature: [{ id: 'boost', name: 'Extra data on the OCS', driver: 'ocs', platformServiceId: 'ocs-adaptor' }],
      },
      now,
    ),
  );
  await ignoreExisting(
    createProductSpecification(
      {
        id: 'sim-delivery',
        name: 'SIM card delivery',
        lifecycleStatus: 'Active',
        feature: [{ id: 'sim-card', name: 'Post a SIM card', driver: 'manual', config: { queueId: 'provisioning' } }],
      },
      now,
    ),
  );
  for (const o of offerings) await ignoreExisting(createProductOffering(o, now));

  for (const [realm, name, org, orgName, site, user, customer, customerName] of [
    [
      'acme',
      'Acme Mobile (MVNO)',
      'acme-shop',
      'Acme Corner Shop',
      'acme-shop-hq',
      'acme-shop-owner',
      'acme-jane',
      'Jane Doe',
    ],
    [
      'globex',
      'Globex Telecom',
      'globex-bank',
      'Globex Bank',
      'globex-bank-hq',
      'globex-bank-it',
      'globex-joe',
      'Joe Bloggs',
    ],
  ] as const) {
    await ignoreExisting(createRealm({ id: realm, name }, now));
    await ignoreExisting(createOrganization({ id: org, realmId: realm, name: orgName }, now));
    await ignoreExisting(createSite({ id: site, organizationId: org, realmId: realm, name: `${orgName} HQ` }, now));
    await ignoreExisting(
      createCustomerUser(
        {
          id: user,
          organizationId: org,
          realmId: realm,
          siteId: site,
          name: `${orgName} admin`,
          email: `${user}@${realm}.example`,
          role: 'owner',
        },
        now,
      ),
    );
    await createCustomer(
      {
        id: customer,
        organizationId: org,
        realmId: realm,
        siteId: site,
        name: customerName,
        contact: { email: `${customer}@${realm}.example` },
        paymentMethod: 'card',
      },
      { operationKey: `demo:customer:${customer}`, now },
    ).catch((err: unknown) => {
      if (!(err instanceof ConflictError)) throw err;
    });
  }
}

// The customer/service API order sagas call, against DynamoDB Local: every call idempotent by
// operation key, TMF638 transitions enforced, compensations remove what was added.
import {
  addSubscription,
  closeCustomerAccount,
  createCustomerAccount,
  removeCustomerAccount,
  removeCustomerSubscription,
  setServiceState,
} from '../../shared/app/provisioning/customers';
import { ValidationError } from '../../shared/domain/errors';
import { IllegalServiceTransitionError } from '../../shared/domain/provisioning/service-state';
import {
  createOrganization,
  createRealm,
  customerPartition,
  findService,
  OperationKeyReusedError,
  servicesOnPlatform,
} from '../../shared/store/customers';
import { createProductOffering, createProductSpecification } from '../../shared/store/product-catalog';

let seq = 0;
const uid = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
const now = '2026-11-30T01:00:00.000Z';
const ctx = (key: string) => ({ operationKey: key, now });

const realm = uid('realm');
const org = uid('org');
const spec = uid('spec');
const plan = uid('plan');
const platform = uid('ocs-adaptor');

beforeAll(async () => {
  await createRealm({ id: realm, name: 'Acme' }, now);
  await createOrganization({ id: org, realmId: realm, name: 'Acme Shop' }, now);
  await createProductSpecification(
    {
      id: spec,
      name: 'Mobile',
      lifecycleStatus: 'Active',
      feature: [
        { id: 'mobile', name: 'Mobile line', driver: 'ocs', platformServiceId: platform },
        { id: 'voicemail', name: 'Voicemail', driver: 'webhook', config: { url: 'https://vm.example/hook' } },
      ],
    },
    now,
  );
  await createProductOffering(
    {
      id: plan,
      name: 'Mobile M',
      lifecycleStatus: 'Active',
      offeringType: 'plan',
      productSpecification: { id: spec },
      productOfferingPrice: [
        {
          name: 'Monthly',
          priceType: 'recurring',
          recurringChargePeriodType: 'month',
          price: { taxIncludedAmount: { unit: 'EUR', value: 20 } },
        },
      ],
      allowance: { dataMb: 10240, voiceMinutes: 500 },
      spendCap: { unit: 'EUR', value: 50 },
    },
    now,
  );
});

async function givenCustomer() {
  const id = uid('cust');
  await createCustomerAccount({ id, organizationId: org, name: 'Jane', paymentMethod: 'card' }, ctx(`${id}:create`));
  return id;
}

describe('customer accounts', () => {
  it('a retried create with the same operation key creates one account and answers the same', async () => {
    const id = uid('cust');
    const a = await createCustomerAccount(
      { id, organizationId: org, name: 'Jane', paymentMethod: 'card' },
      ctx(`${id}:k`),
    );
    const b = await createCustomerAccount(
      { id, organizationId: org, name: 'Jane', paymentMethod: 'card' },
      ctx(`${id}:k`),
    );
    expect(b).toEqual(a);
    expect(a).toMatchObject({ realmId: realm, organizationId: org, status: 'active' });
  });

  it('a second create of the same id with another key is a conflict', async () => {
    const id = await givenCustomer();
    await expect(
      createCustomerAccount({ id, organizationId: org, name: 'X', paymentMethod: 'card' }, ctx(uid('k'))),
    ).rejects.toMatchObject({
      name: 'ConflictError',
    });
  });

  it('an unknown organization is refused naming the field', async () => {
    const err = await createCustomerAccount(
      { id: uid('c'), organizationId: 'nope', name: 'X', paymentMethod: 'card' },
      ctx(uid('k')),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues[0]!.field).toBe('organizationId');
  });

  it('the same key for another operation is refused', async () => {
    const id = await givenCustomer();
    await expect(removeCustomerAccount(id, ctx(`${id}:create`))).rejects.toBeInstanceOf(OperationKeyReusedError);
  });
});

describe('subscriptions and services', () => {
  it('adds a subscription with one inactive service per feature, once per key', async () => {
    const id = await givenCustomer();
    const sub = `${id}-s1`;
    const a = await addSubscription(
      { customerId: id, subscriptionId: sub, offeringId: plan, orderId: 'o1' },
      ctx(`${id}:sub`),
    );
    const b = await addSubscription(
      { customerId: id, subscriptionId: sub, offeringId: plan, orderId: 'o1' },
      ctx(`${id}:sub`),
    );
    expect(b).toEqual(a);
    expect(a.services.map((s) => [s.id, s.driver, s.state])).toEqual([
      [`${sub}.mobile`, 'ocs', 'inactive'],
      [`${sub}.voicemail`, 'webhook', 'inactive'],
    ]);
    const p = await customerPartition(id);
    expect(p.subscriptions).toHaveLength(1);
    expect(p.services).toHaveLength(2);
    expect(await findService(`${sub}.mobile`)).toMatchObject({ customerId: id });
    expect((await servicesOnPlatform(platform)).map((s) => s.id)).toContain(`${sub}.mobile`);
  });

  it('an unknown offering is refused naming the field', async () => {
    const id = await givenCustomer();
    const err = await addSubscription(
      { customerId: id, subscriptionId: `${id}-s`, offeringId: 'nope' },
      ctx(uid('k')),
    ).catch((e: unknown) => e);
    expect((err as ValidationError).issues[0]!.field).toBe('offeringId');
  });

  it('moves services through TMF638 states, idempotently, and refuses to revive a terminated one', async () => {
    const id = await givenCustomer();
    const sub = `${id}-s1`;
    await addSubscription({ customerId: id, subscriptionId: sub, offeringId: plan }, ctx(`${id}:sub`));
    const svc = `${sub}.mobile`;
    const active = await setServiceState(id, svc, 'active', ctx(`${id}:act`), { externalId: 'ocs-1' });
    expect(active).toMatchObject({ state: 'active', externalId: 'ocs-1', version: 2 });
    await setServiceState(id, svc, 'suspended', ctx(`${id}:sus`));
    // A replay of the first call answers what it answered then, and changes nothing.
    expect(await setServiceState(id, svc, 'active', ctx(`${id}:act`), { externalId: 'ocs-1' })).toEqual(active);
    expect((await customerPartition(id)).services.find((s) => s.id === svc)!.state).toBe('suspended');
    await setServiceState(id, svc, 'terminated', ctx(`${id}:term`));
    await expect(setServiceState(id, svc, 'active', ctx(`${id}:revive`))).rejects.toBeInstanceOf(
      IllegalServiceTransitionError,
    );
  });

  it('concurrent state changes with different keys serialize on the version', async () => {
    const id = await givenCustomer();
    const sub = `${id}-s1`;
    await addSubscription({ customerId: id, subscriptionId: sub, offeringId: plan }, ctx(`${id}:sub`));
    const svc = `${sub}.mobile`;
    await setServiceState(id, svc, 'active', ctx(`${id}:a`));
    const results = await Promise.allSettled(
      [1, 2, 3, 4].map((n) => setServiceState(id, svc, 'suspended', ctx(`${id}:s${n}`))),
    );
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const final = (await customerPartition(id)).services.find((s) => s.id === svc)!;
    expect(final).toMatchObject({ state: 'suspended', version: 3 });
  });

  it('compensation removes a subscription with its services, and the account with everything', async () => {
    const id = await givenCustomer();
    await addSubscription({ customerId: id, subscriptionId: `${id}-s1`, offeringId: plan }, ctx(`${id}:s1`));
    await addSubscription({ customerId: id, subscriptionId: `${id}-s2`, offeringId: plan }, ctx(`${id}:s2`));
    expect(await removeCustomerSubscription(id, `${id}-s1`, ctx(`${id}:rm1`))).toEqual({ removed: 3 });
    expect(await removeCustomerSubscription(id, `${id}-s1`, ctx(`${id}:rm1`))).toEqual({ removed: 3 });
    expect((await customerPartition(id)).services).toHaveLength(2);
    await removeCustomerAccount(id, ctx(`${id}:rmc`));
    const p = await customerPartition(id);
    expect(p).toEqual({ customer: undefined, subscriptions: [], services: [], ticketIds: [] });
    // Removing again (a retried compensation with a new key) is fine.
    await expect(removeCustomerAccount(id, ctx(`${id}:rmc2`))).resolves.toEqual({ removed: 0 });
  });

  it('an account closes only when every service is terminated', async () => {
    const id = await givenCustomer();
    await addSubscription({ customerId: id, subscriptionId: `${id}-s1`, offeringId: plan }, ctx(`${id}:s1`));
    await expect(closeCustomerAccount(id, true, ctx(`${id}:close1`))).rejects.toBeInstanceOf(ValidationError);
    for (const f of ['mobile', 'voicemail'])
      await setServiceState(id, `${id}-s1.${f}`, 'terminated', ctx(`${id}:t-${f}`));
    expect(await closeCustomerAccount(id, true, ctx(`${id}:close2`))).toMatchObject({
      status: 'closed',
      finalBill: true,
    });
    await expect(
      addSubscription({ customerId: id, subscriptionId: `${id}-s2`, offeringId: plan }, ctx(`${id}:s2`)),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });
});

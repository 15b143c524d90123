// The order ports backed by the provisioning feature (shared/app/provisioning): offerings and
// customers for validation, and each saga call mapped onto the customer store (every write
// idempotent by its operation key) and the drivers (ocs, webhook, manual).
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { orderable, type DriverName } from '../../domain/provisioning/catalog';
import { subscriptionState, type CustomerService } from '../../domain/provisioning/customers';
import type { CustomerInfo, OfferingInfo, SagaService } from '../../domain/orders/plan';
import type { ChargingPlan } from '../../domain/provisioning/driver';
import { documentClient, guard, tableName } from '../../store/client';
import { customerPartition, getOrganization, getService } from '../../store/customers';
import { provisioningKeys } from '../../store/keys';
import { cachedProductOffering, cachedProductSpecification } from '../../store/product-catalog';
import {
  addSubscription,
  chargingPlanFrom,
  closeCustomerAccount,
  createCustomerAccount,
  createCustomerWithSubscriptions,
  type KnownCustomer,
  removeCustomerAccount,
  removeCustomerSubscription,
  setServiceState,
} from '../provisioning/customers';
import { runDriver } from '../provisioning/drivers';
import type { DriverOp, OrderCatalog, Provisioning } from './ports';

const ctx = (operationKey: string) => ({ operationKey, now: new Date().toISOString() });

export const provisioningCatalog: OrderCatalog = {
  async offering(id) {
    const offering = await cachedProductOffering(id);
    if (!offering) return undefined;
    const spec = await cachedProductSpecification(offering.productSpecification.id);
    if (!spec) return undefined;
    const prices = offering.productOfferingPrice;
    const first = prices.reduce((sum, p) => sum + p.price.taxIncludedAmount.value, 0);
    const info: OfferingInfo = {
      id: offering.id,
      name: offering.name,
      role: offering.offeringType,
      sellable: orderable(offering, spec),
      upfrontAmount: prices.length ? { value: first, unit: prices[0]!.price.taxIncludedAmount.unit } : undefined,
      ocs: { allowance: offering.allowance, spendCap: offering.spendCap },
      addOnFor: offering.addOnFor,
      features: spec.feature.map((f) => ({ specId: f.id, name: f.name, driver: f.driver, config: f.config })),
    };
    return info;
  },
  async customer(id) {
    const { customer, subscriptions, services } = await customerPartition(id);
    if (!customer) return undefined;
    const info: CustomerInfo = {
      id: customer.id,
      name: customer.name,
      realmId: customer.realmId,
      organizationId: customer.organizationId,
      email: customer.contact?.email,
      state: customer.status === 'closed' ? 'terminated' : 'active',
      subscriptions: subscriptions.map((s) => {
        const own = services.filter((x) => x.subscriptionId === s.id);
        const state = subscriptionState(own);
        return {
          id: s.id,
          offeringId: s.offeringId,
          role: s.offeringType,
          // Mixed (some services suspended, some not) counts as active: it can still be changed.
          state: state === 'mixed' ? 'active' : state,
          services: own.map((x) => ({
            id: x.id,
            specId: x.featureId,
            name: x.name,
            driver: x.driver,
            state: x.state,
            config: x.config,
          })),
        };
      }),
    };
    return info;
  },
  async organization(id) {
    const org = await getOrganization(id);
    return org ? { id: org.id, realmId: org.realmId } : undefined;
  },
};

const STATE_AFTER = { provision: 'active', resume: 'active', suspend: 'suspended', deprovision: 'terminated' } as const;

/** The OCS driver sets up a line with the customer's charging plan. */
const needsPlan = (s: SagaService, op: DriverOp) => s.driver === 'ocs' && (op === 'provision' || op === 'modify');

/** One driver operation on a service, then (with `record`) its recorded state, on `current` as read. */
async function drive(
  key: string,
  customerId: string,
  s: SagaService,
  op: DriverOp,
  opts: {
    record: boolean;
    task?: { taskToken: string; executionArn?: string; stateName?: string };
    undoes?: string;
  },
  plan: ChargingPlan | undefined,
  current: CustomerService | undefined,
): Promise<{ ticketId?: string }> {
  const r = await runDriver(s.driver as DriverName, op, {
    operationKey: key,
    undoes: opts.undoes,
    customerId,
    subscriptionId: s.subscriptionId,
    serviceId: s.serviceId,
    featureId: s.specId,
    config: s.config,
    externalId: current?.externalId,
    plan,
    taskToken: opts.task?.taskToken,
    executionArn: opts.task?.executionArn,
    stateName: opts.task?.stateName,
    now: new Date(),
  });
  if (r.status === 'pending') return { ticketId: r.ticketId };
  const state = op === 'modify' ? undefined : STATE_AFTER[op];
  if (opts.record && current && state && current.state !== state)
    await setServiceState(customerId, s.serviceId, state, ctx(`${key}:state`), { externalId: r.externalId, current });
  return {};
}

export const driverProvisioning: Provisioning = {
  async createCustomer(key, c, paymentMethod) {
    await createCustomerAccount(
      {
        id: c.id,
        organizationId: c.organizationId!,
        siteId: c.siteId,
        name: c.name ?? c.id,
        contact: c.email ? { email: c.email } : undefined,
        paymentMethod,
      },
      ctx(key),
      // The organization's realm, as checked when the order was accepted: not read again.
      c.realmId ? { realmId: c.realmId } : undefined,
    );
  },
  async createCustomerWithSubscriptions(key, c, paymentMethod, subscriptions) {
    const input = {
      id: c.id,
      organizationId: c.organizationId,
      siteId: c.siteId,
      name: c.name ?? c.id,
      contact: c.email ? { email: c.email } : undefined,
      paymentMethod,
    };
    const subs = subscriptions.map(({ key: k, s }) => ({
      req: { customerId: s.customerId, subscriptionId: s.subscriptionId, offeringId: s.offeringId, orderId: s.orderId },
      ctx: ctx(k),
    }));
    if (await createCustomerWithSubscriptions(input, ctx(key), { realmId: c.realmId }, subs)) return;
    // One by one (a retry or a replay of the step, or a check that failed): each answers as on its own.
    await this.createCustomer(key, c, paymentMethod);
    const known: KnownCustomer = {
      customer: { id: c.id, realmId: c.realmId, organizationId: c.organizationId },
      subscriptions: [],
    };
    for (const { req, ctx: subCtx } of subs)
      known.subscriptions.push((await addSubscription(req, subCtx, known)).subscription);
  },
  async removeCustomer(key, customerId) {
    await removeCustomerAccount(customerId, ctx(key));
  },
  async closeCustomer(key, customerId, finalBill) {
    await closeCustomerAccount(customerId, finalBill, ctx(key));
  },
  async addSubscription(key, s) {
    await addSubscription(
      { customerId: s.customerId, subscriptionId: s.subscriptionId, offeringId: s.offeringId, orderId: s.orderId },
      ctx(key),
    );
  },
  async removeSubscription(key, s) {
    await removeCustomerSubscription(s.customerId, s.subscriptionId, ctx(key));
  },
  async changeOffering(_key, s) {
    // Setting the same offering again is a no-op, so the write is idempotent without a key.
    const offering = await cachedProductOffering(s.offeringId);
    await guard('change subscription offering', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: provisioningKeys.subscription(s.customerId, s.subscriptionId),
          UpdateExpression: 'SET offeringId = :o, offeringVersion = :v, orderId = :order, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':o': s.offeringId,
            ':v': offering?.version ?? 1,
            ':order': s.orderId,
            ':now': new Date().toISOString(),
          },
        }),
      ),
    );
  },
  async runService(key, customerId, s, op, opts) {
    const driver = s.driver as DriverName;
    let plan: ChargingPlan | undefined;
    let current: CustomerService | undefined;
    if (needsPlan(s, op)) {
      // One consistent read of the customer's partition gives both the charging plan and the service.
      const partition = await customerPartition(customerId, true);
      plan = await chargingPlanFrom(partition);
      current = partition.services.find((x) => x.id === s.serviceId);
    } else if (opts.record || driver !== 'manual') current = await getService(customerId, s.serviceId, true);
    return drive(key, customerId, s, op, opts, plan, current);
  },
  async runServices(ops, customerId, op, opts) {
    if (!ops.length) return;
    // One consistent read of the partition for all of them: each operation changes its own service
    // only, and the charging plan depends on which subscriptions are live (a service not terminated),
    // which a provision or modify never changes; so what this read says holds for every operation.
    const partition = await customerPartition(customerId, true);
    const plan = ops.some((o) => needsPlan(o.service, op)) ? await chargingPlanFrom(partition) : undefined;
    for (const { key, service } of ops) {
      if (service.driver === 'manual') throw new Error(`runServices: ${service.key} is a manual service`);
      const current = partition.services.find((x) => x.id === service.serviceId);
      await drive(key, customerId, service, op, opts, needsPlan(service, op) ? plan : undefined, current);
    }
  },
  async setServiceState(key, customerId, serviceId, state) {
    await setServiceState(customerId, serviceId, state, ctx(key));
  },
};

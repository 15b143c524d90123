// The customer and service API that order sagas call, one step each, every call idempotent by
// its operation key (ctx.operationKey): create the account, add a subscription with its services,
// set a service's state, and the compensations (remove service, subscription, account).
// load (store) → decide (domain) → commit (store).
import { NotFoundError, ValidationError } from '../../domain/errors';
import { orderable, type ProductOffering, type ProductSpecification } from '../../domain/provisioning/catalog';
import {
  serviceIdFor,
  type Customer,
  type CustomerInput,
  type CustomerService,
  type Subscription,
} from '../../domain/provisioning/customers';
import type { ChargingPlan } from '../../domain/provisioning/driver';
import { combinePlan } from '../../domain/provisioning/plan';
import { checkTransition, type ServiceState } from '../../domain/provisioning/service-state';
import {
  addSubscription as storeAddSubscription,
  closeCustomer,
  commitServiceChange,
  createCustomer,
  createCustomerWithSubscriptions as storeCreateCustomerWithSubscriptions,
  customerPartition,
  getOrganization,
  getService,
  getSite,
  OperationKeyReusedError,
  previousOperation,
  recordOperation,
  removeCustomer,
  removeService,
  removeSubscription,
  StaleServiceError,
  type CustomerPartition,
  type OperationContext,
  type SubscriptionWithServices,
} from '../../store/customers';
import { cachedProductOffering, cachedProductSpecification } from '../../store/product-catalog';

export type { OperationContext, SubscriptionWithServices };

/**
 * A replay of an operation answers its first result: looked up only when the call would fail
 * (validation, a failed condition), so a first call costs no read of the operation record.
 */
async function orReplay<T>(operation: string, ctx: OperationContext, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    let replay: { result: T } | undefined;
    try {
      replay = await previousOperation<T>(operation, ctx);
    } catch (readErr) {
      // The key names another operation: that is the caller's error; a failed read leaves the first one.
      throw readErr instanceof OperationKeyReusedError ? readErr : err;
    }
    if (replay) return replay.result;
    throw err;
  }
}

/**
 * Create a customer account under an organization (and optionally a site of it). `known`: the
 * organization's realm as the caller checked it already (an order saga: when the order was
 * accepted), so the organization is not read again.
 */
export function createCustomerAccount(
  input: CustomerInput,
  ctx: OperationContext,
  known?: { realmId: string },
): Promise<Customer> {
  return orReplay('createCustomer', ctx, async () => {
    const org = known
      ? { id: input.organizationId, realmId: known.realmId }
      : await getOrganization(input.organizationId);
    if (!org)
      throw new ValidationError('Unknown organization.', [
        { field: 'organizationId', message: `no organization ${input.organizationId}` },
      ]);
    if (input.siteId) {
      const site = await getSite(input.siteId);
      if (!site || site.organizationId !== org.id)
        throw new ValidationError('Unknown site.', [
          { field: 'siteId', message: `no site ${input.siteId} in organization ${org.id}` },
        ]);
    }
    return createCustomer({ ...input, realmId: org.realmId }, ctx);
  });
}

/**
 * A new customer account and its first subscriptions in one transaction (createCustomerAccount,
 * then addSubscription for each, in one write). Answers false, having written nothing, when that is
 * not possible (any of it exists already, a check fails, a concurrent write): the caller then runs
 * them one by one, which answers replays and reports errors as each does on its own.
 */
export async function createCustomerWithSubscriptions(
  input: CustomerInput,
  ctx: OperationContext,
  known: { realmId: string },
  subscriptions: Array<{ req: AddSubscriptionRequest; ctx: OperationContext }>,
): Promise<boolean> {
  let built: Array<{ value: SubscriptionWithServices; ctx: OperationContext }>;
  try {
    if (input.siteId) {
      const site = await getSite(input.siteId);
      if (!site || site.organizationId !== input.organizationId) return false;
    }
    const customer = { id: input.id, realmId: known.realmId, organizationId: input.organizationId };
    const sofar: KnownCustomer = { customer, subscriptions: [] };
    built = [];
    for (const s of subscriptions) {
      if (s.req.customerId !== input.id) return false;
      const value = await buildSubscription(s.req, s.ctx, sofar);
      sofar.subscriptions.push(value.subscription);
      built.push({ value, ctx: s.ctx });
    }
  } catch {
    return false;
  }
  return storeCreateCustomerWithSubscriptions({ ...input, realmId: known.realmId }, ctx, built);
}

export interface OrderableOffering {
  offering: ProductOffering;
  specification: ProductSpecification;
}

/** The offering and its specification, if they exist and can be ordered; errors name `field`. */
export async function requireOrderableOffering(offeringId: string, field = 'offeringId'): Promise<OrderableOffering> {
  const offering = await cachedProductOffering(offeringId);
  if (!offering)
    throw new ValidationError('Unknown product offering.', [{ field, message: `no product offering ${offeringId}` }]);
  const specification = await cachedProductSpecification(offering.productSpecification.id);
  if (!specification)
    throw new ValidationError('The offering’s specification is missing.', [
      { field, message: `no product specification ${offering.productSpecification.id}` },
    ]);
  if (!orderable(offering, specification))
    throw new ValidationError('The offering cannot be ordered now.', [
      {
        field,
        message: `offering is ${offering.lifecycleStatus}, specification is ${specification.lifecycleStatus}; both must be Active`,
      },
    ]);
  return { offering, specification };
}

export interface AddSubscriptionRequest {
  customerId: string;
  /** Chosen by the caller (e.g. `<orderId>-<itemId>`), so a retry names the same one. */
  subscriptionId: string;
  offeringId: string;
  orderId?: string;
}

/**
 * What the caller knows of the customer's partition already, so it is not read again: a saga that
 * has just created the customer knows the account and every subscription it has (the ones it added).
 * The commit still checks that the account exists and is active.
 */
export interface KnownCustomer {
  customer: Pick<Customer, 'id' | 'realmId' | 'organizationId'>;
  subscriptions: Array<Pick<Subscription, 'offeringId' | 'offeringType'>>;
}

/** Add a subscription to an offering, with one inactive service per feature of its specification. */
export function addSubscription(
  req: AddSubscriptionRequest,
  ctx: OperationContext,
  known?: KnownCustomer,
): Promise<SubscriptionWithServices> {
  return orReplay('addSubscription', ctx, () => newSubscription(req, ctx, known));
}

async function newSubscription(
  req: AddSubscriptionRequest,
  ctx: OperationContext,
  known?: KnownCustomer,
): Promise<SubscriptionWithServices> {
  return storeAddSubscription(await buildSubscription(req, ctx, known), ctx);
}

/** The subscription and its services as addSubscription stores them (validated; not written). */
async function buildSubscription(
  req: AddSubscriptionRequest,
  ctx: OperationContext,
  known?: KnownCustomer,
): Promise<SubscriptionWithServices> {
  const { offering, specification } = await requireOrderableOffering(req.offeringId);
  const { customer, subscriptions } = known ?? (await customerPartition(req.customerId));
  if (!customer) throw new NotFoundError(`No customer with id ${req.customerId}.`);
  if (offering.offeringType === 'addOn') {
    const plans = subscriptions.filter((s) => s.offeringType === 'plan').map((s) => s.offeringId);
    if (offering.addOnFor?.length && !plans.some((p) => offering.addOnFor!.includes(p)))
      throw new ValidationError('The add-on does not fit the customer’s plans.', [
        {
          field: 'offeringId',
          message: `${offering.id} fits ${offering.addOnFor.join(', ')}; the customer has ${plans.join(', ') || 'no plan'}`,
        },
      ]);
  }
  const base = { version: 1, createdAt: ctx.now, updatedAt: ctx.now };
  const subscription: Subscription = {
    ...base,
    id: req.subscriptionId,
    customerId: customer.id,
    realmId: customer.realmId,
    organizationId: customer.organizationId,
    offeringId: offering.id,
    offeringType: offering.offeringType,
    productSpecificationId: specification.id,
    offeringVersion: offering.version,
    orderId: req.orderId,
  };
  const services: CustomerService[] = specification.feature.map((f) => ({
    ...base,
    id: serviceIdFor(subscription.id, f.id),
    customerId: customer.id,
    subscriptionId: subscription.id,
    realmId: customer.realmId,
    organizationId: customer.organizationId,
    featureId: f.id,
    name: f.name,
    driver: f.driver,
    platformServiceId: f.platformServiceId,
    config: f.config,
    state: 'inactive',
    stateSince: ctx.now,
  }));
  return { subscription, services };
}

/**
 * Move a service to `state` (TMF638; illegal moves throw IllegalServiceTransitionError → 409).
 * `externalId` records the remote system's id once provisioned. The same state again is a no-op.
 * `current` is the service as the caller just read it (consistently): the first attempt writes on
 * it without reading again; the write's version condition and the operation record's condition
 * keep it right (a stale service is read again; a replay answers the first result).
 */
export async function setServiceState(
  customerId: string,
  serviceId: string,
  state: ServiceState,
  ctx: OperationContext,
  opts: { externalId?: string; current?: CustomerService } = {},
): Promise<CustomerService> {
  const operation = 'setServiceState';
  let known = opts.current;
  for (let attempt = 0; ; attempt++) {
    const current = known ?? (await getService(customerId, serviceId, true));
    known = undefined;
    // A replay answers the first result, even when the service has moved on (or gone) since: the
    // checks below fail then, and orReplay finds it.
    const r = await orReplay(operation, ctx, async () => {
      if (!current) throw new NotFoundError(`Customer ${customerId} has no service ${serviceId}.`);
      const moves = checkTransition(serviceId, current.state, state);
      const externalChanged = opts.externalId !== undefined && opts.externalId !== current.externalId;
      if (!moves && !externalChanged) return recordOperation(current, operation, ctx);
      const next: CustomerService = {
        ...current,
        state,
        stateSince: moves ? ctx.now : current.stateSince,
        externalId: opts.externalId ?? current.externalId,
        version: current.version + 1,
        updatedAt: ctx.now,
      };
      try {
        return await commitServiceChange(current, next, ctx, operation);
      } catch (err) {
        if (err instanceof StaleServiceError && attempt < 4) return undefined;
        throw err;
      }
    });
    if (r) return r;
  }
}

/** Compensation of a service added on its own. Missing is fine. */
export function removeCustomerService(
  customerId: string,
  serviceId: string,
  ctx: OperationContext,
): Promise<{ removed: boolean }> {
  return removeService(customerId, serviceId, ctx);
}

/** Compensation of addSubscription: the subscription and its services go. Missing is fine. */
export function removeCustomerSubscription(
  customerId: string,
  subscriptionId: string,
  ctx: OperationContext,
): Promise<{ removed: number }> {
  return removeSubscription(customerId, subscriptionId, ctx);
}

/** Compensation of createCustomerAccount: the account and everything under it go. Missing is fine. */
export function removeCustomerAccount(customerId: string, ctx: OperationContext): Promise<{ removed: number }> {
  return removeCustomer(customerId, ctx);
}

/** Close an account whose services are all terminated (a cancel order's last step). */
export async function closeCustomerAccount(
  customerId: string,
  finalBill: boolean,
  ctx: OperationContext,
): Promise<Customer> {
  const replay = await previousOperation<Customer>('closeCustomer', ctx);
  if (replay) return replay.result;
  const { customer, services } = await customerPartition(customerId);
  if (!customer) throw new NotFoundError(`No customer with id ${customerId}.`);
  const live = services.filter((s) => s.state !== 'terminated');
  if (live.length)
    throw new ValidationError('Terminate every service before closing the account.', [
      { field: 'services', message: `still ${live.map((s) => `${s.id} (${s.state})`).join(', ')}` },
    ]);
  return closeCustomer(customerId, finalBill, ctx);
}

/**
 * What the charging system should enforce for a customer: the plan's offering, its allowance
 * plus every live add-on's, and the plan's spend cap. Read-only; the OCS driver gets it as `plan`.
 */
export async function chargingPlanOf(customerId: string): Promise<ChargingPlan | undefined> {
  return chargingPlanFrom(await customerPartition(customerId));
}

/** chargingPlanOf for a partition the caller has read already. */
export async function chargingPlanFrom(
  partition: Pick<CustomerPartition, 'subscriptions' | 'services'>,
): Promise<ChargingPlan | undefined> {
  const { subscriptions, services } = partition;
  const live = (subId: string) => services.some((s) => s.subscriptionId === subId && s.state !== 'terminated');
  const subs = subscriptions.filter((s) => live(s.id) || !services.some((x) => x.subscriptionId === s.id));
  const plan = subs.find((s) => s.offeringType === 'plan');
  if (!plan) return undefined;
  const offerings = await Promise.all(subs.map((s) => cachedProductOffering(s.offeringId)));
  return combinePlan(
    offerings.filter((o): o is ProductOffering => !!o),
    plan.offeringId,
  );
}

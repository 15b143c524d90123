// From a TMF622 order to the saga it runs. Pure: the app layer loads what the order names (the
// offerings from the product catalog, the customer and its subscriptions) and passes it in; this
// module decides the order's kind, refuses what must start nothing (unknown offering, a change to
// a terminated product, mixed kinds...) with errors naming the field, and builds the execution
// input with every id decided up front, so steps, compensations and redrives are deterministic.
import { ValidationError, type FieldIssue } from '../errors';
import { serviceIdFor } from '../provisioning/customers';
import type { OrderItem, OrderKind, RelatedParty } from './order';
import type { ProductOrderCreate } from './requests';

/** What the product catalog says about an offering (plan or add-on). */
export interface OfferingInfo {
  id: string;
  name: string;
  /** plan: the customer's main subscription (exactly one); addOn: anything added to it. */
  role: 'plan' | 'addOn';
  sellable: boolean;
  /** Charges on the first bill, for the card pre-authorization. */
  upfrontAmount?: { value: number; unit: string };
  /** What the OCS gets for a plan: allowances and spend cap. */
  ocs?: Record<string, unknown>;
  /** Add-ons: the plans they fit (none: any plan). */
  addOnFor?: string[];
  /** The features, each enabled through its driver (with the driver's settings). */
  features: Array<{ specId: string; name: string; driver: string; config?: Record<string, unknown> }>;
}

export type ServiceState = 'inactive' | 'active' | 'suspended' | 'terminated';

export interface CustomerInfo {
  id: string;
  name?: string;
  realmId?: string;
  organizationId?: string;
  email?: string;
  state: 'active' | 'suspended' | 'terminated';
  subscriptions: Array<{
    id: string;
    offeringId: string;
    role: 'plan' | 'addOn';
    state: ServiceState;
    services: Array<{
      id: string;
      specId: string;
      name?: string;
      driver: string;
      state: ServiceState;
      config?: Record<string, unknown>;
    }>;
  }>;
}

export interface PlanLookups {
  offerings: Map<string, OfferingInfo>;
  customer?: CustomerInfo;
}

export type ServiceOp = 'provision' | 'deprovision' | 'modify' | 'suspend' | 'resume';

export interface SagaService {
  /** Unique within the order: the operation-key root of every call for this service. */
  key: string;
  itemId: string;
  subscriptionId: string;
  serviceId: string;
  offeringId: string;
  specId: string;
  name: string;
  driver: string;
  op: ServiceOp;
  config?: Record<string, unknown>;
  characteristics: Record<string, string | number | boolean>;
}

export interface SagaItem {
  itemId: string;
  op: 'add' | 'remove' | 'changePlan' | 'suspend' | 'resume';
  subscriptionId: string;
  offeringId?: string;
  fromOfferingId?: string;
  /** changePlan: the OCS settings of the new plan and of the one it replaces (to revert). */
  ocs?: Record<string, unknown>;
  fromOcs?: Record<string, unknown>;
  services: SagaService[];
}

/** The execution input: everything a step needs, decided when the order was accepted. */
export interface SagaInput {
  orderId: string;
  kind: OrderKind;
  /** rollback: undo whatever the order did (a cancelled order whose execution had stopped). */
  mode: 'run' | 'rollback';
  customer: {
    id: string;
    name?: string;
    email?: string;
    realmId?: string;
    organizationId?: string;
    siteId?: string;
    existing: boolean;
  };
  payment?: { method: 'cash' | 'card'; reference?: string; amount?: { value: number; unit: string } };
  /** The plan subscription (its OCS subscriber). */
  plan?: { subscriptionId: string; offeringId: string; ocs?: Record<string, unknown> };
  /** newCustomer: the plan's charging-system services (the line on the OCS), activated first, one by one. */
  network: SagaService[];
  /** newCustomer: every other service, enabled in parallel (Map); terminate: every service to remove. */
  services: SagaService[];
  /** Other kinds: one entry per order item (Map), each undone on its own when it fails. */
  items: SagaItem[];
  finalBill?: boolean;
  manualTimeoutSeconds: number;
  requester: { id: string; name?: string };
  notify: { customer?: string; requester?: string };
}

const asCharacteristics = (c: Array<{ name: string; value: string | number | boolean }> | undefined) =>
  Object.fromEntries((c ?? []).map((x) => [x.name, x.value]));

export interface PlanResult {
  kind: OrderKind;
  items: OrderItem[];
  plan: SagaInput;
  relatedParty: RelatedParty[];
  customerId: string;
}

export interface PlanContext {
  orderId: string;
  requester: { id: string; name?: string; email?: string };
  manualTimeoutSeconds: number;
}

/** Ids of what a new order creates, derived from the order id (so a retried step reuses them). */
export const newIds = {
  customer: (orderId: string) => `cust-${orderId.toLowerCase()}`,
  subscription: (orderId: string, itemId: string) => `sub-${orderId.toLowerCase()}-${itemId}`,
  service: (subscriptionId: string, specId: string) => serviceIdFor(subscriptionId, specId),
};

/** Which customer the order is about: relatedParty role "customer" (with id: existing; without: new). */
function customerParty(body: ProductOrderCreate): {
  party?: ProductOrderCreate['relatedParty'][number];
  index: number;
} {
  const index = body.relatedParty.findIndex((p) => p.role === 'customer');
  return { party: index >= 0 ? body.relatedParty[index] : undefined, index };
}

/** The order's kind from its items; one order has one kind (split mixed orders). */
export function classify(body: ProductOrderCreate): { kind: OrderKind } | { issues: FieldIssue[] } {
  const { party, index } = customerParty(body);
  if (!party)
    return {
      issues: [
        {
          field: 'relatedParty',
          message: 'Name the customer: a relatedParty with role "customer" (with an id for an existing customer).',
        },
      ],
    };
  const items = body.productOrderItem;
  if (!party.id) {
    const bad = items.findIndex((i) => i.action !== 'add');
    if (bad >= 0)
      return {
        issues: [
          {
            field: `productOrderItem.${bad}.action`,
            message: 'A new customer (relatedParty customer without id) can only have items with action "add".',
          },
        ],
      };
    return { kind: 'newCustomer' };
  }
  const kindOf = (i: ProductOrderCreate['productOrderItem'][number]): OrderKind | undefined => {
    if (i.action === 'add') return 'addService';
    if (i.action === 'delete') return undefined; // removeService or terminate: decided with the catalog
    if (i.product?.status === 'suspended') return 'suspend';
    if (i.product?.status === 'active') return 'resume';
    return 'changePlan';
  };
  const kinds = new Set(items.map((i) => kindOf(i) ?? 'delete'));
  if (kinds.size > 1)
    return {
      issues: [
        {
          field: 'productOrderItem',
          message: `One order has one kind; this one mixes ${[...kinds].join(', ')}. Split it into one order per kind.`,
        },
      ],
    };
  void index;
  const only = [...kinds][0]!;
  return { kind: only === 'delete' ? 'removeService' : (only as OrderKind) };
}

/** Build the saga for a valid order, or throw a ValidationError (422) naming every field at fault. */
export function planOrder(body: ProductOrderCreate, lookups: PlanLookups, ctx: PlanContext): PlanResult {
  const c = classify(body);
  if ('issues' in c) throw new ValidationError('The order cannot be accepted.', c.issues);
  const issues: FieldIssue[] = [];
  const { party } = customerParty(body);
  const items = body.productOrderItem;
  const offeringAt = (
    i: number,
    id: string | undefined,
    field = `productOrderItem.${i}.productOffering.id`,
  ): OfferingInfo | undefined => {
    if (!id) {
      issues.push({ field: `productOrderItem.${i}.productOffering`, message: 'Name the product offering.' });
      return undefined;
    }
    const o = lookups.offerings.get(id);
    if (!o) issues.push({ field, message: `No product offering ${id} in the catalog.` });
    else if (!o.sellable)
      issues.push({ field, message: `The product offering ${id} is not sellable (retired or not launched).` });
    return o && o.sellable ? o : undefined;
  };
  const orderItems: OrderItem[] = items.map((i) => ({
    id: i.id,
    action: i.action,
    state: 'acknowledged',
    productOfferingId: i.productOffering?.id,
    productId: i.product?.id,
    status: i.product?.status,
    characteristics: asCharacteristics(i.product?.productCharacteristic),
  }));
  const realm = body.relatedParty.find((p) => p.role === 'realm')?.id;
  const organization = body.relatedParty.find((p) => p.role === 'organization')?.id;
  const payment = body.payment?.[0];
  const base = {
    orderId: ctx.orderId,
    mode: 'run' as const,
    manualTimeoutSeconds: ctx.manualTimeoutSeconds,
    requester: { id: ctx.requester.id, name: ctx.requester.name },
    notify: { customer: body.notificationContact, requester: ctx.requester.email },
  };
  const relatedParty: RelatedParty[] = body.relatedParty.map((p) => ({
    id: p.id,
    role: p.role,
    name: p.name,
    '@referredType': p['@referredType'],
  }));

  if (c.kind === 'newCustomer') {
    const customerId = newIds.customer(ctx.orderId);
    if (!party?.name)
      issues.push({
        field: 'relatedParty',
        message: 'A new customer needs a name (relatedParty role "customer", name).',
      });
    if (!organization)
      issues.push({
        field: 'relatedParty',
        message: 'Say where the new customer belongs: a relatedParty with role "organization" and its id.',
      });
    if (!payment)
      issues.push({
        field: 'payment',
        message: 'A new customer needs a payment method: payment[0]["@referredType"] "Cash" or "BankCard".',
      });
    const offerings = items.map((i, n) => offeringAt(n, i.productOffering?.id));
    const plans = offerings.map((o, n) => (o?.role === 'plan' ? n : -1)).filter((n) => n >= 0);
    if (offerings.every(Boolean) && plans.length !== 1)
      issues.push({
        field: 'productOrderItem',
        message: `A new customer orders exactly one plan (and any add-ons); this order has ${plans.length}.`,
      });
    const planOfferingId = plans.length === 1 ? offerings[plans[0]!]!.id : undefined;
    offerings.forEach((o, n) => {
      if (o?.role === 'addOn' && planOfferingId && o.addOnFor?.length && !o.addOnFor.includes(planOfferingId))
        issues.push({
          field: `productOrderItem.${n}.productOffering.id`,
          message: `${o.id} fits ${o.addOnFor.join(', ')}, not ${planOfferingId}.`,
        });
    });
    if (issues.length) throw new ValidationError('The order cannot be accepted.', issues);
    const planIndex = plans[0]!;
    const services: SagaService[] = items.flatMap((i, n) => {
      const o = offerings[n]!;
      const subscriptionId = newIds.subscription(ctx.orderId, i.id);
      return o.features.map((f) => ({
        key: `${i.id}.${f.specId}`,
        itemId: i.id,
        subscriptionId,
        serviceId: newIds.service(subscriptionId, f.specId),
        offeringId: o.id,
        specId: f.specId,
        name: f.name,
        driver: f.driver,
        op: 'provision' as const,
        config: f.config,
        characteristics: asCharacteristics(i.product?.productCharacteristic),
      }));
    });
    const planSubscriptionId = newIds.subscription(ctx.orderId, items[planIndex]!.id);
    const isNetwork = (s: SagaService) => s.subscriptionId === planSubscriptionId && s.driver === 'ocs';
    const amount = offerings.reduce<{ value: number; unit: string } | undefined>((sum, o) => {
      if (!o?.upfrontAmount) return sum;
      return { value: (sum?.value ?? 0) + o.upfrontAmount.value, unit: o.upfrontAmount.unit };
    }, undefined);
    const planOffering = offerings[planIndex]!;
    return {
      kind: 'newCustomer',
      items: orderItems,
      relatedParty,
      customerId,
      plan: {
        ...base,
        kind: 'newCustomer',
        customer: {
          id: customerId,
          name: party!.name,
          email: body.notificationContact,
          realmId: realm,
          organizationId: organization,
          siteId: body.relatedParty.find((p) => p.role === 'site')?.id,
          existing: false,
        },
        payment: { method: payment!['@referredType'] === 'BankCard' ? 'card' : 'cash', reference: payment!.id, amount },
        plan: { subscriptionId: planSubscriptionId, offeringId: planOffering.id, ocs: planOffering.ocs },
        network: services.filter(isNetwork),
        services: services.filter((s) => !isNetwork(s)),
        items: [],
      },
    };
  }

  // Every other kind is about an existing customer and its products.
  const customer = lookups.customer;
  if (!customer)
    throw new ValidationError('The order cannot be accepted.', [
      { field: 'relatedParty', message: `No customer ${party!.id}.` },
    ]);
  if (customer.state === 'terminated')
    throw new ValidationError('The order cannot be accepted.', [
      { field: 'relatedParty', message: `The customer ${customer.id} is terminated; it cannot be changed.` },
    ]);
  const planSub = customer.subscriptions.find((s) => s.role === 'plan' && s.state !== 'terminated');
  const subAt = (n: number, id: string | undefined) => {
    const field = `productOrderItem.${n}.product.id`;
    if (!id) {
      issues.push({ field, message: 'Name the customer’s product (subscription) this item changes.' });
      return undefined;
    }
    const s = customer.subscriptions.find((x) => x.id === id);
    if (!s) issues.push({ field, message: `The customer ${customer.id} has no product ${id}.` });
    else if (s.state === 'terminated')
      issues.push({ field, message: `The product ${id} is terminated; it cannot be changed.` });
    return s && s.state !== 'terminated' ? s : undefined;
  };
  let kind = c.kind;
  const sagaItems: SagaItem[] = [];
  items.forEach((i, n) => {
    const svc = (subscriptionId: string, o: Pick<OfferingInfo, 'id' | 'features'>, op: ServiceOp): SagaService[] =>
      o.features.map((f) => ({
        key: `${i.id}.${f.specId}`,
        itemId: i.id,
        subscriptionId,
        serviceId: newIds.service(subscriptionId, f.specId),
        offeringId: o.id,
        specId: f.specId,
        name: f.name,
        driver: f.driver,
        op,
        config: f.config,
        characteristics: asCharacteristics(i.product?.productCharacteristic),
      }));
    const existing = (s: CustomerInfo['subscriptions'][number], op: ServiceOp): SagaService[] =>
      s.services
        .filter((x) => x.state !== 'terminated')
        .map((x) => ({
          key: `${i.id}.${x.specId}`,
          itemId: i.id,
          subscriptionId: s.id,
          serviceId: x.id,
          offeringId: s.offeringId,
          specId: x.specId,
          name: x.name ?? x.specId,
          driver: x.driver,
          op,
          config: x.config,
          characteristics: {},
        }));
    if (c.kind === 'addService') {
      const o = offeringAt(n, i.productOffering?.id);
      if (o && o.role !== 'addOn')
        issues.push({
          field: `productOrderItem.${n}.productOffering.id`,
          message: `${o.id} is a plan; change plans with action "modify" on the plan product.`,
        });
      else if (o && planSub && o.addOnFor?.length && !o.addOnFor.includes(planSub.offeringId))
        issues.push({
          field: `productOrderItem.${n}.productOffering.id`,
          message: `${o.id} fits ${o.addOnFor.join(', ')}, not ${planSub.offeringId}.`,
        });
      if (!planSub)
        issues.push({ field: 'relatedParty', message: `The customer ${customer.id} has no active plan to add to.` });
      else if (planSub.state === 'suspended')
        issues.push({
          field: 'relatedParty',
          message: `The customer ${customer.id} is suspended; resume it before adding services.`,
        });
      if (o) {
        const subscriptionId = newIds.subscription(ctx.orderId, i.id);
        sagaItems.push({
          itemId: i.id,
          op: 'add',
          subscriptionId,
          offeringId: o.id,
          services: svc(subscriptionId, o, 'provision'),
        });
      }
    } else if (c.kind === 'removeService') {
      const s = subAt(n, i.product?.id);
      if (s?.role === 'plan') kind = 'terminate';
      if (s)
        sagaItems.push({
          itemId: i.id,
          op: 'remove',
          subscriptionId: s.id,
          offeringId: s.offeringId,
          services: existing(s, 'deprovision'),
        });
    } else if (c.kind === 'changePlan') {
      const s = subAt(n, i.product?.id);
      const o = offeringAt(n, i.productOffering?.id);
      if (s && s.role !== 'plan')
        issues.push({
          field: `productOrderItem.${n}.product.id`,
          message: `${s.id} is an add-on; only the plan can be changed (remove and add add-ons).`,
        });
      if (s?.state === 'suspended')
        issues.push({
          field: `productOrderItem.${n}.product.id`,
          message: `The product ${s.id} is suspended; resume it before changing its plan.`,
        });
      if (o && o.role !== 'plan')
        issues.push({
          field: `productOrderItem.${n}.productOffering.id`,
          message: `${o.id} is an add-on, not a plan.`,
        });
      if (s && o && s.offeringId === o.id)
        issues.push({
          field: `productOrderItem.${n}.productOffering.id`,
          message: `The product ${s.id} is already on ${o.id}.`,
        });
      if (s && o)
        sagaItems.push({
          itemId: i.id,
          op: 'changePlan',
          subscriptionId: s.id,
          offeringId: o.id,
          fromOfferingId: s.offeringId,
          ocs: o.ocs,
          fromOcs: lookups.offerings.get(s.offeringId)?.ocs,
          services: existing(s, 'modify'),
        });
    } else {
      const s = subAt(n, i.product?.id);
      const want = c.kind === 'suspend' ? 'active' : 'suspended';
      if (s && s.state !== want)
        issues.push({
          field: `productOrderItem.${n}.product.status`,
          message: `The product ${s.id} is ${s.state}; it cannot be ${c.kind === 'suspend' ? 'suspended' : 'resumed'}.`,
        });
      if (s)
        sagaItems.push({
          itemId: i.id,
          op: c.kind === 'suspend' ? 'suspend' : 'resume',
          subscriptionId: s.id,
          offeringId: s.offeringId,
          services: existing(s, c.kind === 'suspend' ? 'suspend' : 'resume'),
        });
    }
  });
  if (kind === 'terminate' && items.length > 1)
    issues.push({
      field: 'productOrderItem',
      message: 'Deleting the plan terminates the whole customer: send it as an order of its own.',
    });
  if (issues.length) throw new ValidationError('The order cannot be accepted.', issues);
  if (kind === 'terminate') {
    // Everything the customer has goes, add-ons first, the plan (and its OCS subscriber) last.
    const all = customer.subscriptions.filter((s) => s.state !== 'terminated');
    const ordered = [...all.filter((s) => s.role !== 'plan'), ...all.filter((s) => s.role === 'plan')];
    sagaItems.splice(
      0,
      sagaItems.length,
      ...ordered.map((s) => ({
        itemId: items[0]!.id,
        op: 'remove' as const,
        subscriptionId: s.id,
        offeringId: s.offeringId,
        services: [],
      })),
    );
    const services = ordered.flatMap((s) =>
      s.services
        .filter((x) => x.state !== 'terminated')
        .map((x) => ({
          key: `${s.id}.${x.specId}`,
          itemId: items[0]!.id,
          subscriptionId: s.id,
          serviceId: x.id,
          offeringId: s.offeringId,
          specId: x.specId,
          name: x.name ?? x.specId,
          driver: x.driver,
          op: 'deprovision' as const,
          config: x.config,
          characteristics: {},
        })),
    );
    return {
      kind,
      items: orderItems,
      relatedParty,
      customerId: customer.id,
      plan: {
        ...base,
        kind,
        customer: {
          id: customer.id,
          name: customer.name,
          email: customer.email ?? body.notificationContact,
          realmId: customer.realmId,
          organizationId: customer.organizationId,
          existing: true,
        },
        plan: planSub ? { subscriptionId: planSub.id, offeringId: planSub.offeringId } : undefined,
        network: [],
        services,
        items: sagaItems,
        finalBill: true,
      },
    };
  }
  return {
    kind,
    items: orderItems,
    relatedParty,
    customerId: customer.id,
    plan: {
      ...base,
      kind,
      customer: {
        id: customer.id,
        name: customer.name,
        email: customer.email ?? body.notificationContact,
        realmId: customer.realmId,
        organizationId: customer.organizationId,
        existing: true,
      },
      plan: planSub ? { subscriptionId: planSub.id, offeringId: planSub.offeringId } : undefined,
      network: [],
      services: [],
      items: sagaItems,
    },
  };
}

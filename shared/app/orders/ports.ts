// What the order sagas need from the rest of Nocturne, as small interfaces: the product catalog
// and customers (to validate an order), the provisioning calls each step makes (customer records,
// the OCS subscriber, each service through its driver), payments, and manual tasks (tickets).
// Every call that changes something takes an operation key and is idempotent by it, so a retried,
// replayed or redriven step never does its work twice, and every undo is a no-op when there is
// nothing to undo. provisioning.ts wires the real ones; tests set their own with setOrderPorts().
import type { Payments } from '../../adapters/payments';
import type { CustomerInfo, OfferingInfo, SagaInput, SagaService, ServiceOp } from '../../domain/orders/plan';

export interface OrderCatalog {
  offering(id: string): Promise<OfferingInfo | undefined>;
  customer(id: string): Promise<CustomerInfo | undefined>;
}

export interface SubscriptionRef {
  customerId: string;
  subscriptionId: string;
}

export interface Provisioning {
  /** The customer account and its (inactive) subscriptions. */
  createCustomer(key: string, customer: SagaInput['customer'], subscriptions: Array<{ subscriptionId: string; offeringId: string; role: 'plan' | 'addOn' }>): Promise<void>;
  /** Undo of createCustomer: the account and everything under it, gone (no-op when absent). */
  removeCustomer(key: string, customerId: string): Promise<void>;
  /** Terminate: the account is closed, flagged for its final bill. */
  flagFinalBill(key: string, customerId: string): Promise<void>;
  closeCustomer(key: string, customerId: string): Promise<void>;

  addSubscription(key: string, s: SubscriptionRef & { offeringId: string; role: 'plan' | 'addOn' }): Promise<void>;
  removeSubscription(key: string, s: SubscriptionRef): Promise<void>;
  setSubscription(key: string, s: SubscriptionRef & { state?: 'active' | 'suspended' | 'terminated'; offeringId?: string }): Promise<void>;

  /** The OCS subscriber of a plan subscription: created with the plan's allowances and spend cap. */
  activateSubscriber(key: string, s: SubscriptionRef & { offeringId: string; ocs?: Record<string, unknown> }): Promise<void>;
  /** Undo / terminate: the OCS subscriber deleted (no-op when absent). */
  deactivateSubscriber(key: string, s: SubscriptionRef): Promise<void>;
  changeSubscriberPlan(key: string, s: SubscriptionRef & { offeringId: string; ocs?: Record<string, unknown> }): Promise<void>;
  suspendSubscriber(key: string, s: SubscriptionRef): Promise<void>;
  resumeSubscriber(key: string, s: SubscriptionRef): Promise<void>;

  /** One service through its driver (provision, deprovision, modify, suspend, resume) and its recorded state. */
  service(key: string, customerId: string, service: SagaService, op: ServiceOp): Promise<void>;
  /** A manual service a person has set up: record it active. */
  serviceDoneManually(key: string, customerId: string, service: SagaService): Promise<void>;
}


export interface ManualTasks {
  /** A ticket carrying the task token (one token opens at most one ticket). */
  open(t: { taskToken: string; orderId: string; stateName: string; executionArn?: string; subject: string; description: string; fields: Record<string, string | number | boolean> }): Promise<{ ticketId: string; number: number }>;
}

export type { Payments };

export interface OrderPorts {
  catalog: OrderCatalog;
  provisioning: Provisioning;
  payments: Payments;
  manualTasks: ManualTasks;
}

let ports: OrderPorts | undefined;
let factory: (() => OrderPorts) | undefined;

/** The ports in use: the ones a test set, else the production wiring (registered by provisioning.ts). */
export function orderPorts(): OrderPorts {
  if (ports) return ports;
  if (!factory) throw new Error('No order ports: import shared/app/orders/wiring (or call setOrderPorts in tests).');
  ports = factory();
  return ports;
}

export function setOrderPorts(p: OrderPorts | undefined): void {
  ports = p;
}

export function registerOrderPorts(make: () => OrderPorts): void {
  factory = make;
}

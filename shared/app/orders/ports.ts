// What the order sagas need from the rest of Nocturne, as small interfaces: the product catalog
// and customers (to validate an order), the provisioning calls each step makes (customer records,
// each service through its driver: the OCS line, webhooks, manual steps as tickets), and payments.
// Every call that changes something takes an operation key and is idempotent by it, so a retried,
// replayed or redriven step never does its work twice, and every undo is a no-op when there is
// nothing to undo. provisioning.ts wires the real ones; tests set their own with setOrderPorts().
import type { Payments } from '../../adapters/payments';
import type { CustomerInfo, OfferingInfo, SagaInput, SagaService } from '../../domain/orders/plan';

export interface OrderCatalog {
  offering(id: string): Promise<OfferingInfo | undefined>;
  customer(id: string): Promise<CustomerInfo | undefined>;
  /** Where a new customer goes: the organization and the realm it belongs to. */
  organization(id: string): Promise<{ id: string; realmId: string } | undefined>;
}

export interface SubscriptionRef {
  customerId: string;
  subscriptionId: string;
}

export type DriverOp = 'provision' | 'modify' | 'suspend' | 'resume' | 'deprovision';

export interface Provisioning {
  /** The customer account (no subscriptions yet). */
  createCustomer(key: string, customer: SagaInput['customer'], paymentMethod: 'cash' | 'card'): Promise<void>;
  /**
   * A new customer (its realm known, as checked when the order was accepted) and its first
   * subscriptions, as createCustomer then addSubscription for each would do, in one write when
   * possible (else one by one, each idempotent by its key).
   */
  createCustomerWithSubscriptions(
    key: string,
    customer: SagaInput['customer'] & { realmId: string; organizationId: string },
    paymentMethod: 'cash' | 'card',
    subscriptions: Array<{ key: string; s: SubscriptionRef & { offeringId: string; orderId: string } }>,
  ): Promise<void>;
  /** Undo of createCustomer: the account and everything under it, gone (no-op when absent). */
  removeCustomer(key: string, customerId: string): Promise<void>;
  /** Terminate: the account closed, flagged for its final bill. */
  closeCustomer(key: string, customerId: string, finalBill: boolean): Promise<void>;
  /** A subscription to an offering, with one inactive service per feature. */
  addSubscription(key: string, s: SubscriptionRef & { offeringId: string; orderId: string }): Promise<void>;
  /** Undo of addSubscription, or a removed add-on's record (no-op when absent). */
  removeSubscription(key: string, s: SubscriptionRef): Promise<void>;
  /** A plan change: the subscription now sells this offering. */
  changeOffering(key: string, s: SubscriptionRef & { offeringId: string; orderId: string }): Promise<void>;
  /**
   * One driver operation on a service and, with `record`, its new recorded state (provision →
   * active, suspend → suspended, resume → active, deprovision → terminated). A manual driver answers
   * later: `task` carries the task token and the result names the ticket.
   */
  runService(
    key: string,
    customerId: string,
    service: SagaService,
    op: DriverOp,
    opts: {
      record: boolean;
      task?: { taskToken: string; executionArn?: string; stateName?: string };
      /** An undo: the operation key of the forward operation it undoes (DriverRequest.undoes). */
      undoes?: string;
    },
  ): Promise<{ ticketId?: string }>;
  /**
   * runService for several automated services of one customer, one after the other (a new
   * customer's OCS line): what they need from the customer's records is read once for all of them.
   */
  runServices(
    ops: Array<{ key: string; service: SagaService }>,
    customerId: string,
    op: DriverOp,
    opts: { record: boolean },
  ): Promise<void>;
  /** Record a service's state (a manual step done). */
  setServiceState(
    key: string,
    customerId: string,
    serviceId: string,
    state: 'active' | 'suspended' | 'terminated',
  ): Promise<void>;
}

export type { Payments };

export interface OrderPorts {
  catalog: OrderCatalog;
  provisioning: Provisioning;
  payments: Payments;
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

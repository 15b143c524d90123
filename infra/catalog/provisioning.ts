// Provisioning: product catalog, customers, product orders as sagas on state machines (issue 11).
import { orderOperations } from '../../shared/api/operations/orders';
import { customerOperations, productCatalogOperations } from '../../shared/api/operations/provisioning';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

// ---- Product orders (docs/orders.md, docs/decisions/0016-product-orders-as-sagas.md) ----
const ORDER_MACHINES = ['order-new-customer', 'order-change-services', 'order-terminate'];
const orderMachine = (name: string, description: string) => ({
  name,
  description,
  definitionFile: `state-machines/${name}.asl.json`,
  type: 'STANDARD' as const,
  substitutions: { OrderStepsFunctionArn: { function: 'order-steps' } },
  // A manual step may wait days for a person (ORDER_MANUAL_TIMEOUT_SECONDS); the whole order gets a week.
  timeoutSeconds: 7 * 24 * 3600,
});

export const provisioningFeature: CatalogFeature = {
  name: 'provisioning',
  functions: [
    // ---- Product catalog and customers (docs/provisioning.md, docs/decisions/0014-provisioning-catalog-customers-drivers.md) ----
    {
      name: 'ops-catalog',
      description:
        'TMF620 product catalog: product specifications (features, drivers) and offerings (plans, add-ons: prices, allowances, spend cap).',
      entry: 'functions/ops-catalog/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(productCatalogOperations),
    },
    {
      name: 'ops-customers',
      description:
        'Realms, organizations, sites, customer users and accounts (realm-scoped), the customer view, customers on a platform service.',
      entry: 'functions/ops-customers/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(customerOperations),
    },
    // ---- Product orders ----
    {
      name: 'ops-orders',
      description:
        'TMF622 product orders: place (each order runs as a saga), list, read with history and step timeline, cancel, redrive.',
      entry: 'functions/ops-orders/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 15,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      stateMachines: {
        start: ORDER_MACHINES,
        read: ORDER_MACHINES,
        redrive: ORDER_MACHINES,
        callbacks: ORDER_MACHINES,
      },
      triggers: httpRoutes(orderOperations),
    },
    {
      name: 'order-steps',
      description:
        'The steps of the product order sagas (every Task of state-machines/order-*.asl.json): customer records, drivers, payments, notifications.',
      entry: 'functions/order-steps/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 60,
      table: 'readwrite',
      topics: ['notifications'],
      stateMachines: { callbacks: ORDER_MACHINES },
      // The drivers' configuration: the OCS API (ocs driver) and the webhook driver's signing key.
      needs: ['ocsConfig', 'webhookSigningSecret'],
      triggers: [],
    },
    {
      name: 'order-reconciler',
      description:
        'Keeps open product orders in step with their executions: starts one that never started or is gone, fails one whose execution stopped, ends one whose execution succeeded.',
      entry: 'functions/order-reconciler/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 120,
      table: 'readwrite',
      stateMachines: { start: ORDER_MACHINES, read: ORDER_MACHINES },
      triggers: [{ kind: 'schedule', expression: 'rate(5 minutes)' }],
    },
  ],
  stateMachines: [
    orderMachine(
      'order-new-customer',
      'Product order, new customer: customer, payment check, OCS line, services in parallel, notify; compensates in reverse.',
    ),
    orderMachine(
      'order-change-services',
      'Product order, add/remove a service, plan change, suspend/resume: each item applied or undone on its own.',
    ),
    orderMachine(
      'order-terminate',
      'Product order, terminate: point of no return, every service removed, account closed with its final bill flag.',
    ),
  ],
};

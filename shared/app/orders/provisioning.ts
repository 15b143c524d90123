// The order ports backed by the provisioning feature: offerings and customers for validation, and
// each saga call mapped onto the customer store and the drivers (ocs, webhook, manual).
import type { OrderCatalog, Provisioning } from './ports';

const notWired = (what: string) => () => {
  throw new Error(`order ports: ${what} is not wired to the provisioning feature yet`);
};

export const provisioningCatalog: OrderCatalog = {
  offering: notWired('catalog.offering'),
  customer: notWired('catalog.customer'),
};

export const driverProvisioning: Provisioning = new Proxy({} as Provisioning, {
  get: (_t, prop) => notWired(`provisioning.${String(prop)}`),
});

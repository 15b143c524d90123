// The production order ports: the product catalog and customers, provisioning through the drivers,
// and payments. Imported by the order functions' entries.
import { simulatedPayments } from '../../adapters/payments';
import { registerOrderPorts } from './ports';
import { driverProvisioning, provisioningCatalog } from './provisioning';

registerOrderPorts(() => ({
  catalog: provisioningCatalog,
  provisioning: driverProvisioning,
  payments: simulatedPayments,
}));

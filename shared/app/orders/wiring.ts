// The production order ports: the product catalog and customers, provisioning through the drivers,
// payments and manual tasks. Imported by the order functions' entries.
import { registerOrderPorts } from './ports';
import { ticketManualTasks } from './manual-tasks';
import { simulatedPayments } from '../../adapters/payments';
import { provisioningCatalog, driverProvisioning } from './provisioning';

registerOrderPorts(() => ({ catalog: provisioningCatalog, provisioning: driverProvisioning, payments: simulatedPayments, manualTasks: ticketManualTasks }));

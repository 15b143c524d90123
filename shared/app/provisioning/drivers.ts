// The driver registry: name → driver. Sagas call `driverFor(feature.driver)[operation](request)`;
// tests swap a driver with setDriver.
import type { DriverName } from '../../domain/provisioning/catalog';
import type {
  DriverOperation,
  DriverRequest,
  DriverResult,
  ProvisioningDriver,
} from '../../domain/provisioning/driver';
import { OcsDriver } from '../../adapters/drivers/ocs';
import { WebhookDriver } from '../../adapters/drivers/webhook';
import { ManualDriver } from './manual-driver';

const defaults = (): Record<DriverName, ProvisioningDriver> => ({
  ocs: new OcsDriver(),
  webhook: new WebhookDriver(),
  manual: new ManualDriver(),
});
let drivers = defaults();

export function driverFor(name: DriverName): ProvisioningDriver {
  return drivers[name];
}

/** Replace one driver (tests); undefined restores the shipped one. */
export function setDriver(name: DriverName, driver: ProvisioningDriver | undefined): void {
  drivers[name] = driver ?? defaults()[name];
}

export function resetDrivers(): void {
  drivers = defaults();
}

/** Run one operation of the driver a service names. */
export function runDriver(name: DriverName, operation: DriverOperation, req: DriverRequest): Promise<DriverResult> {
  return driverFor(name)[operation](req);
}

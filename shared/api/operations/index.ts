// Every feature's operations, in the order they appear in the OpenAPI document.
// A feature adds `export const xOperations: Operation[]` in its own file and lists it here.
import type { Operation } from '../operation';
import { incidentOperations } from './incidents';
import { probeOperations } from './probes';
import { ticketOperations } from './tickets';
import { oncallOperations } from './oncall';
import { orderOperations } from './orders';
import { customerOperations, productCatalogOperations } from './provisioning';

export const featureOperations: Operation[] = [...incidentOperations, ...ticketOperations, ...probeOperations, ...oncallOperations, ...productCatalogOperations, ...customerOperations, ...orderOperations];

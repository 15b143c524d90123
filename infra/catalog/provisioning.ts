// Provisioning: product catalog, customers, product orders as sagas on state machines (issue 11).
import type { CatalogFeature } from './types';

export const provisioningFeature: CatalogFeature = {
  name: 'provisioning',
  functions: [],
  stateMachines: [],
};

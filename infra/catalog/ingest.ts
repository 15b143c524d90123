// Alert intake: monitor webhooks and PagerDuty Events v2, the integrations that authenticate them, and the alerts they stored (docs/decisions/0001).
import { alertOperations, ingestOperations, integrationOperations } from '../../shared/api/operations/ingest';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const ingestFeature: CatalogFeature = {
  name: 'ingest',
  functions: [
    {
      name: 'ingest',
      description: 'Receives monitor webhooks and PagerDuty Events v2, normalizes and stores alerts.',
      entry: 'functions/ingest/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: httpRoutes(ingestOperations),
    },
    {
      name: 'ops-integrations',
      description: 'Ops API: manage monitor integrations and their tokens.',
      entry: 'functions/ops-integrations/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(integrationOperations),
    },
    {
      name: 'ops-alerts',
      description: 'Ops API: list and read alerts, with their raw payloads.',
      entry: 'functions/ops-alerts/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      triggers: httpRoutes(alertOperations),
    },
  ],
  stateMachines: [],
};

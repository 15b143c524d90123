// Alert intake: monitor webhooks and PagerDuty Events v2, the integrations that authenticate them, and the alerts they stored (docs/decisions/0001).
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
      triggers: [
        { kind: 'http', method: 'POST', path: '/hooks/{integrationId}', auth: 'token' },
        { kind: 'http', method: 'POST', path: '/v2/enqueue', auth: 'token' },
      ],
    },
    {
      name: 'ops-integrations',
      description: 'Ops API: manage monitor integrations and their tokens.',
      entry: 'functions/ops-integrations/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'POST', path: '/integrations', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/integrations', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/integrations/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'PATCH', path: '/integrations/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/integrations/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/integrations/{id}/rotate-token', auth: 'jwt', role: 'admin' },
      ],
    },
    {
      name: 'ops-alerts',
      description: 'Ops API: list and read alerts, with their raw payloads.',
      entry: 'functions/ops-alerts/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'read',
      triggers: [
        { kind: 'http', method: 'GET', path: '/alerts', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/alerts/{id}', auth: 'jwt', role: 'viewer' },
      ],
    },
  ],
  stateMachines: [],
};

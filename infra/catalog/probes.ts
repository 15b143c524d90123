// Probes and job monitoring (docs/probes.md, docs/decisions/0006).
import { availabilityOperations, pingOperations, probeOperations } from '../../shared/api/operations/probes';
import {
  PROBE_BATCH_DETAIL_TYPE,
  PROBE_DETAIL_TYPES,
  PROBE_EVENT_SOURCE,
  PROBE_ROUND_SOURCE,
} from '../../events/probes';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const probesFeature: CatalogFeature = {
  name: 'probes',
  functions: [
    {
      name: 'ops-probes',
      description: 'Ops API: service probes (HTTP, TCP, DNS) and monitored jobs/daemons; results, pings, flips.',
      entry: 'functions/ops-probes/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      needs: ['publicBaseUrl'],
      triggers: httpRoutes(probeOperations),
    },
    {
      name: 'pings',
      description:
        'Job pings (success, start, fail) from cron and daemons; the unguessable key in the URL is the credential.',
      entry: 'functions/pings/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: httpRoutes(pingOperations),
    },
    {
      name: 'probe-scheduler',
      description:
        'Every minute: finds the due service probes and fans them out in batches to probe-worker (bus events).',
      entry: 'functions/probe-scheduler/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 50,
      table: 'read',
      publishEvents: true,
      triggers: [{ kind: 'schedule', expression: 'rate(1 minute)' }],
    },
    {
      name: 'probe-worker',
      description: 'Runs one batch of due probes at once (HTTP(S), TCP, DNS), records results and state flips.',
      entry: 'functions/probe-worker/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 90,
      table: 'readwrite',
      triggers: [
        { kind: 'event', pattern: { source: [PROBE_ROUND_SOURCE], 'detail-type': [PROBE_BATCH_DETAIL_TYPE] } },
      ],
    },
    {
      name: 'probe-alerts',
      description:
        'Built-in alert integration: aligns the alert pipeline with each probe/job flip (storeDelivery as nocturne-probes).',
      entry: 'functions/probe-alerts/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [
        {
          kind: 'event',
          pattern: { source: [PROBE_EVENT_SOURCE], 'detail-type': [PROBE_DETAIL_TYPES.probe, PROBE_DETAIL_TYPES.job] },
        },
      ],
    },
    {
      name: 'availability',
      description: 'Availability per service and month from probe flips and P1/P2 incidents, against the SLA target.',
      entry: 'functions/availability/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'read',
      triggers: httpRoutes(availabilityOperations),
    },
  ],
  stateMachines: [],
};

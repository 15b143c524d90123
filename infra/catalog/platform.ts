// Platform: what every feature relies on (the OpenAPI document, durable timers, the outbox, the reconciler).
import { openapiOperations } from '../../shared/api/operations/ingest';
import { OUTBOX_ITEM_TYPES } from '../../shared/store/outbox/item-types';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const platformFeature: CatalogFeature = {
  name: 'platform',
  functions: [
    {
      name: 'openapi',
      description: 'Serves the OpenAPI document generated from the zod schemas.',
      entry: 'functions/openapi/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 5,
      triggers: httpRoutes(openapiOperations),
    },
    {
      name: 'timer-sweeper',
      description: 'Runs due durable timers (group windows, escalations, SLA deadlines, heartbeat grace).',
      entry: 'functions/timer-sweeper/handler.ts',
      memoryMb: 512,
      // One invocation a minute polls for a minute and wakes for what its last poll saw after it
      // (decision 0017): the next one overlaps it, so no timer waits for a gap between the two.
      timeoutSeconds: 90,
      table: 'readwrite',
      publishEvents: true,
      topics: ['pages', 'stakeholders', 'notifications'],
      environment: { SWEEP_LOOP_SECONDS: '60', SWEEP_POLL_SECONDS: '5' },
      needs: ['publicBaseUrl', 'actLinkSecret'],
      triggers: [{ kind: 'schedule', expression: 'rate(1 minute)' }],
    },
    {
      name: 'outbox',
      description: 'Turns committed table changes (DynamoDB stream) into versioned events on the bus.',
      entry: 'functions/outbox/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      publishEvents: true,
      // Only the changes a mapper turns into events: raw payloads, dispositions, links, timelines... never invoke it.
      triggers: [{ kind: 'tableStream', batchSize: 100, itemTypes: OUTBOX_ITEM_TYPES }],
    },
    {
      name: 'reconciler',
      description:
        'Self-healing sweep: places firing alerts left without placement and starts the escalation of announced incidents left without one.',
      entry: 'functions/reconciler/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 120,
      table: 'readwrite',
      topics: ['pages'],
      needs: ['publicBaseUrl', 'actLinkSecret'],
      triggers: [{ kind: 'schedule', expression: 'rate(2 minutes)' }],
    },
    {
      name: 'dlq-redrive',
      description:
        'Redrives dead-lettered async invocations and events to their function (DLQ event source; parked after 5 receives).',
      entry: 'functions/dlq-redrive/handler.ts',
      memoryMb: 256,
      // Longer than any target's timeout: the target is invoked synchronously.
      timeoutSeconds: 300,
      triggers: [{ kind: 'deadLetters' }],
    },
    {
      name: 'data-migrations',
      description:
        'Applies the data migrations a release needs to items stored before it, once per release (decision 0090).',
      entry: 'functions/data-migrations/handler.ts',
      memoryMb: 512,
      // A scan of the whole table; each migration is idempotent, so a retry after a timeout resumes.
      timeoutSeconds: 900,
      table: 'readwrite',
      triggers: [{ kind: 'deploy' }],
    },
  ],
  stateMachines: [],
};

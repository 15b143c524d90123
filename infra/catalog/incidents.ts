// Incidents: the engine that turns alert events into incidents, and the ops API over incidents, teams, services and rules.
import { incidentOperations, serviceOperations } from '../../shared/api/operations/incidents';
import { ruleOperations } from '../../shared/api/operations/rules';
import { ALERT_DETAIL_TYPES as A, ALERT_EVENT_SOURCE } from '../../events/alerts';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const incidentsFeature: CatalogFeature = {
  name: 'incidents',
  functions: [
    {
      name: 'incident-engine',
      description:
        'Turns alert events into incidents: routing, grouping, severity, silences, inhibition, correlation, storms.',
      entry: 'functions/incident-engine/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [
        {
          kind: 'event',
          pattern: { source: [ALERT_EVENT_SOURCE], 'detail-type': [A.opened, A.repeated, A.resolved, A.acknowledged] },
        },
      ],
    },
    {
      name: 'ops-incidents',
      description: 'Ops API: list, read and act on incidents.',
      entry: 'functions/ops-incidents/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(incidentOperations),
    },
    {
      name: 'ops-services',
      description: 'Ops API: teams and services (owners, tiers, SLA targets, dependencies).',
      entry: 'functions/ops-services/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(serviceOperations),
    },
    {
      name: 'ops-rules',
      description:
        'Ops API: incident rules (routing, grouping, severity, inhibition), silences and maintenance windows.',
      entry: 'functions/ops-rules/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(ruleOperations),
    },
  ],
  stateMachines: [],
};

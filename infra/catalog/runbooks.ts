// Runbook automation (docs/runbooks.md): versioned runbooks, runs as executions of the generic
// interpreter machine state-machines/runbook.asl.json (decision 0061), approvals by task token.
import { runbookOperations } from '../../shared/api/operations/runbooks';
import { INCIDENT_DETAIL_TYPES as I, INCIDENT_EVENT_SOURCE } from '../../events/incidents';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

const MACHINES = ['runbook'];

export const runbooksFeature: CatalogFeature = {
  name: 'runbooks',
  functions: [
    {
      name: 'ops-runbooks',
      description:
        'Runbooks API: versioned runbooks, runs started from an incident (or dry), approvals (signed-in or by signed link), audit.',
      entry: 'functions/ops-runbooks/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      stateMachines: { start: MACHINES, read: MACHINES, callbacks: MACHINES },
      needs: ['actLinkSecret'],
      triggers: httpRoutes(runbookOperations),
    },
    {
      name: 'runbook-triggers',
      description: 'Starts the runbooks attached to an incident (service, alert labels) when it opens, once each.',
      entry: 'functions/runbook-triggers/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 60,
      table: 'readwrite',
      stateMachines: { start: MACHINES },
      triggers: [{ kind: 'event', pattern: { source: [INCIDENT_EVENT_SOURCE], 'detail-type': [I.opened] } }],
    },
    {
      name: 'runbook-steps',
      description:
        'The runbook interpreter’s Tasks: next step, signed HTTP calls, notifications, tickets, approvals, timeline, report.',
      entry: 'functions/runbook-steps/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 300,
      table: 'readwrite',
      topics: ['notifications', 'stakeholders'],
      needs: ['publicBaseUrl', 'webhookSigningSecret', 'actLinkSecret'],
      triggers: [],
    },
  ],
  stateMachines: [
    {
      name: 'runbook',
      description:
        'A runbook run: the generic interpreter whose steps come from the runbook version the run started with.',
      definitionFile: 'state-machines/runbook.asl.json',
      type: 'STANDARD',
      substitutions: { RunbookStepsFunctionArn: { function: 'runbook-steps' } },
      timeoutSeconds: 8 * 86400,
    },
  ],
};

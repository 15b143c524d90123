// Blameless postmortems (docs/postmortems.md): drafts from resolved P1/P2 incidents and the ops API.
// Action items are tickets; their reminders are durable timers run by the timer sweeper.
import { postmortemOperations } from '../../shared/api/operations/postmortems';
import { INCIDENT_DETAIL_TYPES as I, INCIDENT_EVENT_SOURCE } from '../../events/incidents';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

const settings = { POSTMORTEM_REQUIRED_SEVERITIES: 'P1,P2', POSTMORTEM_TICKET_CATEGORY: 'postmortem-action' };

export const postmortemsFeature: CatalogFeature = {
  name: 'postmortems',
  functions: [
    {
      name: 'ops-postmortems',
      description:
        'Postmortems API: drafts from incidents, analysis (why-tree, action items as tickets), review, publish, Markdown, overdue items.',
      entry: 'functions/ops-postmortems/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 15,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      environment: { ...settings, POSTMORTEM_REMINDER_DAYS: '2' },
      triggers: httpRoutes(postmortemOperations),
    },
    {
      name: 'postmortem-drafts',
      description: 'Generates the postmortem draft of a resolved incident whose severity requires one.',
      entry: 'functions/postmortem-drafts/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      environment: settings,
      triggers: [{ kind: 'event', pattern: { source: [INCIDENT_EVENT_SOURCE], 'detail-type': [I.resolved] } }],
    },
  ],
  stateMachines: [],
};

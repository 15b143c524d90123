// On-call: schedules, escalation, paging (docs/oncall.md, docs/decisions/0008-escalation.md).
import { actOperations } from '../../shared/api/operations/act';
import { oncallOperations, responseReportOperations } from '../../shared/api/operations/oncall';
import { INCIDENT_DETAIL_TYPES as I, INCIDENT_EVENT_SOURCE } from '../../events/incidents';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const oncallFeature: CatalogFeature = {
  name: 'oncall',
  functions: [
    {
      name: 'ops-oncall',
      description:
        'Ops API: users and contact methods, team on-call, schedules (on call now, shifts, overrides), escalation policies, status subscriptions, page log.',
      entry: 'functions/ops-oncall/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(oncallOperations),
    },
    {
      name: 'paging',
      description:
        'Starts an incident’s escalation chain when it is announced (pages level 1 at once), restarts it on reassignment, arms ack timeouts.',
      entry: 'functions/paging/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      topics: ['pages'],
      needs: ['publicBaseUrl', 'actLinkSecret'],
      triggers: [
        {
          kind: 'event',
          pattern: {
            source: [INCIDENT_EVENT_SOURCE],
            'detail-type': [I.opened, I.reopened, I.reassigned, I.acknowledged],
          },
        },
      ],
    },
    {
      name: 'paging-stakeholders',
      description:
        'Tells the subscribers of a service’s status when its incidents open, change severity and resolve (stakeholders topic).',
      entry: 'functions/paging-stakeholders/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      topics: ['stakeholders'],
      triggers: [
        {
          kind: 'event',
          pattern: {
            source: [INCIDENT_EVENT_SOURCE],
            'detail-type': [I.opened, I.severityChanged, I.resolved],
            detail: { notify: [true] },
          },
        },
      ],
    },
    {
      name: 'act',
      description:
        'Signed, expiring page links: GET shows a confirmation page, POST acknowledges or resolves the incident (no login).',
      entry: 'functions/act/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      needs: ['actLinkSecret'],
      triggers: httpRoutes(actOperations),
    },
    {
      name: 'reports-response',
      description:
        'Response report: time to detect, acknowledge and resolve (mean, p90), acknowledged within target, by team, service or severity.',
      entry: 'functions/reports-response/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'read',
      triggers: httpRoutes(responseReportOperations),
    },
  ],
  stateMachines: [],
};

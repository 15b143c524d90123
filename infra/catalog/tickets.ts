// Tickets (docs/tickets.md, docs/decisions/0005-ticketing.md).
import {
  inboundEmailOperations,
  ticketConfigOperations,
  ticketOperations,
  ticketReportOperations,
  workflowTaskOperations,
} from '../../shared/api/operations/tickets';
import { INCIDENT_DETAIL_TYPES as I, INCIDENT_EVENT_SOURCE } from '../../events/incidents';
import { TICKET_DETAIL_TYPES as T, TICKET_EVENT_SOURCE } from '../../events/tickets';
import { httpRoutes } from './routes';
import type { CatalogFeature } from './types';

export const ticketsFeature: CatalogFeature = {
  name: 'tickets',
  functions: [
    {
      name: 'ops-tickets',
      description:
        'Tickets API: agents open, change, comment and log time; requesters see and comment on their own tickets.',
      entry: 'functions/ops-tickets/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      environment: { TICKET_CONFIG_CACHE_SECONDS: '15' },
      triggers: httpRoutes(ticketOperations),
    },
    {
      name: 'ticket-config',
      description:
        'Ticketing configuration: categories and custom fields, queues, calendars, SLA policies, incident rules, requesters.',
      entry: 'functions/ticket-config/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: httpRoutes(ticketConfigOperations),
    },
    {
      name: 'ticket-reports',
      description: 'Ticket report: created, resolved, backlog and age, SLA attainment, time tracked; JSON or CSV.',
      entry: 'functions/ticket-reports/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 29,
      table: 'read',
      triggers: httpRoutes(ticketReportOperations),
    },
    {
      name: 'ticket-notifier',
      description:
        'Ticket events to email-format notifications (requester, assignee, queue, watchers, lead) per category.',
      entry: 'functions/ticket-notifier/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      topics: ['notifications'],
      environment: { TICKET_CONFIG_CACHE_SECONDS: '15' },
      needs: ['publicBaseUrl'],
      triggers: [
        {
          kind: 'event',
          pattern: {
            source: [TICKET_EVENT_SOURCE],
            'detail-type': [T.created, T.assigned, T.commented, T.status, T['sla-warning'], T['sla-breached']],
          },
        },
      ],
    },
    {
      name: 'ticket-sla',
      description: 'Keeps each ticket’s durable SLA and auto-close timers in step with its committed state.',
      entry: 'functions/ticket-sla/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      environment: { TICKET_CONFIG_CACHE_SECONDS: '15' },
      triggers: [
        // Once per revision that moved a clock, and on status changes that did not (auto-close).
        { kind: 'event', pattern: { source: [TICKET_EVENT_SOURCE], detail: { slaChanged: [true], primary: [true] } } },
        {
          kind: 'event',
          pattern: { source: [TICKET_EVENT_SOURCE], 'detail-type': [T.status], detail: { slaChanged: [false] } },
        },
      ],
    },
    {
      name: 'ticket-incidents',
      description:
        'Opens follow-up tickets for incidents by rule (linked both ways) and notes incident resolution on them.',
      entry: 'functions/ticket-incidents/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [
        {
          kind: 'event',
          pattern: { source: [INCIDENT_EVENT_SOURCE], 'detail-type': [I.opened, I.severityChanged, I.resolved] },
        },
      ],
    },
    {
      name: 'workflow-tasks',
      description:
        'Opens a ticket for a workflow’s manual step, carrying its Step Functions task token (HTTP or direct Task invoke).',
      entry: 'functions/workflow-tasks/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      triggers: httpRoutes(workflowTaskOperations),
    },
    {
      name: 'ticket-workflow-callback',
      description:
        'Answers a workflow task ticket’s task token (success, or failure when rejected) once its resolution is committed.',
      entry: 'functions/ticket-workflow-callback/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      stepFunctionsCallbacks: true,
      triggers: [
        {
          kind: 'event',
          pattern: {
            source: [TICKET_EVENT_SOURCE],
            'detail-type': [T.status],
            detail: { ticket: { workflowTask: [true], status: ['resolved'] } },
          },
        },
      ],
    },
    {
      name: 'inbound-email',
      description:
        'Inbound email (SES receipt rule → S3 → this function, or POST of a raw .eml) to tickets and requester comments.',
      entry: 'functions/inbound-email/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      idempotencyTable: 'readwrite',
      environment: { INBOUND_EMAIL_MAX_BYTES: '5242880', INBOUND_EMAIL_DEFAULT_CATEGORY: 'general-support' },
      triggers: [{ kind: 'inboundEmail', prefix: 'inbound/' }, ...httpRoutes(inboundEmailOperations)],
    },
  ],
  stateMachines: [],
};

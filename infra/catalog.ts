// THE wiring. Every function is declared here once: its entry, its triggers and exactly what
// it may touch. infra/aws builds the CDK app from this file and infra/local builds the local
// runtime from it; test/infra checks that both serve every trigger declared here.
import type { TopicName } from '../shared/adapters/notifier';
import type { Role } from '../shared/http/auth';
import { idempotencyTable, mainTable, type TableDefinition } from '../shared/store/table-definition';

export type { Role };
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpTrigger {
  kind: 'http';
  method: HttpMethod;
  /** API Gateway route path, with {param} placeholders. */
  path: string;
  /** jwt: ops route behind the JWT authorizer (role checked in the handler); token: webhook
   * authenticated by the integration token in the handler; public: no authentication. */
  auth: 'jwt' | 'token' | 'public';
  /** Least role the handler requires (documentation and tests; enforced in the handler). */
  role?: Role;
}

export interface ScheduleTrigger {
  kind: 'schedule';
  /** EventBridge expression: rate(1 minute) or cron(0/5 * * * ? *). */
  expression: string;
}

export interface EventTrigger {
  kind: 'event';
  /** EventBridge event pattern on the Nocturne bus. */
  pattern: { source?: string[]; 'detail-type'?: string[]; detail?: Record<string, unknown> };
}

export interface TableStreamTrigger {
  kind: 'tableStream';
  batchSize: number;
}

/** Email to the deployment's inbound domain (CDK context or stack prop `inboundEmailDomain`). In AWS
 * an SES receipt rule stores each raw message in the inbound-email bucket under `prefix`, then
 * invokes the function (Event) with the SES event; the function may read only that prefix and gets
 * INBOUND_EMAIL_BUCKET and INBOUND_EMAIL_PREFIX. The local runtime has no SES: there, raw messages
 * reach the function through its HTTP route (e.g. POST /inbound-email). */
export interface InboundEmailTrigger {
  kind: 'inboundEmail';
  /** S3 key prefix for the raw messages, ending in "/"; one per function, none inside another. */
  prefix: string;
}

export type Trigger = HttpTrigger | ScheduleTrigger | EventTrigger | TableStreamTrigger | InboundEmailTrigger;

/** Triggers that invoke the function asynchronously (retries, then its async dead-letter queue). */
export function isAsyncTrigger(t: Trigger): boolean {
  return t.kind === 'schedule' || t.kind === 'event' || t.kind === 'inboundEmail';
}

export type { TopicName };

export interface FunctionDefinition {
  /** kebab-case; also the folder under functions/. */
  name: string;
  description: string;
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  triggers: Trigger[];
  /** Access to the main table and the idempotency table. */
  table?: 'read' | 'readwrite';
  idempotencyTable?: 'readwrite';
  /** May put events on the Nocturne bus. */
  publishEvents?: boolean;
  /** SNS topics it may publish to. */
  topics?: TopicName[];
  /** May answer Step Functions task tokens: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat. */
  stepFunctionsCallbacks?: true;
  /** Extra environment (non-secret, static). */
  environment?: Record<string, string>;
  /** Deployment values it reads, set by each runtime (see FUNCTION_NEEDS). */
  needs?: FunctionNeed[];
}

/**
 * Values that exist only once deployed, as the environment variable each one fills. publicBaseUrl:
 * where people reach the HTTP API (links in pages and notifications). actLinkSecret: HMAC
 * secret(s) of signed page links, comma-separated, the first signs (shared/oncall/links.ts). In AWS
 * the stack sets them only on functions that declare them; the local runtime gives every handler
 * its own URL and, with NOCTURNE_RUNTIME=local, links.ts falls back to a development secret.
 */
export const FUNCTION_NEEDS = { publicBaseUrl: 'PUBLIC_BASE_URL', actLinkSecret: 'ACT_LINK_SECRET' } as const;
export type FunctionNeed = keyof typeof FUNCTION_NEEDS;

export interface TopicDefinition {
  name: TopicName;
  displayName: string;
}

export interface Catalog {
  tables: { main: TableDefinition; idempotency: TableDefinition };
  busName: string;
  topics: TopicDefinition[];
  functions: FunctionDefinition[];
  /** API-wide throttling, applied by API Gateway and emulated by the local HTTP server. */
  throttle: { rateLimit: number; burstLimit: number; webhookRateLimit: number; webhookBurstLimit: number };
}

export const catalog: Catalog = {
  tables: { main: mainTable, idempotency: idempotencyTable },
  busName: 'nocturne',
  throttle: { rateLimit: 200, burstLimit: 400, webhookRateLimit: 1000, webhookBurstLimit: 2000 },
  topics: [
    { name: 'pages', displayName: 'Nocturne pages' },
    { name: 'stakeholders', displayName: 'Nocturne stakeholder updates' },
    { name: 'notifications', displayName: 'Nocturne ticket notifications' },
    { name: 'alerts', displayName: 'Nocturne alert feed' },
  ],
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
    {
      name: 'openapi',
      description: 'Serves the OpenAPI document generated from the zod schemas.',
      entry: 'functions/openapi/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 5,
      triggers: [{ kind: 'http', method: 'GET', path: '/openapi.json', auth: 'public' }],
    },
    {
      name: 'incident-engine',
      description: 'Turns alert events into incidents: routing, grouping, severity, silences, inhibition, correlation, storms.',
      entry: 'functions/incident-engine/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [
        { kind: 'event', pattern: { source: ['nocturne.alerts'], 'detail-type': ['Alert Opened', 'Alert Resolved', 'Alert Acknowledged'] } },
      ],
    },
    {
      name: 'ops-incidents',
      description: 'Ops API: list, read and act on incidents.',
      entry: 'functions/ops-incidents/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'GET', path: '/incidents', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/incidents/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/acknowledge', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/resolve', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/reassign', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/severity', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/merge', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/incidents/{id}/notes', auth: 'jwt', role: 'responder' },
      ],
    },
    {
      name: 'ops-services',
      description: 'Ops API: teams and services (owners, tiers, SLA targets, dependencies).',
      entry: 'functions/ops-services/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'POST', path: '/teams', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/teams', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/teams/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/teams/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/teams/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/services', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/services', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/services/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/services/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/services/{id}', auth: 'jwt', role: 'admin' },
      ],
    },
    {
      name: 'ops-rules',
      description: 'Ops API: incident rules (routing, grouping, severity, inhibition), silences and maintenance windows.',
      entry: 'functions/ops-rules/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'GET', path: '/rules', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/rules', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/silences', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'GET', path: '/silences', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/silences/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'POST', path: '/silences/{id}/expire', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/maintenance-windows', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'GET', path: '/maintenance-windows', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'DELETE', path: '/maintenance-windows/{id}', auth: 'jwt', role: 'responder' },
      ],
    },
    {
      name: 'timer-sweeper',
      description: 'Runs due durable timers (group windows, escalations, SLA deadlines, heartbeat grace).',
      entry: 'functions/timer-sweeper/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 70,
      table: 'readwrite',
      publishEvents: true,
      topics: ['pages', 'stakeholders', 'notifications'],
      environment: { SWEEP_LOOP_SECONDS: '50', SWEEP_POLL_SECONDS: '5' },
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
      triggers: [{ kind: 'tableStream', batchSize: 100 }],
    },
    // ---- Probes and job monitoring (docs/probes.md, docs/decisions/0006) ----
    {
      name: 'ops-probes',
      description: 'Ops API: service probes (HTTP, TCP, DNS) and monitored jobs/daemons; results, pings, flips.',
      entry: 'functions/ops-probes/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      needs: ['publicBaseUrl'],
      triggers: [
        { kind: 'http', method: 'POST', path: '/probes', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/probes', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/probes/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/probes/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/probes/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/probes/{id}/pause', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/probes/{id}/resume', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'GET', path: '/probes/{id}/results', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/probes/{id}/flips', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'POST', path: '/jobs', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/jobs', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/jobs/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/jobs/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/jobs/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/jobs/{id}/pause', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/jobs/{id}/resume', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/jobs/{id}/rotate-key', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/jobs/{id}/pings', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/jobs/{id}/flips', auth: 'jwt', role: 'viewer' },
      ],
    },
    {
      name: 'pings',
      description: 'Job pings (success, start, fail) from cron and daemons; the unguessable key in the URL is the credential.',
      entry: 'functions/pings/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'GET', path: '/pings/{key}', auth: 'public' },
        { kind: 'http', method: 'POST', path: '/pings/{key}', auth: 'public' },
        { kind: 'http', method: 'GET', path: '/pings/{key}/start', auth: 'public' },
        { kind: 'http', method: 'POST', path: '/pings/{key}/start', auth: 'public' },
        { kind: 'http', method: 'GET', path: '/pings/{key}/fail', auth: 'public' },
        { kind: 'http', method: 'POST', path: '/pings/{key}/fail', auth: 'public' },
      ],
    },
    {
      name: 'probe-scheduler',
      description: 'Every minute: finds the due service probes and fans them out in batches to probe-worker (bus events).',
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
      triggers: [{ kind: 'event', pattern: { source: ['nocturne.probe-scheduler'], 'detail-type': ['Probe Batch Due'] } }],
    },
    {
      name: 'probe-alerts',
      description: 'Built-in alert integration: aligns the alert pipeline with each probe/job flip (storeDelivery as nocturne-probes).',
      entry: 'functions/probe-alerts/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [{ kind: 'event', pattern: { source: ['nocturne.probes'], 'detail-type': ['Probe State Changed', 'Job State Changed'] } }],
    },
    {
      name: 'availability',
      description: 'Availability per service and month from probe flips and P1/P2 incidents, against the SLA target.',
      entry: 'functions/availability/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'read',
      triggers: [
        { kind: 'http', method: 'GET', path: '/services/{id}/availability', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/reports/availability', auth: 'jwt', role: 'viewer' },
      ],
    },
    // ---- Tickets (docs/tickets.md, docs/decisions/0005-ticketing.md) ----
    {
      name: 'ops-tickets',
      description: 'Tickets API: agents open, change, comment and log time; requesters see and comment on their own tickets.',
      entry: 'functions/ops-tickets/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 10,
      table: 'readwrite',
      environment: { TICKET_CONFIG_CACHE_SECONDS: '15' },
      triggers: [
        { kind: 'http', method: 'POST', path: '/tickets', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'GET', path: '/tickets', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'GET', path: '/tickets/{id}', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'PATCH', path: '/tickets/{id}', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/tickets/{id}/comments', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'GET', path: '/tickets/{id}/comments', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'POST', path: '/tickets/{id}/time-entries', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'GET', path: '/tickets/{id}/time-entries', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/tickets/{id}/history', auth: 'jwt', role: 'viewer' },
      ],
    },
    {
      name: 'ticket-config',
      description: 'Ticketing configuration: categories and custom fields, queues, calendars, SLA policies, incident rules, requesters.',
      entry: 'functions/ticket-config/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'PUT', path: '/ticket-categories/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/ticket-categories', auth: 'jwt', role: 'requester' },
        { kind: 'http', method: 'GET', path: '/ticket-categories/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/ticket-queues/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/ticket-queues', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/ticket-queues/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/ticket-queues/{id}/members/{memberId}/availability', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'PUT', path: '/ticket-calendars/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/ticket-calendars', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/ticket-sla-policies/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/ticket-sla-policies', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/ticket-incident-rules/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/ticket-incident-rules', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'DELETE', path: '/ticket-incident-rules/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'PUT', path: '/requesters/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/requesters', auth: 'jwt', role: 'admin' },
      ],
    },
    {
      name: 'ticket-reports',
      description: 'Ticket report: created, resolved, backlog and age, SLA attainment, time tracked; JSON or CSV.',
      entry: 'functions/ticket-reports/handler.ts',
      memoryMb: 1024,
      timeoutSeconds: 29,
      table: 'read',
      triggers: [{ kind: 'http', method: 'GET', path: '/reports/tickets', auth: 'jwt', role: 'viewer' }],
    },
    {
      name: 'ticket-notifier',
      description: 'Ticket events to email-format notifications (requester, assignee, queue, watchers, lead) per category.',
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
            source: ['nocturne.tickets'],
            'detail-type': ['Ticket Created', 'Ticket Assigned', 'Ticket Commented', 'Ticket Status Changed', 'Ticket SLA Warning', 'Ticket SLA Breached'],
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
        { kind: 'event', pattern: { source: ['nocturne.tickets'], detail: { slaChanged: [true], primary: [true] } } },
        { kind: 'event', pattern: { source: ['nocturne.tickets'], 'detail-type': ['Ticket Status Changed'], detail: { slaChanged: [false] } } },
      ],
    },
    {
      name: 'ticket-incidents',
      description: 'Opens follow-up tickets for incidents by rule (linked both ways) and notes incident resolution on them.',
      entry: 'functions/ticket-incidents/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      triggers: [{ kind: 'event', pattern: { source: ['nocturne.incidents'], 'detail-type': ['Incident Opened', 'Incident Resolved'] } }],
    },
    {
      name: 'workflow-tasks',
      description: 'Opens a ticket for a workflow’s manual step, carrying its Step Functions task token (HTTP or direct Task invoke).',
      entry: 'functions/workflow-tasks/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [{ kind: 'http', method: 'POST', path: '/workflow-tasks', auth: 'jwt', role: 'admin' }],
    },
    {
      name: 'ticket-workflow-callback',
      description: 'Answers a workflow task ticket’s task token (success, or failure when rejected) once its resolution is committed.',
      entry: 'functions/ticket-workflow-callback/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      stepFunctionsCallbacks: true,
      triggers: [
        {
          kind: 'event',
          pattern: { source: ['nocturne.tickets'], 'detail-type': ['Ticket Status Changed'], detail: { ticket: { workflowTask: [true], status: ['resolved'] } } },
        },
      ],
    },
    {
      name: 'inbound-email',
      description: 'Inbound email (SES receipt rule → S3 → this function, or POST of a raw .eml) to tickets and requester comments.',
      entry: 'functions/inbound-email/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      environment: { INBOUND_EMAIL_MAX_BYTES: '5242880', INBOUND_EMAIL_DEFAULT_CATEGORY: 'general-support' },
      triggers: [
        { kind: 'inboundEmail', prefix: 'inbound/' },
        { kind: 'http', method: 'POST', path: '/inbound-email', auth: 'jwt', role: 'admin' },
      ],
    },
    // ---- On-call: schedules, escalation, paging (docs/oncall.md, docs/decisions/0008-escalation.md) ----
    {
      name: 'ops-oncall',
      description: 'Ops API: users and contact methods, team on-call, schedules (on call now, shifts, overrides), escalation policies, status subscriptions, page log.',
      entry: 'functions/ops-oncall/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      triggers: [
        { kind: 'http', method: 'POST', path: '/users', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/users', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/users/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/users/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/users/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/teams/{id}/oncall', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PUT', path: '/teams/{id}/oncall', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/schedules', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/schedules', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/schedules/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/schedules/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/schedules/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/schedules/{id}/oncall', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/schedules/{id}/shifts', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'POST', path: '/schedules/{id}/overrides', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'DELETE', path: '/schedules/{id}/overrides/{overrideId}', auth: 'jwt', role: 'responder' },
        { kind: 'http', method: 'POST', path: '/escalation-policies', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/escalation-policies', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'GET', path: '/escalation-policies/{id}', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'PATCH', path: '/escalation-policies/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'DELETE', path: '/escalation-policies/{id}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'POST', path: '/services/{id}/subscriptions', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/services/{id}/subscriptions', auth: 'jwt', role: 'viewer' },
        { kind: 'http', method: 'DELETE', path: '/services/{id}/subscriptions/{subscriptionId}', auth: 'jwt', role: 'admin' },
        { kind: 'http', method: 'GET', path: '/incidents/{id}/pages', auth: 'jwt', role: 'viewer' },
      ],
    },
    {
      name: 'paging',
      description: 'Starts an incident’s escalation chain when it is announced (pages level 1 at once), restarts it on reassignment, arms ack timeouts.',
      entry: 'functions/paging/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'readwrite',
      topics: ['pages'],
      needs: ['publicBaseUrl', 'actLinkSecret'],
      triggers: [
        {
          kind: 'event',
          pattern: { source: ['nocturne.incidents'], 'detail-type': ['Incident Opened', 'Incident Reopened', 'Incident Reassigned', 'Incident Acknowledged'] },
        },
      ],
    },
    {
      name: 'paging-stakeholders',
      description: 'Tells the subscribers of a service’s status when its incidents open, change severity and resolve (stakeholders topic).',
      entry: 'functions/paging-stakeholders/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 30,
      table: 'readwrite',
      topics: ['stakeholders'],
      triggers: [
        {
          kind: 'event',
          pattern: { source: ['nocturne.incidents'], 'detail-type': ['Incident Opened', 'Incident Severity Changed', 'Incident Resolved'], detail: { notify: [true] } },
        },
      ],
    },
    {
      name: 'act',
      description: 'Signed, expiring page links: GET shows a confirmation page, POST acknowledges or resolves the incident (no login).',
      entry: 'functions/act/handler.ts',
      memoryMb: 256,
      timeoutSeconds: 10,
      table: 'readwrite',
      needs: ['actLinkSecret'],
      triggers: [
        { kind: 'http', method: 'GET', path: '/act/{token}', auth: 'public' },
        { kind: 'http', method: 'POST', path: '/act/{token}', auth: 'public' },
      ],
    },
    {
      name: 'reports-response',
      description: 'Response report: time to detect, acknowledge and resolve (mean, p90), acknowledged within target, by team, service or severity.',
      entry: 'functions/reports-response/handler.ts',
      memoryMb: 512,
      timeoutSeconds: 30,
      table: 'read',
      triggers: [{ kind: 'http', method: 'GET', path: '/reports/response', auth: 'jwt', role: 'viewer' }],
    },
  ],
};

export function functionByName(name: string): FunctionDefinition {
  const fn = catalog.functions.find((f) => f.name === name);
  if (!fn) throw new Error(`No function named ${name} in infra/catalog.ts`);
  return fn;
}

export function httpTriggers(): Array<{ fn: FunctionDefinition; trigger: HttpTrigger }> {
  return catalog.functions.flatMap((fn) =>
    fn.triggers.filter((t): t is HttpTrigger => t.kind === 'http').map((trigger) => ({ fn, trigger })),
  );
}

/** Environment variable that carries a topic's ARN. */
export function topicEnvName(topic: TopicName): string {
  return `TOPIC_ARN_${topic.toUpperCase()}`;
}

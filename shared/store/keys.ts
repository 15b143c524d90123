// Every key Nocturne writes is built here, so the key design lives in one place.
// docs/data-model.md lists each access pattern next to the key or index that serves it.

/**
 * The storage attributes of an alert, incident or ticket item, not part of the entity: its keys on
 * the table and on gsi3/gsi4, and on gsi1/gsi2 while it was written before decision 0090 (0093 for
 * tickets) and not yet moved (shared/store/migrations.ts).
 */
export const HOT_ITEM_STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'gsi4pk',
  'gsi4sk',
  'type',
];

export const keys = {
  /** One per data migration applied to this table (shared/store/migrations.ts). */
  migration: (id: string) => ({ pk: 'MIGRATION', sk: id }),
  integration: (id: string) => ({ pk: `INTEGRATION#${id}`, sk: 'INTEGRATION' }),
  integrationList: () => ({ gsi1pk: 'INTEGRATIONS' }),

  /** The live (firing) alert for one dedup key of one integration. */
  liveAlert: (integrationId: string, dedupKey: string) => ({ pk: `DEDUP#${integrationId}#${dedupKey}`, sk: 'LIVE' }),
  /** A resolved alert, archived under its id. */
  resolvedAlert: (alertId: string) => ({ pk: `ALERT#${alertId}`, sk: 'ALERT' }),
  /** gsi3 (keys only): any alert (live or resolved) by id. */
  alertById: (alertId: string) => ({ gsi3pk: `ALERT#${alertId}`, gsi3sk: 'ALERT' }),
  /** gsi4 (keys only): alerts by the UTC day they started, newest first. */
  alertsByDay: (day: string) => `ALERTDAY#${day}`,

  /** Raw request bodies, content-addressed per integration; chunked past the item limit. */
  rawPayload: (payloadId: string, chunk: number) => ({
    pk: `RAW#${payloadId}`,
    sk: `CHUNK#${String(chunk).padStart(3, '0')}`,
  }),
};

/** Generic configuration entities (entities.ts): one item under `<TYPE>#<id>`, listed on gsi1 `<TYPE>S`. */
export const entityKeys = {
  entity: (type: string, id: string) => ({ pk: `${type.toUpperCase()}#${id}`, sk: type.toUpperCase() }),
  list: (type: string) => `${type.toUpperCase()}S`,
};

export function dayOf(iso: string): string {
  return iso.slice(0, 10);
}

export const ENTITY = {
  integration: 'Integration',
  alert: 'Alert',
  rawPayload: 'RawPayload',
} as const;

/** Incidents and what hangs off them (see docs/data-model.md). */
export const incidentKeys = {
  incident: (id: string) => ({ pk: `INCIDENT#${id}`, sk: 'INCIDENT' }),
  timeline: (id: string, at: string, seq: string) => ({ pk: `INCIDENT#${id}`, sk: `TL#${at}#${seq}` }),
  link: (id: string, alertId: string) => ({ pk: `INCIDENT#${id}`, sk: `ALERT#${alertId}` }),
  /** One alert dedup key's recent state changes in the incident (flapping), apart from the incident item. */
  keyTransitions: (id: string, dedupKey: string) => ({ pk: `INCIDENT#${id}`, sk: `KEY#${dedupKey}` }),
  /** gsi3 (keys only): incidents of a service by open time. */
  byService: (serviceId: string | undefined) => `SVCINC#${serviceId ?? '-'}`,
  /** gsi4 (keys only): incidents by the UTC day they opened. */
  byDay: (day: string) => `INCDAY#${day}`,
  /** Present while the service has this incident open (for dependency correlation). */
  openForService: (serviceId: string, incidentId: string) => ({ pk: `SVCOPEN#${serviceId}`, sk: incidentId }),
  group: (groupHash: string) => ({ pk: `GROUP#${groupHash}`, sk: 'GROUP' }),
  disposition: (alertId: string) => ({ pk: `ALERTDISP#${alertId}`, sk: 'DISP' }),
  counter: () => ({ pk: 'COUNTER#incident', sk: 'COUNTER' }),
  stormMinute: (teamId: string, minute: string) => ({ pk: `STORM#${teamId}#${minute}`, sk: 'COUNT' }),
  stormIncident: (teamId: string) => ({ pk: `STORMINC#${teamId}`, sk: 'OPEN' }),
  inhibitor: (ruleId: string, key: string, alertId: string) => ({ pk: `INHIB#${ruleId}#${key}`, sk: alertId }),
  /** The bucket's count of its source items (decision 0092): a target reads this one item. */
  inhibitorBucket: (ruleId: string, key: string) => incidentKeys.inhibitorCount(`INHIB#${ruleId}#${key}`),
  inhibitorCount: (bucket: string) => ({ pk: bucket, sk: '#SOURCES' }),
  /** Sort-key prefixes of what hangs off an incident. */
  timelinePrefix: () => 'TL#',
  linkPrefix: () => 'ALERT#',
};

/** The incident ruleset: the current document and one item per version (shared/store/rules.ts). */
export const ruleKeys = {
  current: () => ({ pk: 'RULESET', sk: 'CURRENT' }),
  version: (v: number) => ({ pk: 'RULESET', sk: `V#${String(v).padStart(8, '0')}` }),
  partition: () => 'RULESET',
  versionPrefix: () => 'V#',
};

/** Service probes, monitored jobs and their history (shared/store/probes.ts, probe-jobs.ts). */
export const probeKeys = {
  probe: (id: string) => ({ pk: `PROBE#${id}`, sk: 'PROBE' }),
  /** Run-time state, kept apart so checks never touch the versioned definition. */
  probeState: (id: string) => ({ pk: `PROBE#${id}`, sk: 'STATE' }),
  /** gsi1: probes by service, then id. */
  probeList: (service: string | undefined, id: string) => ({ gsi1pk: 'PROBES', gsi1sk: `${service ?? '-'}#${id}` }),
  /** gsi2 on the state item: probes by next due time, in shards. */
  probeDue: (shard: number, dueAt: string, id: string) => ({ gsi2pk: `PROBEDUE#${shard}`, gsi2sk: `${dueAt}#${id}` }),
  probeResult: (id: string, at: string) => ({ pk: `PROBE#${id}`, sk: `RESULT#${at}` }),
  resultPrefix: () => 'RESULT#',
  job: (id: string) => ({ pk: `JOB#${id}`, sk: 'JOB' }),
  jobState: (id: string) => ({ pk: `JOB#${id}`, sk: 'STATE' }),
  /** gsi1: jobs by service, then id. */
  jobList: (service: string | undefined, id: string) => ({ gsi1pk: 'JOBS', gsi1sk: `${service ?? '-'}#${id}` }),
  jobPing: (id: string, at: string, nonce: string) => ({ pk: `JOB#${id}`, sk: `PING#${at}#${nonce}` }),
  pingPrefix: () => 'PING#',
  /** Ping key → job; the key itself is never a table key, only its SHA-256. */
  pingKey: (keyHash: string) => ({ pk: `PINGKEY#${keyHash}`, sk: 'PINGKEY' }),
  /** A status/certificate/error-level change of a probe or job (history, and the outbox source of its event). */
  flip: (kind: 'probe' | 'job', id: string, at: string, revision: number, condition: string) => ({
    pk: `${kind === 'probe' ? 'PROBE' : 'JOB'}#${id}`,
    sk: `FLIP#${at}#${String(revision).padStart(10, '0')}#${condition}`,
  }),
  flipPrefix: () => 'FLIP#',
};

export const PROBE_ENTITY = {
  probe: 'Probe',
  probeState: 'ProbeState',
  probeResult: 'ProbeResult',
  flip: 'ProbeFlip',
  job: 'Job',
  jobState: 'JobState',
  jobPing: 'JobPing',
  pingKey: 'PingKey',
} as const;

/** Tickets, their parts and their configuration (see docs/data-model.md, "Tickets"). */
export const ticketKeys = {
  ticket: (id: string) => ({ pk: `TICKET#${id}`, sk: 'TICKET' }),
  comment: (ticketId: string, commentId: string) => ({ pk: `TICKET#${ticketId}`, sk: `COMMENT#${commentId}` }),
  timeEntry: (ticketId: string, entryId: string) => ({ pk: `TICKET#${ticketId}`, sk: `TIME#${entryId}` }),
  history: (ticketId: string, revision: number) => ({
    pk: `TICKET#${ticketId}`,
    sk: `HISTORY#${String(revision).padStart(8, '0')}`,
  }),
  /** Ticket number → id (email subjects and URLs carry the number). */
  number: (n: number) => ({ pk: `TICKETNO#${n}`, sk: 'TICKETNO' }),
  counter: () => ({ pk: 'COUNTER#ticket', sk: 'COUNTER' }),
  /**
   * gsi3 (keys only; sparse, only while new/open/pending): open tickets of a queue, oldest first
   * (gsi1 with all attributes before decision 0093).
   */
  openInQueue: (queueId: string | undefined) => `TICKETOPEN#${queueId ?? '-'}`,
  /** gsi4 (keys only): tickets by the UTC day they were created (gsi2 before decision 0093). */
  byDay: (day: string) => `TICKETDAY#${day}`,
  /** A requester's own tickets, newest last. */
  requesterTicket: (email: string, createdAt: string, ticketId: string) => ({
    pk: `REQTICKETS#${email}`,
    sk: `${createdAt}#${ticketId}`,
  }),
  requesterTickets: (email: string) => `REQTICKETS#${email}`,
  /** Report fact written when a ticket is resolved, under the UTC day of resolution. */
  resolvedFact: (day: string, ticketId: string) => ({ pk: `TICKETRESOLVED#${day}`, sk: ticketId }),
  resolvedDay: (day: string) => `TICKETRESOLVED#${day}`,
  /** gsi2 of time entries: by the day the work was done. */
  timeByDay: (day: string) => `TICKETTIME#${day}`,
  /** The link the incidents side reads: INCIDENT#<id> / TICKET#<ticketId>. */
  incidentLink: (incidentId: string, ticketId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: `TICKET#${ticketId}` }),
  /** At most one follow-up ticket per incident. */
  incidentFollowUp: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'FOLLOWUP#TICKET' }),
  /** An inbound email already turned into a ticket or comment (by Message-ID hash). */
  emailMessage: (hash: string) => ({ pk: `EMAILMSG#${hash}`, sk: 'EMAILMSG' }),
  /** A request already turned into a ticket (e.g. a workflow task token), by a hash of its key. */
  dedupe: (hash: string) => ({ pk: `TICKETDEDUPE#${hash}`, sk: 'TICKETDEDUPE' }),
  /** A ticket notification already sent: event id and recipient. */
  notified: (eventId: string, recipient: string) => ({ pk: `TNOTIFIED#${eventId}`, sk: recipient }),
  /** The round-robin turn a request (by a hash of its key) took in a queue; its retries take it again. */
  turnClaim: (queueId: string, hash: string) => ({ pk: `TICKETTURN#${queueId}#${hash}`, sk: 'TICKETTURN' }),
  /** Categories, queues, calendars, SLA policies, incident rules, requesters; gsi1 lists a kind. */
  config: (kind: string, id: string) => ({ pk: `TCONFIG#${kind}#${id}`, sk: 'CONFIG' }),
  configList: (kind: string) => `TCONFIG#${kind}`,
};

/** On-call: escalation state, page log and stakeholder subscriptions (docs/data-model.md, "On-call").
 * Users, schedules, escalation policies and team on-call configs are generic entities (entities.ts). */
export const oncallKeys = {
  /** The escalation of one incident (one chain at a time; `epoch` tells chains apart). */
  escalation: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'ESCALATION' }),
  /** One page attempt: incident, epoch, round, level, person, channel (and contact method). */
  page: (incidentId: string, key: string) => ({ pk: `INCIDENT#${incidentId}`, sk: `PAGE#${key}` }),
  pagePrefix: () => 'PAGE#',
  /** A service's stakeholder subscriptions. */
  subscription: (serviceId: string, id: string) => ({ pk: `SVCSUBS#${serviceId}`, sk: `SUB#${id}` }),
  subscriptions: (serviceId: string) => `SVCSUBS#${serviceId}`,
  subscriptionPrefix: () => 'SUB#',
  /** A stakeholder update already sent: incident revision, subscription, destination. */
  stakeholderSent: (incidentId: string, revision: number, subscriptionId: string, destination: string) => ({
    pk: `INCIDENT#${incidentId}`,
    sk: `STAKE#${String(revision).padStart(8, '0')}#${subscriptionId}#${destination}`,
  }),
};

/** Product catalog, customers and their services (docs/data-model.md, "Provisioning"). */
export const provisioningKeys = {
  productSpecification: (id: string) => ({ pk: `PRODSPEC#${id}`, sk: 'PRODSPEC' }),
  productSpecificationList: (id: string) => ({ gsi1pk: 'PRODSPECS', gsi1sk: id }),
  productOffering: (id: string) => ({ pk: `OFFERING#${id}`, sk: 'OFFERING' }),
  productOfferingList: (id: string) => ({ gsi1pk: 'OFFERINGS', gsi1sk: id }),
  realm: (id: string) => ({ pk: `REALM#${id}`, sk: 'REALM' }),
  realmList: (id: string) => ({ gsi1pk: 'REALMS', gsi1sk: id }),
  organization: (id: string) => ({ pk: `ORG#${id}`, sk: 'ORG' }),
  /** gsi1: a realm's organizations. */
  organizationList: (realmId: string, id: string) => ({ gsi1pk: `REALMORGS#${realmId}`, gsi1sk: id }),
  site: (id: string) => ({ pk: `SITE#${id}`, sk: 'SITE' }),
  /** gsi1: an organization's sites. */
  siteList: (organizationId: string, id: string) => ({ gsi1pk: `ORGSITES#${organizationId}`, gsi1sk: id }),
  customerUser: (id: string) => ({ pk: `CUSER#${id}`, sk: 'CUSER' }),
  /** gsi1: an organization's users. */
  customerUserList: (organizationId: string, id: string) => ({ gsi1pk: `ORGUSERS#${organizationId}`, gsi1sk: id }),
  /** The account, its subscriptions and its services share one partition: the customer view is one Query. */
  customer: (id: string) => ({ pk: `CUSTOMER#${id}`, sk: 'CUSTOMER' }),
  customerPartition: (id: string) => `CUSTOMER#${id}`,
  /** gsi1: a realm's customers, by organization then id. */
  customerList: (realmId: string, organizationId: string, id: string) => ({
    gsi1pk: `REALMCUSTOMERS#${realmId}`,
    gsi1sk: `${organizationId}#${id}`,
  }),
  subscription: (customerId: string, id: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `SUB#${id}` }),
  service: (customerId: string, id: string) => ({ pk: `CUSTOMER#${customerId}`, sk: `SVC#${id}` }),
  /** gsi1: a service by its id alone. */
  serviceById: (id: string) => ({ gsi1pk: `CSERVICE#${id}`, gsi1sk: 'CSERVICE' }),
  /** gsi2: the customer services running on one platform service (incidents → customers). */
  servicesOnPlatform: (platformServiceId: string, customerId: string, id: string) => ({
    gsi2pk: `PLATFORMSVC#${platformServiceId}`,
    gsi2sk: `${customerId}#${id}`,
  }),
  /** A provisioning operation already applied, by its operation key (replays answer its result). */
  operation: (operationKey: string) => ({ pk: `PROVOP#${operationKey}`, sk: 'PROVOP' }),
};

export const PROVISIONING_ENTITY = {
  productSpecification: 'ProductSpecification',
  productOffering: 'ProductOffering',
  realm: 'Realm',
  organization: 'Organization',
  site: 'Site',
  customerUser: 'CustomerUser',
  customer: 'Customer',
  subscription: 'Subscription',
  service: 'CustomerService',
  operation: 'ProvisioningOperation',
  ticketLink: 'CustomerTicketLink',
} as const;

/** A ticket about a customer (e.g. a manual provisioning step), listed in the customer's partition. */
export const customerTicketKey = (customerId: string, ticketId: string) => ({
  pk: `CUSTOMER#${customerId}`,
  sk: `TICKET#${ticketId}`,
});

/** Product orders (TMF622) and their history (shared/store/orders.ts; docs/data-model.md, "Product orders"). */
export const orderKeys = {
  order: (id: string) => ({ pk: `ORDER#${id}`, sk: 'ORDER' }),
  /** One per state change, in revision order: the order's history and the outbox source of its event. */
  history: (id: string, revision: number) => ({
    pk: `ORDER#${id}`,
    sk: `HISTORY#${String(revision).padStart(8, '0')}`,
  }),
  historyPrefix: () => 'HISTORY#',
  /** gsi1: every order, by order date. */
  list: () => 'ORDERS',
  /** gsi2: a customer's orders, by order date. */
  byCustomer: (customerId: string) => `CUSTORDERS#${customerId}`,
  /**
   * The Idempotency-Key a POST /productOrder was placed with (hashed with the caller and route), so
   * its retry finds the first order even when the first attempt's answer was lost after the insert.
   */
  requestKey: (hash: string) => ({ pk: `ORDERKEY#${hash}`, sk: 'ORDERKEY' }),
  /** An externalId already used by an order (one order per externalId). */
  externalId: (externalId: string) => ({ pk: `ORDEREXT#${externalId}`, sk: 'ORDEREXT' }),
  /** TMF622 CancelProductOrder requests. */
  cancel: (id: string) => ({ pk: `CANCELORDER#${id}`, sk: 'CANCELORDER' }),
};

export const ORDER_ENTITY = {
  order: 'ProductOrder',
  history: 'ProductOrderHistory',
  externalId: 'ProductOrderExternalId',
  requestKey: 'ProductOrderRequestKey',
  cancel: 'CancelProductOrder',
} as const;

/** Postmortems and their action items (shared/store/postmortems.ts; docs/data-model.md, "Postmortems"). */
export const postmortemKeys = {
  /** One per incident: the postmortem's id is the incident's id. */
  postmortem: (id: string) => ({ pk: `POSTMORTEM#${id}`, sk: 'POSTMORTEM' }),
  /** gsi1: postmortems by status, oldest first. */
  byStatus: (status: string) => `POSTMORTEMS#${status}`,
  /** One per action item, beside the postmortem: its ticket and due date. */
  actionItem: (id: string, key: string) => ({ pk: `POSTMORTEM#${id}`, sk: `ITEM#${key}` }),
  /** gsi1 of action items: every item by due date (the overdue report reads up to today). */
  itemsByDue: () => 'PMITEMDUE',
};

export const POSTMORTEM_ENTITY = { postmortem: 'Postmortem', actionItem: 'PostmortemActionItem' } as const;

/** Service level objectives and their SLI minute counts (shared/store/slo.ts, docs/data-model.md "SLOs"). */
export const sloKeys = {
  /** The definition lives in the generic entity store (`SLO#<id>` / `SLO`, listed on gsi1 `SLOS`). */
  entityType: 'Slo',
  /** Pushed counts of one UTC hour: one attribute per (minute, source). */
  sliHour: (sloId: string, hour: string) => ({ pk: `SLO#${sloId}`, sk: `SLI#${hour}` }),
  sliHourPrefix: () => 'SLI#',
  /** The slow-burn ticket episode of an SLO (one item, rewritten conditionally per episode). */
  ticket: (sloId: string) => ({ pk: `SLO#${sloId}`, sk: 'TICKET' }),
};

export const SLO_ENTITY = { sliHour: 'SliHour', ticket: 'SloTicket' } as const;
/** The public status page (shared/store/statuspage.ts, docs/data-model.md "Status page"). */
export const statusPageKeys = {
  /** An incident's public face (its updates inside), beside the incident in its partition. */
  publicIncident: (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'PUBLIC' }),
  /** gsi1: every public incident by creation time (the page's history). */
  list: () => 'STATUSPAGE',
  listSort: (createdAt: string, incidentId: string) => `${createdAt}#${incidentId}`,
  /** One status update already sent to one subscriber destination. */
  updateSent: (incidentId: string, updateId: string, subscriptionId: string, destination: string) => ({
    pk: `INCIDENT#${incidentId}`,
    sk: `STATUSSENT#${updateId}#${subscriptionId}#${destination}`,
  }),
};

/** Runbooks (versioned definitions) and their runs with the audit trail (shared/store/runbooks.ts). */
export const runbookKeys = {
  /** The current version of a runbook; gsi1 lists runbooks. */
  current: (id: string) => ({ pk: `RUNBOOK#${id}`, sk: 'CURRENT' }),
  list: () => 'RUNBOOKS',
  /** Every version, immutable once written. */
  version: (id: string, v: number) => ({ pk: `RUNBOOK#${id}`, sk: `V#${String(v).padStart(8, '0')}` }),
  run: (runId: string) => ({ pk: `RUNBOOKRUN#${runId}`, sk: 'RUN' }),
  /** gsi1: an incident's runbook runs, oldest first. */
  runsOfIncident: (incidentId: string) => `INCRUNBOOKRUNS#${incidentId}`,
  /** Immutable audit records of a run (who started, approved, rejected): written once, never updated. */
  audit: (runId: string, at: string, seq: string) => ({ pk: `RUNBOOKRUN#${runId}`, sk: `AUDIT#${at}#${seq}` }),
  auditPrefix: () => 'AUDIT#',
};

/** Revenue assurance: stored reconciliation runs, their findings and each period's current run (shared/store/revenue.ts). */
export const revenueKeys = {
  run: (runId: string) => ({ pk: `RARUN#${runId}`, sk: 'RUN' }),
  /** gsi1: every run, by period then run id (newest period first when read backwards). */
  runList: () => 'RARUNS',
  runListSort: (period: string, runId: string) => `${period}#${runId}`,
  /** One finding of a run; the class leads the sort key so a class filter is a key condition. */
  finding: (runId: string, cls: string, partition: number, seq: number) => ({
    pk: `RAFIND#${runId}`,
    sk: `${cls}#${String(partition).padStart(4, '0')}#${String(seq).padStart(7, '0')}`,
  }),
  findings: (runId: string) => `RAFIND#${runId}`,
  /** A period's current run (the last one that completed) and a copy of its summary. */
  period: (period: string) => ({ pk: `RAPERIOD#${period}`, sk: 'PERIOD' }),
  /** gsi1: periods with a completed run, by period. */
  periodList: () => 'RAPERIODS',
  /** Daily volumes of a day from before the stored runs (imported history): the anomaly baseline where no run is. */
  volumeHistory: (period: string) => ({ pk: `RAVOLHIST#${period}`, sk: 'VOLUMES' }),
  /** gsi1: days with imported volume history, by period. */
  volumeHistoryList: () => 'RAVOLHISTS',
  /** An Idempotency-Key of POST /ra/runs (its SHA-256 with the caller) → the run it started. */
  runKey: (keyHash: string) => ({ pk: `RARUNKEY#${keyHash}`, sk: 'KEY' }),
  /** The RA settings (reconcile config, mappings, controls). */
  settings: () => ({ pk: 'RASETTINGS', sk: 'CURRENT' }),
};

export const REVENUE_ENTITY = {
  run: 'RaRun',
  finding: 'RaFinding',
  period: 'RaPeriod',
  settings: 'RaSettings',
  runKey: 'RaRunKey',
  volumeHistory: 'RaVolumeHistory',
} as const;

/** Monthly operations reports (shared/store/reports.ts, docs/data-model.md "Reports"). */
export const reportKeys = {
  /** One per month and time zone: regenerating replaces it (revision + 1). */
  report: (id: string) => ({ pk: `REPORT#${id}`, sk: 'REPORT' }),
  /** gsi1: every report by month, newest first. */
  list: () => 'REPORTS',
  listSort: (month: string, id: string) => `${month}#${id}`,
  /** One delivery of one version of the figures on one channel (e-mail address or topic): written once. */
  delivery: (id: string, digest: string, channel: string) => ({
    pk: `REPORT#${id}`,
    sk: `DELIVERY#${digest}#${channel}`,
  }),
  /** Subscribers live in the generic entity store (`REPORTSUBSCRIBER#<id>`, listed on gsi1). */
  subscriberType: 'ReportSubscriber',
};

export const REPORT_ENTITY = { report: 'Report', delivery: 'ReportDelivery' } as const;

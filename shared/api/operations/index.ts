// Every operation, in the order they appear in the OpenAPI document. A feature adds its lists
// (one per function, `export const xOperations = [...] as const satisfies readonly Operation[]`)
// in shared/api/operations/<feature>.ts and lists them here; the function's catalog entry derives
// its HTTP triggers from the same list (infra/catalog/routes.ts). Handlers import their own list
// from the feature file, never this index (it would bundle every feature's schemas).
import type { Operation } from '../operation';
import { alertOperations, ingestOperations, integrationOperations, openapiOperations } from './ingest';
import { incidentOperations, serviceOperations } from './incidents';
import { ruleOperations } from './rules';
import { pingOperations, probeOperations, availabilityOperations } from './probes';
import {
  inboundEmailOperations,
  ticketConfigOperations,
  ticketOperations,
  ticketReportOperations,
  workflowTaskOperations,
} from './tickets';
import { actOperations } from './act';
import { oncallOperations, responseReportOperations } from './oncall';
import { orderOperations } from './orders';
import { customerOperations, productCatalogOperations } from './provisioning';
import { postmortemOperations } from './postmortems';
import { sloOperations } from './slo';
import { statusPageOperations } from './statuspage';
import { runbookOperations } from './runbooks';
import { reportOperations } from './reports';
import { revenueOperations } from './revenue';

export const allOperations: readonly Operation[] = [
  ...ingestOperations,
  ...integrationOperations,
  ...alertOperations,
  ...openapiOperations,
  ...incidentOperations,
  ...serviceOperations,
  ...ruleOperations,
  ...ticketOperations,
  ...ticketReportOperations,
  ...workflowTaskOperations,
  ...inboundEmailOperations,
  ...ticketConfigOperations,
  ...probeOperations,
  ...pingOperations,
  ...availabilityOperations,
  ...oncallOperations,
  ...actOperations,
  ...responseReportOperations,
  ...productCatalogOperations,
  ...customerOperations,
  ...orderOperations,
  ...postmortemOperations,
  ...sloOperations,
  ...statusPageOperations,
  ...runbookOperations,
  ...reportOperations,
  ...revenueOperations,
];

// THE wiring. Every function and state machine is declared once, in the file of its feature
// (infra/catalog/<feature>.ts), and assembled here: its entry, its triggers and exactly what it may
// touch. infra/aws builds the CDK app from this catalog and infra/local builds the local runtime
// from it; test/infra checks that both serve every trigger declared here.
// To add a feature: write infra/catalog/<feature>.ts exporting a CatalogFeature, list it in FEATURES.
import { idempotencyTable, mainTable } from '../shared/store/table-definition';
import { incidentsFeature } from './catalog/incidents';
import { ingestFeature } from './catalog/ingest';
import { oncallFeature } from './catalog/oncall';
import { platformFeature } from './catalog/platform';
import { postmortemsFeature } from './catalog/postmortems';
import { probesFeature } from './catalog/probes';
import { provisioningFeature } from './catalog/provisioning';
import { reportsFeature } from './catalog/reports';
import { revenueFeature } from './catalog/revenue';
import { sloFeature } from './catalog/slo';
import { statusPageFeature } from './catalog/statuspage';
import { runbooksFeature } from './catalog/runbooks';
import { ticketsFeature } from './catalog/tickets';
import type {
  Catalog,
  CatalogFeature,
  FunctionDefinition,
  HttpTrigger,
  StateMachineDefinition,
  TopicName,
} from './catalog/types';

export * from './catalog/types';
export * from './catalog/bucket-access';

/** Every feature's part of the catalog, in the order functions are listed. */
export const FEATURES: CatalogFeature[] = [
  ingestFeature,
  platformFeature,
  incidentsFeature,
  probesFeature,
  ticketsFeature,
  oncallFeature,
  provisioningFeature,
  revenueFeature,
  postmortemsFeature,
  sloFeature,
  statusPageFeature,
  runbooksFeature,
  reportsFeature,
];

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
  // Each function and machine carries its feature's name: in AWS, the nested stack that holds it.
  functions: FEATURES.flatMap((f) => f.functions.map((fn) => ({ ...fn, feature: f.name }))),
  stateMachines: FEATURES.flatMap((f) => f.stateMachines.map((sm) => ({ ...sm, feature: f.name }))),
  buckets: FEATURES.flatMap((f) => f.buckets ?? []),
  keys: FEATURES.flatMap((f) => f.keys ?? []),
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

export function stateMachineByName(name: string): StateMachineDefinition {
  const sm = catalog.stateMachines.find((m) => m.name === name);
  if (!sm) throw new Error(`No state machine named ${name} in infra/catalog`);
  return sm;
}

/** Environment variable that carries a state machine's ARN (set on the functions that may start it). */
export function stateMachineEnvName(name: string): string {
  return `STATE_MACHINE_ARN_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

const envSuffix = (name: string) => name.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** Environment variable that carries a catalog bucket's physical name (set on the functions it grants). */
export function bucketEnvName(name: string): string {
  return `BUCKET_${envSuffix(name)}`;
}

/** Environment variable that carries a catalog key's id (set on the functions it grants). */
export function keyEnvName(name: string): string {
  return `KMS_KEY_${envSuffix(name)}`;
}

/** Environment variable that carries a topic's ARN. */
export function topicEnvName(topic: TopicName): string {
  return `TOPIC_ARN_${topic.toUpperCase()}`;
}

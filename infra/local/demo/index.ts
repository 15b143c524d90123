// The demo configuration `npm start` loads: data, not code paths. One integration per monitor
// type with a fixed token, and the ops identities behind the demo bearer tokens. Seeding is
// create-if-missing, so restarts keep what is there (and tokens stay valid).
// To add demo data (teams, services, on-call schedules...), add a seeder to `demoSeeders`:
// it receives the clock and a logger and must be idempotent too.
import { ALERT_SOURCES, type AlertSource } from '../../../shared/domain/alert';
import { publicIntegration, type Integration } from '../../../shared/domain/integration';
import { ensureIntegration } from '../../../shared/store/integrations';
import type { OpsIdentity } from '../http-gateway';
import { seedTicketDemo } from './tickets';
import { seedIncidentDemo } from './incidents';
import { seedProbeDemo } from './probes';
import { seedOncallDemo } from './oncall';
import { seedProvisioningDemo } from './provisioning';
import { seedPostmortemDemo } from './postmortems';
import { seedRunbookDemo } from './runbooks';
import { seedSloDemo } from './slo';
import { seedReportDemo } from './reports';
import { seedRevenueDemo } from './revenue';

export interface DemoIntegration {
  id: string;
  type: AlertSource;
  name: string;
  token: string;
  allowedTopicArns: string[];
  /** The service of alerts whose format names none (PagerDuty events carry no service). */
  service?: string;
}

const DISPLAY_NAMES: Record<AlertSource, string> = {
  alertmanager: 'Alertmanager',
  grafana: 'Grafana',
  datadog: 'Datadog',
  zabbix: 'Zabbix',
  nagios: 'Nagios',
  cloudwatch: 'CloudWatch',
  pagerduty: 'PagerDuty',
  generic: 'Generic',
};

/** The SNS topic the demo CloudWatch alarms publish to (what its integration may confirm). */
export const DEMO_CLOUDWATCH_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:nocturne-demo-alarms';

export const demoIntegrations: DemoIntegration[] = ALERT_SOURCES.map((type) => ({
  id: `demo-${type}`,
  type,
  name: `Demo ${DISPLAY_NAMES[type]}`,
  token: `demo-${type}-token`,
  allowedTopicArns: type === 'cloudwatch' ? [DEMO_CLOUDWATCH_TOPIC_ARN] : [],
  ...(type === 'pagerduty' ? { service: 'billing-api' } : {}),
}));

/** Bearer tokens the emulated JWT authorizer accepts, and who they stand for. */
export const demoOpsTokens: Record<string, OpsIdentity> = {
  'demo-admin-token': { sub: 'demo-admin', email: 'admin@nocturne.local', groups: ['admin'] },
  'demo-responder-token': { sub: 'demo-responder', email: 'responder@nocturne.local', groups: ['responder'] },
  'demo-viewer-token': { sub: 'demo-viewer', email: 'viewer@nocturne.local', groups: ['viewer'] },
  // A customer in the requester directory (infra/local/demo/tickets.ts): sees only its own tickets.
  'demo-requester-token': { sub: 'demo-requester', email: 'requester@nocturne.local', groups: ['requester'] },
  // An admin of the demo realm "acme" (infra/local/demo/provisioning.ts): sees and changes only acme's customers.
  'demo-realm-acme-token': { sub: 'demo-realm-acme', email: 'admin@acme.example', groups: ['admin'], realm: 'acme' },
};

/** Where a demo integration's monitor sends (pagerduty: the Events v2 endpoint). */
export function webhookPathOf(i: Pick<Integration, 'id' | 'type'>): string {
  return publicIntegration({ ...(i as Integration), tokenHash: '' }).webhookPath;
}

export interface DemoSeedContext {
  now: string;
  log: (line: string) => void;
  /** Whether the runtime runs schedules: the demo then also starts work of its own (a reconciliation
   * run); tests run without schedules and get only the data. */
  background?: boolean;
}

export type DemoSeeder = (ctx: DemoSeedContext) => Promise<void>;

async function seedIntegrations({ now }: DemoSeedContext): Promise<void> {
  for (const d of demoIntegrations) {
    await ensureIntegration(
      { id: d.id, type: d.type, name: d.name, service: d.service, enabled: true, allowedTopicArns: d.allowedTopicArns },
      d.token,
      now,
    );
  }
}

/** Run in order; each must be idempotent (create-if-missing). */
export const demoSeeders: Array<{ name: string; seed: DemoSeeder }> = [
  { name: 'integrations', seed: seedIntegrations },
  { name: 'teams, services and incident rules', seed: seedIncidentDemo },
  {
    name: 'ticketing (calendars, SLA policies, queues, categories, requesters)',
    seed: ({ now }) => seedTicketDemo(now),
  },
  {
    name: 'on-call (users alice and bob, weekly schedule, escalation policy, status subscription)',
    seed: seedOncallDemo,
  },
  {
    name: 'probes and jobs (built-in alert integration, demo probes, demo jobs with fixed ping keys)',
    seed: seedProbeDemo,
  },
  {
    name: 'product catalog (mobile plans, add-ons) and customers (realms acme and globex)',
    seed: seedProvisioningDemo,
  },
  {
    name: 'postmortems (action item ticket category, a resolved demo P1 incident and its postmortem draft)',
    seed: seedPostmortemDemo,
  },
  { name: 'runbooks (restart-billing-api, with an approval)', seed: seedRunbookDemo },
  {
    name: 'SLOs (checkout with a week of history, rating failing for its first hour: it pages, billing availability)',
    seed: seedSloDemo,
  },
  { name: "monthly report (last month's, as the hourly schedule makes it)", seed: seedReportDemo },
  {
    name: 'revenue assurance (RA queue and category, eight weeks of volume history, three days of both sides’ usage files in S3, a run of yesterday)',
    seed: seedRevenueDemo,
  },
];

export async function seedDemo(ctx: DemoSeedContext): Promise<void> {
  for (const s of demoSeeders) {
    await s.seed(ctx);
    ctx.log(`[demo] seeded ${s.name}`);
  }
}

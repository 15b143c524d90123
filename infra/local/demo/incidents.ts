// Demo configuration for incidents: teams, services with dependencies, and rules (routes, a
// default route, severity and inhibition), so `npm start` groups and routes the demo alerts.
import { ConflictError } from '../../../shared/domain/errors';
import { rulesetSchema } from '../../../shared/domain/incidents/rules';
import type { Service } from '../../../shared/domain/services';
import { getRules, putRules } from '../../../shared/store/rules';
import { services, teams } from '../../../shared/store/services';

export const demoTeams = [
  { id: 'platform', name: 'Platform', description: 'Billing platform on-call' },
  { id: 'dba', name: 'Databases', description: 'Database administrators' },
];

export const demoServices: Array<Omit<Service, 'version' | 'createdAt' | 'updatedAt'>> = [
  { id: 'billing-db', name: 'Billing database', teamId: 'dba', tier: 1, slaTarget: 99.95, dependsOn: [] },
  { id: 'billing-api', name: 'Billing API', teamId: 'platform', tier: 1, slaTarget: 99.95, dependsOn: ['billing-db'] },
  {
    id: 'rating-engine',
    name: 'Rating engine',
    teamId: 'platform',
    tier: 2,
    slaTarget: 99.9,
    dependsOn: ['billing-db'],
  },
  {
    id: 'ocs-adaptor',
    name: 'OCS adaptor',
    teamId: 'platform',
    tier: 2,
    slaTarget: 99.5,
    dependsOn: ['rating-engine'],
  },
];

export const demoRules = rulesetSchema.parse({
  routes: [
    {
      id: 'databases',
      name: 'Databases',
      matchers: [{ label: 'service', op: '=~', value: '.*-db' }],
      team: 'dba',
      groupBy: ['service', 'alertname'],
    },
    {
      id: 'billing',
      name: 'Billing platform',
      matchers: [{ label: 'service', op: 'in', values: ['billing-api', 'rating-engine', 'ocs-adaptor'] }],
    },
  ],
  defaultRoute: { team: 'platform' },
  severityRules: [
    {
      id: 'watchdog',
      name: 'Watchdog is informational',
      matchers: [{ label: 'alertname', op: '=', value: 'Watchdog' }],
      severity: 'P5',
    },
  ],
  // A team hears of at most 4 new incidents a minute; the 5th group on opens one storm incident.
  storm: { maxIncidentsPerMinute: 4 },
  inhibitRules: [
    {
      id: 'host-down',
      name: 'A host that is down explains the alerts of everything on it',
      sourceMatchers: [{ label: 'alertname', op: '=', value: 'HostDown' }],
      targetMatchers: [{ label: 'alertname', op: '!=', value: 'HostDown' }],
      equal: ['host'],
    },
  ],
});

const ignoreExisting = (err: unknown) => {
  if (!(err instanceof ConflictError)) throw err;
};

export async function seedIncidentDemo({ now }: { now: string }): Promise<void> {
  for (const t of demoTeams) await teams.create(t, now).catch(ignoreExisting);
  for (const s of demoServices) await services.create(s, now).catch(ignoreExisting);
  const current = await getRules({ fresh: true });
  if (current.version === 0) await putRules(demoRules, 0, 'demo', now, 'demo configuration').catch(ignoreExisting);
}

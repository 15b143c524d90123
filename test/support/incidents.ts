// Helpers for incident engine tests: alert snapshots as the alert events carry them, a clock,
// and a sweep that runs the real timer handlers.
import { monotonicFactory } from 'ulid';
import type { AlertSnapshot } from '../../events/alerts';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import type { Ruleset } from '../../shared/domain/incidents/rules';
import { rulesetSchema } from '../../shared/domain/incidents/rules';
import { getRules, putRules } from '../../shared/store/rules';
import { invalidateServiceCache, services, teams } from '../../shared/store/services';

const id = monotonicFactory();

export function snap(over: Partial<AlertSnapshot> & { labels?: Record<string, string> } = {}): AlertSnapshot {
  const now = over.lastReceivedAt ?? '2026-11-21T03:00:00.000Z';
  return {
    id: id(),
    integrationId: 'int-test',
    source: 'alertmanager',
    dedupKey: `k-${Math.random().toString(36).slice(2)}`,
    status: 'firing',
    severity: 'critical',
    summary: 'Something broke',
    labels: {},
    links: [],
    startsAt: now,
    count: 1,
    firstReceivedAt: now,
    lastReceivedAt: now,
    revision: 1,
    ...over,
  };
}

export const resolvedOf = (a: AlertSnapshot, at?: string): AlertSnapshot => ({
  ...a,
  status: 'resolved',
  resolvedAt: at,
  endsAt: at,
  revision: a.revision + 1,
});

export async function setRules(partial: Partial<Record<keyof Ruleset, unknown>>): Promise<void> {
  const current = await getRules({ fresh: true });
  await putRules(rulesetSchema.parse(partial), current.version, 'test', new Date().toISOString());
}

export async function sweepAt(iso: string): Promise<void> {
  await sweepOnce(() => new Date(iso), { handlers: timerHandlers });
}

export const at = (base: string, seconds: number) => new Date(Date.parse(base) + seconds * 1000);

/** billing-api depends on billing-db (team dba); billing-api and checkout (no dependencies) belong to team platform. */
export async function givenServices(): Promise<void> {
  const now = new Date().toISOString();
  await teams.create({ id: 'platform', name: 'Platform' }, now).catch(() => undefined);
  await teams.create({ id: 'dba', name: 'Databases' }, now).catch(() => undefined);
  await services
    .create({ id: 'billing-db', name: 'Billing DB', teamId: 'dba', tier: 1, slaTarget: 99.95, dependsOn: [] }, now)
    .catch(() => undefined);
  await services
    .create(
      {
        id: 'billing-api',
        name: 'Billing API',
        teamId: 'platform',
        tier: 2,
        slaTarget: 99.9,
        dependsOn: ['billing-db'],
      },
      now,
    )
    .catch(() => undefined);
  await services
    .create({ id: 'checkout', name: 'Checkout', teamId: 'platform', tier: 2, slaTarget: 99.9, dependsOn: [] }, now)
    .catch(() => undefined);
  invalidateServiceCache();
}

/** A fresh pair of services, `<p>-api` depending on `<p>-db`, for tests of correlation. */
export async function givenServicePair(p: string): Promise<{ api: string; db: string }> {
  const now = new Date().toISOString();
  await services.create(
    { id: `${p}-db`, name: `${p} DB`, teamId: 'dba', tier: 1, slaTarget: 99.95, dependsOn: [] },
    now,
  );
  await services.create(
    { id: `${p}-api`, name: `${p} API`, teamId: 'platform', tier: 2, slaTarget: 99.9, dependsOn: [`${p}-db`] },
    now,
  );
  invalidateServiceCache();
  return { api: `${p}-api`, db: `${p}-db` };
}

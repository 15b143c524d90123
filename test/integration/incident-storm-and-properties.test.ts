// Storm guard, and the property that no alert is ever lost or counted twice whatever the
// arrival order, duplicates and concurrency.
import fc from 'fast-check';
import { onAlertOpened, onAlertResolved } from '../../shared/app/incidents/engine';
import { getDisposition } from '../../shared/store/dispositions';
import { getIncident, getIncidentDetail } from '../../shared/store/incidents';
import { at, givenServices, resolvedOf, setRules, snap } from '../support/incidents';
import { useOwnTable } from '../support/store';
import type { AlertSnapshot } from '../../events/alerts';
import { invalidateServiceCache, services, teams } from '../../shared/store/services';

useOwnTable();

beforeAll(async () => {
  await givenServices();
  // The property runs on a team of its own: the storm test leaves team platform's storm open.
  await teams.create({ id: 'prop-team', name: 'Property' }, new Date().toISOString());
  await services.create(
    { id: 'prop-svc', name: 'Property service', teamId: 'prop-team', tier: 3, slaTarget: 99.9, dependsOn: [] },
    new Date().toISOString(),
  );
  invalidateServiceCache();
  await setRules({ storm: { maxIncidentsPerMinute: 3 }, defaultRoute: { groupBy: ['alertname'] } });
});

describe('storm guard', () => {
  it('collapses new incidents past the per-minute limit into one storm incident that lists them', async () => {
    const T = '2026-11-21T05:00:00.000Z';
    const results = [];
    for (let i = 0; i < 10; i++)
      results.push(await onAlertOpened(snap({ labels: { alertname: `storm-${i}` }, service: 'checkout' }), at(T, i)));
    const ids = [...new Set(results.map((r) => r.incidentId))];
    expect(ids).toHaveLength(4); // 3 ordinary + 1 storm
    const storm = (await Promise.all(ids.map((id) => getIncident(id!)))).find((i) => i!.storm)!;
    expect(storm.stormSize).toBe(7);
    expect(storm.alertCount).toBe(7);
    const detail = await getIncidentDetail(storm.id);
    expect(detail!.alerts).toHaveLength(7);
    // While the storm is open, a new group in the next minute joins it too.
    const next = await onAlertOpened(snap({ labels: { alertname: 'storm-late' }, service: 'checkout' }), at(T, 70));
    expect(next.incidentId).toBe(storm.id);
    // Later alerts of a collapsed group join the storm incident too.
    const r = await onAlertOpened(snap({ labels: { alertname: 'storm-9' }, service: 'checkout' }), at(T, 20));
    expect(r.incidentId).toBe(storm.id);
  });
});

describe('no alert is lost or duplicated', () => {
  it('every alert ends in exactly one incident with consistent counts, for any order and duplication', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            group: fc.integer({ min: 0, max: 2 }),
            resolves: fc.boolean(),
            dupes: fc.integer({ min: 1, max: 3 }),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.infiniteStream(fc.nat()),
        async (specs, order) => {
          round++;
          const T = new Date(Date.parse('2026-11-22T00:00:00Z') + round * 3600_000).toISOString();
          const alerts: AlertSnapshot[] = specs.map((s) =>
            snap({ labels: { alertname: `prop-${round}-${s.group}` }, service: 'prop-svc' }),
          );
          const deliveries: Array<() => Promise<unknown>> = [];
          specs.forEach((s, i) => {
            for (let d = 0; d < s.dupes; d++) {
              deliveries.push(() => onAlertOpened(alerts[i]!, at(T, 1)));
              if (s.resolves) deliveries.push(() => onAlertResolved(resolvedOf(alerts[i]!), at(T, 2)));
            }
          });
          // Shuffle deterministically from the generated stream, then deliver two at a time.
          const it = order[Symbol.iterator]();
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = it.next().value % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          for (let i = 0; i < deliveries.length; i += 2) await Promise.all(deliveries.slice(i, i + 2).map((f) => f()));

          const dispositions = await Promise.all(alerts.map((a) => getDisposition(a.id)));
          expect(dispositions.every((d) => d?.kind === 'incident' && d.incidentId)).toBe(true);
          const incidentIds = [...new Set(dispositions.map((d) => d!.incidentId!))];
          let members = 0;
          for (const id of incidentIds) {
            const d = (await getIncidentDetail(id))!;
            const own = d.alerts.filter((l) => l.relation === 'member');
            members += own.length;
            expect(d.incident.alertCount).toBe(own.length);
            expect(d.incident.openAlertCount).toBe(own.filter((l) => l.status === 'firing').length);
            if (d.incident.openAlertCount === 0) expect(d.incident.status).toBe('resolved');
          }
          expect(members).toBe(alerts.length);
          // Alerts of one group share one incident.
          const byGroup = new Map<number, Set<string>>();
          specs.forEach((s, i) =>
            byGroup.set(s.group, (byGroup.get(s.group) ?? new Set()).add(dispositions[i]!.incidentId!)),
          );
          for (const set of byGroup.values()) expect(set.size).toBe(1);
        },
      ),
      { numRuns: 25 },
    );
    // 25 rounds of up to 18 deliveries each against DynamoDB Local: minutes on a busy 2-core machine.
  }, 600_000);
});

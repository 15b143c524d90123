// Incident semantics on-call people expect (issue 10 §3), against DynamoDB Local with an
// injected clock: a repeat that raises severity, a correlated alert that outlives its upstream
// incident, and grouping after an alert storm.
import { onAlertOpened, onAlertRepeated, onAlertResolved, placeAlert } from '../../shared/app/incidents/engine';
import { getDisposition } from '../../shared/store/dispositions';
import { resolveIncident } from '../../shared/app/incidents/actions';
import { getIncident, getIncidentDetail } from '../../shared/store/incidents';
import { recordAlert } from '../../shared/store/alerts';
import type { AlertSnapshot } from '../../events/alerts';
import { invalidateServiceCache, services, teams } from '../../shared/store/services';
import { at, givenServicePair, givenServices, resolvedOf, setRules, snap, sweepAt } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

const T = '2026-11-23T03:00:00.000Z';
let n = 0;
const unique = (p: string) => `${p}-${n++}`;

beforeAll(async () => {
  await givenServices();
  const now = new Date().toISOString();
  await teams.create({ id: 'sem-team', name: 'Semantics' }, now);
  await services.create(
    { id: 'sem-svc', name: 'Semantics service', teamId: 'sem-team', tier: 3, slaTarget: 99.9, dependsOn: [] },
    now,
  );
  invalidateServiceCache();
  await setRules({
    storm: { maxIncidentsPerMinute: 3 },
    defaultRoute: { groupBy: ['service', 'alertname'], groupWaitSeconds: 30 },
  });
});

describe('a repeat with a higher severity', () => {
  it('raises the incident severity (warning → critical) and tells people once it was announced', async () => {
    const a = snap({ labels: { alertname: unique('Latency') }, service: 'sem-svc', severity: 'warning' });
    const r = await onAlertOpened(a, new Date(T));
    expect(await getIncident(r.incidentId!)).toMatchObject({ severity: 'P3' });
    await sweepAt(at(T, 31).toISOString());

    const worse = {
      ...a,
      severity: 'critical' as const,
      count: 2,
      revision: 2,
      lastReceivedAt: at(T, 60).toISOString(),
    };
    const rr = await onAlertRepeated(worse, at(T, 60));
    expect(rr).toMatchObject({ kind: 'incident', incidentId: r.incidentId });
    const inc = await getIncident(r.incidentId!);
    expect(inc).toMatchObject({
      severity: 'P1',
      lastChange: { kind: 'severityChanged', notify: true, change: { severity: { from: 'P3', to: 'P1' } } },
    });

    // The same repeat delivered again, or a lower severity, changes nothing.
    const revision = inc!.revision;
    await onAlertRepeated(worse, at(T, 61));
    await onAlertRepeated({ ...a, severity: 'warning', count: 3, revision: 3 }, at(T, 62));
    expect(await getIncident(r.incidentId!)).toMatchObject({ severity: 'P1', revision });
  });

  it('raises the severity of an incident not yet announced without an extra notification', async () => {
    const a = snap({ labels: { alertname: unique('JobLate') }, service: 'sem-svc', severity: 'error' });
    const r = await onAlertOpened(a, new Date(T));
    await onAlertRepeated({ ...a, severity: 'critical', count: 2, revision: 2 }, at(T, 5));
    const inc = await getIncident(r.incidentId!);
    expect(inc).toMatchObject({ severity: 'P1' });
    expect(inc!.lastChange).toBeUndefined();
    await sweepAt(at(T, 40).toISOString());
    expect(await getIncident(r.incidentId!)).toMatchObject({
      severity: 'P1',
      lastChange: { kind: 'opened', notify: true },
    });
  });
});

describe('a new alert joining its group', () => {
  it('raises the incident to its severity when worse, and a lower one joins without a change', async () => {
    const labels = { alertname: unique('DiskFull') };
    const first = snap({ labels, service: 'sem-svc', severity: 'warning' });
    const r = await onAlertOpened(first, new Date(T));
    expect(await getIncident(r.incidentId!)).toMatchObject({ severity: 'P3', alertCount: 1 });

    // Joined without reading the incident, the join is refused as less severe: read, joined, raised.
    const worse = snap({ labels, service: 'sem-svc', severity: 'critical' });
    expect(await onAlertOpened(worse, at(T, 5))).toMatchObject({ kind: 'incident', incidentId: r.incidentId });
    const raised = await getIncident(r.incidentId!);
    expect(raised).toMatchObject({ severity: 'P1', alertCount: 2, openAlertCount: 2 });

    const milder = snap({ labels, service: 'sem-svc', severity: 'warning' });
    expect(await onAlertOpened(milder, at(T, 6))).toMatchObject({ kind: 'incident', incidentId: r.incidentId });
    expect(await getIncident(r.incidentId!)).toMatchObject({ severity: 'P1', alertCount: 3, openAlertCount: 3 });
    expect(await getDisposition(milder.id)).toMatchObject({ kind: 'incident', incidentId: r.incidentId });
  });
});

/** Store the alert as ingest would (re-placement reads the alert item), and return its snapshot. */
async function stored(a: AlertSnapshot): Promise<AlertSnapshot> {
  const { id, integrationId, source, dedupKey, severity, summary, labels, service, startsAt, firstReceivedAt } = a;
  const alert = {
    source,
    dedupKey,
    status: 'firing' as const,
    action: 'trigger' as const,
    severity,
    summary,
    details: {},
    labels,
    service,
    startsAt,
    links: [],
  };
  await recordAlert({ integrationId, alert, payloadId: `p-${id}`, receivedAt: firstReceivedAt, newId: () => id });
  return a;
}

describe('a correlated alert outliving its upstream incident', () => {
  it('is placed on its own incident when the upstream incident resolves while it still fires', async () => {
    const pair = await givenServicePair(unique('dep'));
    const db = snap({ labels: { alertname: unique('PostgresDown') }, service: pair.db });
    const up = await onAlertOpened(db, new Date(T));
    const api = await stored(snap({ labels: { alertname: unique('ApiErrors') }, service: pair.api }));
    expect(await onAlertOpened(api, at(T, 3))).toMatchObject({ kind: 'correlated', incidentId: up.incidentId });

    await onAlertResolved(resolvedOf(db, at(T, 120).toISOString()), at(T, 120));
    expect(await getIncident(up.incidentId!)).toMatchObject({ status: 'resolved' });

    const d = await getDisposition(api.id);
    expect(d).toMatchObject({ kind: 'incident', reason: expect.stringContaining('upstream') });
    expect(d!.incidentId).not.toBe(up.incidentId);
    const own = await getIncident(d!.incidentId!);
    expect(own).toMatchObject({ status: 'triggered', serviceId: pair.api, alertCount: 1, openAlertCount: 1 });
    await sweepAt(at(T, 160).toISOString());
    expect(await getIncident(own!.id)).toMatchObject({ lastChange: { kind: 'opened', notify: true } });

    // Placing it again (the reconciler) changes nothing; resolving the alert resolves its own incident.
    expect((await placeAlert(api.id, at(T, 170))).kind).toBe('duplicate');
    await onAlertResolved(resolvedOf(api, at(T, 200).toISOString()), at(T, 200));
    expect(await getIncident(own!.id)).toMatchObject({ status: 'resolved', openAlertCount: 0 });
    const upstream = await getIncidentDetail(up.incidentId!);
    expect(upstream!.alerts.find((l) => l.alertId === api.id)).toMatchObject({ movedTo: own!.id });
  });

  it('also when a person resolves the upstream incident; a resolved dependent alert stays where it was', async () => {
    const pair = await givenServicePair(unique('dep'));
    const up = await onAlertOpened(snap({ labels: { alertname: unique('DbDown') }, service: pair.db }), new Date(T));
    const firing = await stored(snap({ labels: { alertname: unique('ApiSlow') }, service: pair.api }));
    const gone = snap({ labels: { alertname: unique('ApiErr') }, service: pair.api });
    await onAlertOpened(firing, at(T, 1));
    await onAlertOpened(gone, at(T, 2));
    await onAlertResolved(resolvedOf(gone), at(T, 3));

    await resolveIncident(up.incidentId!, { type: 'user', id: 'u1', name: 'Ann' }, at(T, 10));
    expect(await getDisposition(firing.id)).toMatchObject({ kind: 'incident' });
    expect(await getDisposition(gone.id)).toMatchObject({ kind: 'correlated', incidentId: up.incidentId });
  });
});

describe('after an alert storm', () => {
  it('groups new alerts normally once the storm resolved: no reopening of the storm incident', async () => {
    const S = '2026-11-23T05:00:00.000Z';
    const alerts = Array.from({ length: 6 }, (_, i) =>
      snap({ labels: { alertname: `sem-storm-${i}` }, service: 'sem-svc' }),
    );
    const placed = [];
    for (const [i, a] of alerts.entries()) placed.push(await onAlertOpened(a, at(S, i)));
    const storm = (await Promise.all([...new Set(placed.map((p) => p.incidentId!))].map((id) => getIncident(id)))).find(
      (i) => i!.storm,
    )!;
    expect(storm.alertCount).toBe(3);
    for (const [i, a] of alerts.entries()) await onAlertResolved(resolvedOf(a), at(S, 60 + i));
    expect(await getIncident(storm.id)).toMatchObject({ status: 'resolved' });

    // Five minutes later (inside the 30 minute reopen window): a collapsed group fires again, and a new one.
    const again = await onAlertOpened(snap({ labels: { alertname: 'sem-storm-5' }, service: 'sem-svc' }), at(S, 300));
    const fresh = await onAlertOpened(
      snap({ labels: { alertname: 'sem-after-storm' }, service: 'sem-svc' }),
      at(S, 301),
    );
    expect(again.incidentId).not.toBe(storm.id);
    expect(fresh.incidentId).not.toBe(storm.id);
    expect(fresh.incidentId).not.toBe(again.incidentId);
    expect(await getIncident(storm.id)).toMatchObject({ status: 'resolved' });
    expect(await getIncident(again.incidentId!)).toMatchObject({
      storm: false,
      groupKey: 'service=sem-svc,alertname=sem-storm-5',
    });
    // And grouping works again: a second alert of that group joins it.
    const joined = await onAlertOpened(
      snap({ labels: { alertname: 'sem-storm-5', instance: 'b' }, service: 'sem-svc' }),
      at(S, 302),
    );
    expect(joined.incidentId).toBe(again.incidentId);
  });
});

// What each probe/job state means for the alert pipeline: severities, dedup keys and labels.
import { alertFor, desiredAlerts, type JobSubject, type ProbeSubject } from '../../../shared/domain/probes/alerts';
import { initialJobState } from '../../../shared/domain/probes/job-state';
import { initialProbeState } from '../../../shared/domain/probes/probe-state';

const now = '2026-11-21T03:00:00.000Z';
const probe = (over: Partial<ProbeSubject['state']> = {}): ProbeSubject => ({
  kind: 'probe',
  id: 'billing-api-health',
  name: 'Billing API health',
  probeKind: 'http',
  target: 'https://billing.internal/health',
  service: 'billing-api',
  team: 'billing-ops',
  state: { ...initialProbeState(now), ...over },
});
const job = (over: Partial<JobSubject['state']> = {}): JobSubject => ({
  kind: 'job',
  id: 'ocs-cdr',
  name: 'OCS CDR transmission',
  type: 'Transmission',
  category: 'Rating',
  activity: 'Sends rated CDRs to the OCS',
  service: 'rating',
  team: 'mediation',
  schedule: 'every 1 hour',
  state: { ...initialJobState(now), ...over },
});

const firing = (d: ReturnType<typeof desiredAlerts>) =>
  d.filter((a) => a.firing).map((a) => [a.dedupKey, a.firing!.severity]);

describe('probe alerts', () => {
  it('down is critical, with labels for routing', () => {
    const d = desiredAlerts(probe({ status: 'down', reason: 'status 503, expected 2xx' }));
    expect(firing(d)).toEqual([['probe:billing-api-health', 'critical']]);
    expect(d[0]!.labels).toEqual({
      probe: 'billing-api-health',
      kind: 'http',
      alertname: 'Probe Billing API health',
      service: 'billing-api',
      team: 'billing-ops',
      condition: 'status',
    });
    expect(d[0]!.firing!.summary).toBe('Probe Billing API health is down: status 503, expected 2xx');
  });

  it('an expiring certificate is a warning of its own', () => {
    const d = desiredAlerts(
      probe({
        status: 'up',
        certificate: { validTo: '2026-11-30T00:00:00.000Z', daysLeft: 8, expiring: true, since: now },
      }),
    );
    expect(firing(d)).toEqual([['probe:billing-api-health:certificate', 'warning']]);
  });

  it('nothing fires while up, new or paused', () => {
    for (const status of ['up', 'new', 'paused'] as const) expect(firing(desiredAlerts(probe({ status })))).toEqual([]);
  });
});

describe('job alerts', () => {
  it('late is an error, down is critical, on the same dedup key', () => {
    expect(firing(desiredAlerts(job({ status: 'late', reason: 'not-on-time' })))).toEqual([['job:ocs-cdr', 'error']]);
    expect(firing(desiredAlerts(job({ status: 'down', reason: 'not-on-time' })))).toEqual([
      ['job:ocs-cdr', 'critical'],
    ]);
  });

  it('too long is an error (late) with its own summary', () => {
    const d = desiredAlerts(job({ status: 'late', reason: 'too-long' }));
    expect(d[0]!.firing!.summary).toBe('Job OCS CDR transmission is running too long (late)');
  });

  it('error ratio: warning → warning, critical → error', () => {
    expect(firing(desiredAlerts(job({ status: 'up', errorLevel: 'warning' })))).toEqual([
      ['job:ocs-cdr:errors', 'warning'],
    ]);
    expect(firing(desiredAlerts(job({ status: 'up', errorLevel: 'critical' })))).toEqual([
      ['job:ocs-cdr:errors', 'error'],
    ]);
  });

  it('labels carry job id, type, category, service and team', () => {
    expect(desiredAlerts(job())[0]!.labels).toEqual({
      job: 'ocs-cdr',
      kind: 'job',
      type: 'Transmission',
      category: 'Rating',
      alertname: 'Job OCS CDR transmission',
      service: 'rating',
      team: 'mediation',
      condition: 'status',
    });
  });
});

describe('canonical alerts', () => {
  it('a firing condition triggers from the time the status began', () => {
    const d = desiredAlerts(job({ status: 'down', reason: 'failed', statusSince: '2026-11-21T02:10:00.000Z' }))[0]!;
    expect(alertFor(d, now)).toEqual(
      expect.objectContaining({
        source: 'generic',
        action: 'trigger',
        status: 'firing',
        severity: 'critical',
        dedupKey: 'job:ocs-cdr',
        startsAt: '2026-11-21T02:10:00.000Z',
        service: 'rating',
      }),
    );
  });

  it('a cleared condition resolves, never before the live alert started', () => {
    const d = desiredAlerts(job())[0]!;
    const a = alertFor(d, now, { startsAt: '2026-11-21T02:00:00.000Z' });
    expect(a).toEqual(expect.objectContaining({ action: 'resolve', status: 'resolved', endsAt: now }));
    expect(alertFor(d, now, { startsAt: '2026-11-21T04:00:00.000Z' }).endsAt).toBe('2026-11-21T04:00:00.000Z');
  });
});

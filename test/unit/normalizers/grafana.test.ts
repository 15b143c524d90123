import { labelsKey } from '../../../shared/domain/alert';
import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import { normalizeGrafana } from '../../../shared/domain/normalizers/grafana';
import { ctx, expectCanonical, fixtureJson, fixturePayload, payload, thrown } from './fixtures';

type Group = { alerts: Record<string, unknown>[] } & Record<string, unknown>;
const firing = () => fixtureJson<Group>('grafana', 'firing.json');
const run = (body: unknown) => normalizeGrafana(payload(JSON.stringify(body)), ctx);

describe('Grafana normalizer', () => {
  it('turns each alert of a firing notification into a firing alert keyed by fingerprint', () => {
    const alerts = normalizeGrafana(fixturePayload('grafana', 'firing.json'), ctx);

    expectCanonical(alerts);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toMatchObject({
      source: 'grafana',
      dedupKey: 'c6eadffa33fcdf37',
      status: 'firing',
      action: 'trigger',
      severity: 'warning',
      summary: 'This alert was triggered for zone us-1',
      service: 'billing-platform',
      startsAt: '2024-03-05T07:51:03.157Z',
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1', grafana_folder: 'Billing' },
      details: {
        values: { B: 44.23943737541908, C: 1 },
        valueString: expect.stringContaining("var='B'"),
        groupKey: '{}:{}',
        receiver: 'Nocturne',
        orgId: 1,
        state: 'alerting',
      },
    });
    expect(alerts[0]!.endsAt).toBeUndefined();
    expect(alerts[1]!.dedupKey).toBe('bc97ff14869b13e3');
  });

  it('links the rule, dashboard, panel, silence, runbook and Grafana, skipping empty URLs', () => {
    const [a, b] = normalizeGrafana(fixturePayload('grafana', 'firing.json'), ctx);

    expect(a!.links.map((l) => l.text)).toEqual(['Runbook', 'Alert rule', 'Dashboard', 'Panel', 'Silence', 'Grafana']);
    expect(b!.links.map((l) => l.text)).toEqual(['Runbook', 'Alert rule', 'Silence', 'Grafana']);
  });

  it('resolves with Grafana end time', () => {
    const [a] = normalizeGrafana(fixturePayload('grafana', 'resolved.json'), ctx);

    expect(a).toMatchObject({
      status: 'resolved',
      action: 'resolve',
      dedupKey: 'c6eadffa33fcdf37',
      endsAt: '2024-03-05T08:20:03.157Z',
    });
  });

  it('keys by labels when the fingerprint is missing, and falls back to alertname then title for the summary', () => {
    const group = firing();
    group.alerts = [{ status: 'firing', labels: { alertname: 'Disk full', zone: 'eu-1' }, annotations: {} }];
    const [a] = run(group);
    expect(a).toMatchObject({ dedupKey: labelsKey({ alertname: 'Disk full', zone: 'eu-1' }), summary: 'Disk full' });

    group.alerts = [{ status: 'firing', labels: { zone: 'eu-1' }, annotations: null }];
    expect(run(group)[0]!.summary).toBe('[FIRING:2] (blue)');
  });

  it('maps the severity label like Alertmanager does', () => {
    const group = firing();
    group.alerts = [{ ...group.alerts[0], labels: { alertname: 'X', severity: 'page' } }];

    expect(run(group)[0]!.severity).toBe('critical');
  });

  it('rejects more than 500 alerts naming the alerts field', () => {
    const group = firing();
    group.alerts = Array.from({ length: 501 }, (_, i) => ({ ...group.alerts[0], fingerprint: `f${i}` }));

    const err = thrown(() => run(group));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('alerts');
  });

  it('rejects the legacy (pre-unified alerting) payload with a ValidationError naming alerts', () => {
    const legacy = {
      title: '[Alerting] Test notification',
      ruleId: 0,
      ruleName: 'Test notification',
      state: 'alerting',
      evalMatches: [],
    };

    const err = thrown(() => run(legacy));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain('alerts');
  });

  it.each([
    ['version', (g: Group) => (g.version = '2')],
    ['alerts.0.values', (g: Group) => (g.alerts[0]!.values = 'B=1')],
    ['alerts.1.fingerprint', (g: Group) => (g.alerts[1]!.fingerprint = 12)],
  ])('rejects a wrong %s', (field, mutate) => {
    const group = firing();
    mutate(group);

    const err = thrown(() => run(group));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('rejects a non-JSON body with MalformedPayloadError', () => {
    expect(thrown(() => normalizeGrafana(payload('{"alerts": ['), ctx))).toBeInstanceOf(MalformedPayloadError);
  });
});

import { labelsKey } from '../../../shared/domain/alert';
import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import { normalizeAlertmanager } from '../../../shared/domain/normalizers/alertmanager';
import { ctx, expectCanonical, fixtureJson, fixturePayload, payload, thrown } from './fixtures';

type Group = { alerts: Record<string, unknown>[] } & Record<string, unknown>;
const firing = () => fixtureJson<Group>('alertmanager', 'firing.json');
const run = (body: unknown) => normalizeAlertmanager(payload(JSON.stringify(body)), ctx);

describe('Alertmanager normalizer', () => {
  it('turns a firing group into one alert per alert, keyed by fingerprint', () => {
    const alerts = normalizeAlertmanager(fixturePayload('alertmanager', 'firing.json'), ctx);

    expectCanonical(alerts);
    expect(alerts.map((a) => a.dedupKey)).toEqual(['5f3a1c9e0b2d4e71', 'a47e2f6b18c3d950']);
    expect(alerts.every((a) => a.status === 'firing' && a.action === 'trigger' && a.source === 'alertmanager')).toBe(
      true,
    );
  });

  it('reads summary, service, resource, labels, links and details of the first alert', () => {
    const [a] = normalizeAlertmanager(fixturePayload('alertmanager', 'firing.json'), ctx);

    expect(a).toMatchObject({
      severity: 'critical',
      summary: 'Rating engine rating-01 is down',
      service: 'billing',
      resource: 'rating-01.example.net:9100',
      startsAt: '2024-03-05T10:04:11.395Z',
      labels: {
        alertname: 'RatingEngineDown',
        instance: 'rating-01.example.net:9100',
        job: 'rating-engine',
        severity: 'critical',
      },
      details: {
        receiver: 'nocturne',
        groupKey: expect.stringContaining('RatingEngineDown'),
        annotations: expect.objectContaining({ summary: 'Rating engine rating-01 is down' }),
      },
    });
    expect(a!.links).toEqual([
      { href: 'https://runbooks.example.net/rating-engine-down', text: 'Runbook' },
      { href: expect.stringMatching(/^http:\/\/prometheus\.example\.net:9090\/graph/), text: 'Source' },
      { href: 'http://alertmanager.example.net:9093', text: 'Alertmanager' },
    ]);
  });

  it('drops the expiry estimate Alertmanager puts in endsAt of a firing alert', () => {
    const alerts = normalizeAlertmanager(fixturePayload('alertmanager', 'firing.json'), ctx);

    expect(alerts.map((a) => a.endsAt)).toEqual([undefined, undefined]);
  });

  it('falls back from summary to description, takes job as service, and maps severity "page" to critical', () => {
    const [, b] = normalizeAlertmanager(fixturePayload('alertmanager', 'firing.json'), ctx);

    expect(b).toMatchObject({
      severity: 'critical',
      summary: 'rating-02.example.net:9100 has not answered scrapes for more than 5 minutes.',
      service: 'rating-engine',
      startsAt: '2024-03-05T10:04:41.102Z',
    });
  });

  it('resolves with the end time Alertmanager reports', () => {
    const [a] = normalizeAlertmanager(fixturePayload('alertmanager', 'resolved.json'), ctx);

    expect(a).toMatchObject({
      status: 'resolved',
      action: 'resolve',
      dedupKey: '5f3a1c9e0b2d4e71',
      endsAt: '2024-03-05T10:31:56.027Z',
    });
  });

  it('keys an alert without fingerprint by its sorted labels and uses alertname as summary', () => {
    const [a] = normalizeAlertmanager(fixturePayload('alertmanager', 'without-fingerprint.json'), ctx);

    expect(a!.dedupKey).toBe(
      labelsKey({
        alertname: 'DiskFillingUp',
        dc: 'eu-west-1',
        instance: 'mediation-03:9100',
        job: 'node',
        severity: 'low',
      }),
    );
    expect(a).toMatchObject({ summary: 'DiskFillingUp', severity: 'info', startsAt: '2024-03-05T08:52:26.739Z' });
  });

  it.each([
    ['critical', 'critical'],
    ['page', 'critical'],
    ['error', 'error'],
    ['high', 'error'],
    ['warning', 'warning'],
    ['info', 'info'],
    ['low', 'info'],
    ['none', 'info'],
    ['whatever', 'warning'],
    [undefined, 'warning'],
  ])('maps severity label %s to %s', (label, severity) => {
    const group = firing();
    const labels = { alertname: 'X', ...(label ? { severity: label } : {}) };
    group.alerts = [{ ...group.alerts[0], labels }];

    expect(run(group)[0]!.severity).toBe(severity);
  });

  it('uses the integration default service when no service or job label is present', () => {
    const group = firing();
    group.alerts = [{ ...group.alerts[0], labels: { alertname: 'X' } }];

    expect(run(group)[0]!.service).toBe('billing-platform');
  });

  it('takes the group status for an alert without its own', () => {
    const group = fixtureJson<Group>('alertmanager', 'resolved.json');
    delete group.alerts[0]!.status;

    expect(run(group)[0]!.status).toBe('resolved');
  });

  it('truncates a huge summary to 1024 characters', () => {
    const group = firing();
    group.alerts = [{ ...group.alerts[0], annotations: { summary: 'x'.repeat(50_000) } }];

    const [a] = run(group);
    expect(a!.summary).toHaveLength(1024);
    expectCanonical([a!]);
  });

  it('accepts 500 alerts and rejects 501 naming the alerts field', () => {
    const group = firing();
    const one = group.alerts[0]!;
    group.alerts = Array.from({ length: 500 }, (_, i) => ({ ...one, fingerprint: `fp${i}` }));
    expect(run(group)).toHaveLength(500);

    group.alerts.push({ ...one, fingerprint: 'fp500' });
    const err = thrown(() => run(group));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues).toEqual([expect.objectContaining({ field: 'alerts' })]);
  });

  it('rejects a body that is not JSON with MalformedPayloadError', () => {
    expect(thrown(() => normalizeAlertmanager(payload('receiver=x&status=firing'), ctx))).toBeInstanceOf(
      MalformedPayloadError,
    );
    expect(thrown(() => normalizeAlertmanager(payload(''), ctx))).toBeInstanceOf(MalformedPayloadError);
  });

  it.each([
    ['alerts missing', (g: Group) => delete (g as Partial<Group>).alerts, 'alerts'],
    ['alerts empty', (g: Group) => (g.alerts = []), 'alerts'],
    ['labels not strings', (g: Group) => (g.alerts[0]!.labels = { severity: 3 }), 'alerts.0.labels.severity'],
    ['wrong status', (g: Group) => (g.alerts[1]!.status = 'pending'), 'alerts.1.status'],
    ['another version', (g: Group) => (g.version = '5'), 'version'],
  ])('rejects a payload with %s naming the field', (_, mutate, field) => {
    const group = firing();
    mutate(group);

    const err = thrown(() => run(group));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('rejects an alert it cannot identify (no fingerprint, no labels)', () => {
    const group = firing();
    group.alerts = [{ status: 'firing', labels: {}, annotations: { summary: 'x' } }];

    const err = thrown(() => run(group));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('alerts.0.labels');
  });

  it('ignores links that are not http(s)', () => {
    const group = firing();
    group.externalURL = 'javascript:alert(1)';
    group.alerts = [{ ...group.alerts[0], generatorURL: 'not a url', annotations: {} }];

    expect(run(group)[0]!.links).toEqual([]);
  });
});

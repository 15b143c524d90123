import { ValidationError } from '../../../shared/domain/errors';
import { normalizeDatadog, parseDatadogTags } from '../../../shared/domain/normalizers/datadog';
import { ctx, expectCanonical, fixtureJson, fixturePayload, payload, thrown } from './fixtures';

const triggered = () => fixtureJson<Record<string, unknown>>('datadog', 'triggered.json');
const run = (body: unknown) => normalizeDatadog(payload(JSON.stringify(body)), ctx);

describe('Datadog normalizer', () => {
  it('reads a Triggered notification from the documented template', () => {
    const alerts = normalizeDatadog(fixturePayload('datadog', 'triggered.json'), ctx);

    expectCanonical(alerts);
    expect(alerts).toEqual([
      expect.objectContaining({
        source: 'datadog',
        dedupKey: '9bd4ac313a4d1e8fae2482df7b77628|cdr-collector-01',
        status: 'firing',
        action: 'trigger',
        severity: 'critical',
        summary: '[Triggered on {host:cdr-collector-01}] CDR ingestion lag is above 15 minutes',
        service: 'mediation',
        resource: 'cdr-collector-01',
        startsAt: '2024-03-05T10:04:11.000Z',
        labels: { env: 'prod', host: 'cdr-collector-01', monitor: '', service: 'mediation', team: 'billing-ops' },
        links: [
          { href: 'https://app.datadoghq.com/event/event?id=7421937458210047219', text: 'Datadog' },
          { href: expect.stringContaining('snapshot'), text: 'Graph' },
        ],
      }),
    ]);
    expect(alerts[0]!.details).toMatchObject({
      alertId: '81234567',
      transition: 'Triggered',
      priority: 'P1',
      orgName: 'Example Telco',
    });
  });

  it('resolves the same alert on Recovered', () => {
    const [fired] = normalizeDatadog(fixturePayload('datadog', 'triggered.json'), ctx);
    const [recovered] = normalizeDatadog(fixturePayload('datadog', 'recovered.json'), ctx);

    expect(recovered).toMatchObject({
      status: 'resolved',
      action: 'resolve',
      dedupKey: fired!.dedupKey,
      endsAt: '2024-03-05T10:35:11.000Z',
    });
  });

  it('reads the form-encoded variant ("Encode as form"), a Warn transition as a warning', () => {
    const [a] = normalizeDatadog(fixturePayload('datadog', 'warn-form.txt'), ctx);

    expect(a).toMatchObject({
      status: 'firing',
      severity: 'warning',
      dedupKey: 'f0e1d2c3b4a5968778695a4b3c2d1e0f',
      service: 'payments',
      labels: { env: 'prod', region: 'eu-west-1', service: 'payments' },
    });
    expect(a!.resource).toBeUndefined();
  });

  it.each([
    ['Triggered', 'firing'],
    ['Re-Triggered', 'firing'],
    ['Warn', 'firing'],
    ['Re-Warn', 'firing'],
    ['No Data', 'firing'],
    ['Recovered', 'resolved'],
  ])('maps transition %s to %s', (transition, status) => {
    expect(run({ ...triggered(), transition })[0]!.status).toBe(status);
  });

  it.each([
    ['P1', 'error', 'critical'],
    ['P2', 'error', 'error'],
    ['P3', 'error', 'warning'],
    ['P4', 'error', 'info'],
    ['', 'error', 'error'],
    ['', 'warning', 'warning'],
    ['', 'info', 'info'],
  ])('maps priority "%s" with alert type %s to %s', (priority, alert_type, severity) => {
    expect(run({ ...triggered(), priority, alert_type })[0]!.severity).toBe(severity);
  });

  it('accepts the variable names themselves as keys, and ignores variables Datadog left unfilled', () => {
    const [a] = run({
      $AGGREG_KEY: 'k1',
      ALERT_TRANSITION: 'Triggered',
      ALERT_TITLE: 'Disk full',
      HOSTNAME: '$HOSTNAME',
      TAGS: 'env:prod',
    });

    expect(a).toMatchObject({ dedupKey: 'k1', summary: 'Disk full', labels: { env: 'prod' } });
    expect(a!.resource).toBeUndefined();
  });

  it('falls back to the monitor id and scope for the dedup key', () => {
    const body = triggered();
    delete body.aggreg_key;

    expect(run(body)[0]!.dedupKey).toBe('monitor-81234567|host:cdr-collector-01');
  });

  it('splits $TAGS into labels, joining repeated names', () => {
    expect(parseDatadogTags('env:prod, role:db ,monitor, env:dr, url:https://x.example')).toEqual({
      env: 'prod,dr',
      role: 'db',
      monitor: '',
      url: 'https://x.example',
    });
  });

  it('requires an aggregation key or monitor id, naming aggreg_key', () => {
    const err = thrown(() => run({ title: 'x', transition: 'Triggered' }));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('aggreg_key');
  });

  it('rejects a payload that is not an object', () => {
    const err = thrown(() => run(['a']));
    expect(err).toBeInstanceOf(ValidationError);
  });

  it('caps a huge title at 1024 characters', () => {
    const [a] = run({ ...triggered(), title: 'y'.repeat(100_000) });
    expect(a!.summary).toHaveLength(1024);
  });
});

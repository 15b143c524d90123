import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import { normalizePagerDuty, validatePagerDutyEvent } from '../../../shared/domain/normalizers/pagerduty';
import { ctx, expectCanonical, fixtureJson, fixturePayload, fixtureText, payload, thrown } from './fixtures';

type Event = Record<string, unknown> & { payload: Record<string, unknown> };
const trigger = () => fixtureJson<Event>('pagerduty', 'trigger.json');
const run = (body: unknown) => normalizePagerDuty(payload(JSON.stringify(body)), ctx);
const errorsOf = (value: unknown) => {
  const r = validatePagerDutyEvent(value);
  return r.ok ? [] : r.errors;
};

describe('PagerDuty Events API v2 validation', () => {
  it('accepts the documented trigger, acknowledge and resolve events', () => {
    for (const name of ['trigger.json', 'trigger-without-dedup-key.json', 'acknowledge.json', 'resolve.json']) {
      expect(validatePagerDutyEvent(fixtureJson('pagerduty', name))).toMatchObject({ ok: true });
    }
  });

  it('returns the event it validated', () => {
    const r = validatePagerDutyEvent(trigger());
    expect(r.ok && r.event).toMatchObject({
      routing_key: 'R0UT1NGKEY0000000000000000000001',
      event_action: 'trigger',
      dedup_key: 'invoice-run/2024-03',
    });
  });

  it.each([
    ['routing_key missing', (e: Event) => delete e.routing_key, "'routing_key' is missing or blank"],
    ['routing_key blank', (e: Event) => (e.routing_key = ' '), "'routing_key' is missing or blank"],
    ['event_action missing', (e: Event) => delete e.event_action, "'event_action' is missing or blank"],
    [
      'event_action unknown',
      (e: Event) => (e.event_action = 'escalate'),
      "'event_action' is invalid (must be one of 'trigger', 'acknowledge', 'resolve')",
    ],
    ['payload missing', (e: Event) => delete (e as Partial<Event>).payload, "'payload' is missing or not an object"],
    ['summary missing', (e: Event) => delete e.payload.summary, "'payload.summary' is missing or blank"],
    ['source blank', (e: Event) => (e.payload.source = ''), "'payload.source' is missing or blank"],
    ['severity missing', (e: Event) => delete e.payload.severity, "'payload.severity' is missing or blank"],
    [
      'severity unknown',
      (e: Event) => (e.payload.severity = 'fatal'),
      "'payload.severity' is invalid (must be one of 'critical', 'error', 'warning', 'info')",
    ],
    [
      'timestamp invalid',
      (e: Event) => (e.payload.timestamp = 'yesterday'),
      "'payload.timestamp' is invalid (must be an ISO 8601 timestamp)",
    ],
    [
      'dedup_key too long',
      (e: Event) => (e.dedup_key = 'k'.repeat(256)),
      "'dedup_key' is too long (the maximum length is 255 characters)",
    ],
    ['dedup_key not a string', (e: Event) => (e.dedup_key = 42), "'dedup_key' must be a string"],
    ['component not a string', (e: Event) => (e.payload.component = ['a']), "'payload.component' must be a string"],
    ['links not an array', (e: Event) => (e.links = { href: 'x' }), "'links' must be an array"],
    ['a link without href', (e: Event) => (e.links = [{ text: 'x' }]), "'links[0].href' is missing or blank"],
    [
      'an image without src',
      (e: Event) => (e.images = [{ href: 'https://x.example' }]),
      "'images[0].src' is missing or blank",
    ],
  ])('rejects a trigger with %s', (_, mutate, message) => {
    const event = trigger();
    mutate(event);

    expect(errorsOf(event)).toContain(message);
  });

  it('requires dedup_key on acknowledge and resolve, but not a payload', () => {
    expect(errorsOf({ routing_key: 'k', event_action: 'acknowledge' })).toEqual([
      "'dedup_key' is missing or blank (it is required for acknowledge events)",
    ]);
    expect(errorsOf({ routing_key: 'k', event_action: 'resolve', dedup_key: '' })).toEqual([
      "'dedup_key' is missing or blank (it is required for resolve events)",
    ]);
  });

  it('reports every problem at once', () => {
    expect(errorsOf({ event_action: 'trigger', payload: {} })).toEqual([
      "'routing_key' is missing or blank",
      "'payload.summary' is missing or blank",
      "'payload.source' is missing or blank",
      "'payload.severity' is missing or blank",
    ]);
  });

  it('rejects a body that is not an object, and an event over 512 KB', () => {
    expect(errorsOf([trigger()])).toEqual(['Event object must be a JSON object']);
    const big = trigger();
    big.payload.custom_details = { blob: 'x'.repeat(600 * 1024) };
    expect(errorsOf(big)).toContain('Event object is too large (the maximum size is 512 KB)');
  });
});

describe('PagerDuty normalizer', () => {
  it('turns a trigger into a firing alert with the sender dedup_key', () => {
    const alerts = normalizePagerDuty(fixturePayload('pagerduty', 'trigger.json'), ctx);

    expectCanonical(alerts);
    expect(alerts).toEqual([
      expect.objectContaining({
        source: 'pagerduty',
        dedupKey: 'invoice-run/2024-03',
        status: 'firing',
        action: 'trigger',
        severity: 'critical',
        summary: 'Invoice run for cycle 2024-03 failed on batch 17 of 40',
        resource: 'billing-batch-02.example.net',
        service: 'billing-platform',
        startsAt: '2024-03-05T10:04:11.315Z',
        labels: { component: 'invoice-run', group: 'billing-batch', class: 'batch failure' },
        links: [
          { href: 'https://scheduler.example.net/runs/2024-03', text: 'Scheduler run' },
          { href: 'https://grafana.example.net/d/batch', text: 'Batch throughput' },
          { href: 'https://scheduler.example.net', text: 'Batch Scheduler' },
        ],
      }),
    ]);
    expect(alerts[0]!.details).toMatchObject({
      customDetails: { cycle: '2024-03', 'failed batch': 17 },
      client: 'Batch Scheduler',
    });
  });

  it('acknowledges and resolves by dedup_key', () => {
    const [ack] = normalizePagerDuty(fixturePayload('pagerduty', 'acknowledge.json'), ctx);
    const [res] = normalizePagerDuty(fixturePayload('pagerduty', 'resolve.json'), ctx);

    expectCanonical([ack!, res!]);
    expect(ack).toMatchObject({ dedupKey: 'invoice-run/2024-03', status: 'firing', action: 'acknowledge' });
    expect(res).toMatchObject({ dedupKey: 'invoice-run/2024-03', status: 'resolved', action: 'resolve' });
  });

  it('derives the same dedup key for a retried identical trigger, a different one for another event', () => {
    const body = fixtureText('pagerduty', 'trigger-without-dedup-key.json');
    const [first] = normalizePagerDuty(payload(body), ctx);
    const [retry] = normalizePagerDuty(payload(body), { ...ctx, receivedAt: '2024-03-05T10:41:00.000Z' });
    const [other] = run({
      ...JSON.parse(body),
      payload: { ...JSON.parse(body).payload, summary: 'Probe failed again' },
    });

    expect(first!.dedupKey).toMatch(/^pd-[0-9a-f]{40}$/);
    expect(retry!.dedupKey).toBe(first!.dedupKey);
    expect(other!.dedupKey).not.toBe(first!.dedupKey);
  });

  it('truncates a summary over 1024 characters instead of rejecting it', () => {
    const event = trigger();
    event.payload.summary = 's'.repeat(5000);

    expect(run(event)[0]!.summary).toHaveLength(1024);
  });

  it('throws a ValidationError whose issues carry the PagerDuty messages and fields', () => {
    const event = trigger();
    delete event.payload.source;

    const err = thrown(() => run(event));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues).toEqual([{ field: 'payload.source', message: "'payload.source' is missing or blank" }]);
  });

  it('rejects a body over 512 KB before parsing, and a body that is not JSON', () => {
    expect(
      thrown(() => normalizePagerDuty(payload(`{"x":"${'a'.repeat(513 * 1024)}"}`), ctx)).issues?.[0]?.message,
    ).toMatch(/too large/);
    expect(thrown(() => normalizePagerDuty(payload('routing_key=abc'), ctx))).toBeInstanceOf(MalformedPayloadError);
  });
});

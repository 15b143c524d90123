import { MalformedPayloadError, ValidationError } from '../../../shared/domain/errors';
import { normalizeZabbix } from '../../../shared/domain/normalizers/zabbix';
import { ctx, expectCanonical, fixtureJson, fixturePayload, payload, thrown } from './fixtures';

const problem = () => fixtureJson<Record<string, unknown>>('zabbix', 'problem.json');
const run = (body: unknown) => normalizeZabbix(payload(JSON.stringify(body)), ctx);

describe('Zabbix normalizer', () => {
  it('turns a problem into a firing alert keyed by the problem event id', () => {
    const alerts = normalizeZabbix(fixturePayload('zabbix', 'problem.json'), ctx);

    expectCanonical(alerts);
    expect(alerts).toEqual([
      expect.objectContaining({
        source: 'zabbix',
        dedupKey: '2918734',
        status: 'firing',
        action: 'trigger',
        severity: 'error',
        summary: 'Mediation server 03: Linux: High CPU utilization (over 90% for 5m)',
        service: 'mediation',
        resource: 'Mediation server 03',
        startsAt: '2024-03-05T10:04:11.000Z',
        labels: { class: 'os', component: 'cpu', scope: 'performance', service: 'mediation', host: 'mediation-03' },
        links: [
          { href: 'https://zabbix.example.net/tr_events.php?triggerid=24571&eventid=2918734', text: 'Zabbix event' },
        ],
      }),
    ]);
    expect(alerts[0]!.details).toMatchObject({
      triggerId: '24571',
      operationalData: 'Current utilization: 97.2 %',
      hostIp: '10.20.4.13',
    });
    expect(alerts[0]!.endsAt).toBeUndefined();
  });

  it('resolves the same problem on recovery, ending at the recovery time', () => {
    const [a] = normalizeZabbix(fixturePayload('zabbix', 'recovery.json'), ctx);

    expect(a).toMatchObject({
      dedupKey: '2918734',
      status: 'resolved',
      action: 'resolve',
      endsAt: '2024-03-05T10:27:40.000Z',
    });
    expect(a!.details).toMatchObject({ recoveryEventId: '2918990' });
  });

  it('reads an acknowledgement update as an acknowledge, ignoring unexpanded macros and tags sent as JSON text', () => {
    const [a] = normalizeZabbix(fixturePayload('zabbix', 'acknowledged.json'), ctx);

    expect(a).toMatchObject({
      dedupKey: '2918734',
      status: 'firing',
      action: 'acknowledge',
      labels: { class: 'os', service: 'mediation' },
    });
    expect(a!.details.recoveryEventId).toBeUndefined();
    expect(a!.links).toEqual([]);
  });

  it('does not read "unacknowledged" as an acknowledgement', () => {
    const [a] = run({ ...problem(), event_update_status: '1', event_update_action: 'unacknowledged' });
    expect(a!.action).toBe('trigger');
  });

  it.each([
    ['0', 'info'],
    ['1', 'info'],
    ['2', 'warning'],
    ['3', 'error'],
    ['4', 'error'],
    ['5', 'critical'],
    [5, 'critical'],
  ])('maps severity %s to %s', (n, severity) => {
    expect(run({ ...problem(), event_nseverity: n })[0]!.severity).toBe(severity);
  });

  it('falls back to the default severity names when the number is absent', () => {
    expect(run({ ...problem(), event_nseverity: '', event_severity: 'Disaster' })[0]!.severity).toBe('critical');
    expect(run({ ...problem(), event_nseverity: '{EVENT.NSEVERITY}', event_severity: 'Average' })[0]!.severity).toBe(
      'error',
    );
  });

  it('takes recovery from the recovery event id when event_value is absent', () => {
    const body = fixtureJson<Record<string, unknown>>('zabbix', 'recovery.json');
    delete body.event_value;
    expect(run(body)[0]!.status).toBe('resolved');
  });

  it('reads {EVENT.DATE} and {EVENT.TIME} as UTC when the script sent no ISO time', () => {
    expect(run({ ...problem(), event_started_at: '' })[0]!.startsAt).toBe('2024-03-05T11:04:11.000Z');
    expect(run({ ...problem(), event_started_at: '', event_date: '', event_time: '' })[0]!.startsAt).toBe(
      ctx.receivedAt,
    );
  });

  it('prefixes the host only when the event name does not mention it', () => {
    expect(run({ ...problem(), event_name: 'Mediation server 03 is unreachable' })[0]!.summary).toBe(
      'Mediation server 03 is unreachable',
    );
  });

  it.each([
    ['event_id', { event_id: '' }],
    ['event_id', { event_id: '{EVENT.ID}' }],
    ['event_id', { event_id: { id: 1 } }],
    ['event_value', { event_value: '2' }],
    ['event_nseverity', { event_nseverity: '9' }],
    ['event_tags', { event_tags: '[{"tag": 1' }],
    ['event_tags.0.tag', { event_tags: '[{"value": "x"}]' }],
    ['event_tags', { event_tags: { tag: 'x' } }],
  ])('rejects a wrong %s naming it', (field, change) => {
    const err = thrown(() => run({ ...problem(), ...change }));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('rejects a missing event id and a body that is not JSON', () => {
    const body = problem();
    delete body.event_id;
    expect(thrown(() => run(body))).toBeInstanceOf(ValidationError);
    expect(thrown(() => normalizeZabbix(payload('event_id=1'), ctx))).toBeInstanceOf(MalformedPayloadError);
  });
});

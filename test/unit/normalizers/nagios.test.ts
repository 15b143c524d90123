import { ValidationError } from '../../../shared/domain/errors';
import { normalizeNagios } from '../../../shared/domain/normalizers/nagios';
import { ctx, expectCanonical, fixturePayload, fixtureText, payload, thrown } from './fixtures';

const form = (fields: Record<string, string>) =>
  payload(new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
const service = (type: string, state: string, extra: Record<string, string> = {}) =>
  normalizeNagios(
    form({
      NOTIFICATIONTYPE: type,
      HOSTNAME: 'db-01',
      SERVICEDESC: 'Disk',
      SERVICESTATE: state,
      SERVICEOUTPUT: 'x',
      ...extra,
    }),
    ctx,
  )[0]!;
const host = (type: string, state: string) =>
  normalizeNagios(form({ NOTIFICATIONTYPE: type, HOSTNAME: 'db-01', HOSTSTATE: state }), ctx)[0]!;

describe('Nagios normalizer', () => {
  it('reads a form-encoded service PROBLEM', () => {
    const alerts = normalizeNagios(fixturePayload('nagios', 'service-problem.txt'), ctx);

    expectCanonical(alerts);
    expect(alerts).toEqual([
      expect.objectContaining({
        source: 'nagios',
        dedupKey: 'billing-db-01|PostgreSQL replication lag',
        status: 'firing',
        action: 'trigger',
        severity: 'critical',
        summary: 'PostgreSQL replication lag on billing-db-01 is CRITICAL: CRITICAL - replication lag is 412 seconds',
        resource: 'billing-db-01',
        service: 'billing-platform',
        startsAt: '2024-03-05T10:04:11.000Z',
        labels: {
          host: 'billing-db-01',
          service: 'PostgreSQL replication lag',
          state: 'CRITICAL',
          hostgroup: 'billing-databases',
        },
        links: [{ href: 'https://wiki.example.net/runs/pg-replication', text: 'Service notes' }],
      }),
    ]);
    expect(alerts[0]!.details).toMatchObject({
      notificationType: 'PROBLEM',
      perfData: 'lag=412s;60;300;0',
      attempt: '3',
      problemId: '48213',
    });
  });

  it('resolves the same service on RECOVERY at the state change', () => {
    const [a] = normalizeNagios(fixturePayload('nagios', 'service-recovery.txt'), ctx);

    expect(a).toMatchObject({
      dedupKey: 'billing-db-01|PostgreSQL replication lag',
      status: 'resolved',
      action: 'resolve',
      endsAt: '2024-03-05T10:35:11.000Z',
    });
  });

  it('reads ACKNOWLEDGEMENT as an acknowledge with author and comment', () => {
    const [a] = normalizeNagios(fixturePayload('nagios', 'service-acknowledgement.txt'), ctx);

    expect(a).toMatchObject({
      status: 'firing',
      action: 'acknowledge',
      dedupKey: 'billing-db-01|PostgreSQL replication lag',
    });
    expect(a!.details).toMatchObject({ author: 'ada', comment: 'Looking into it, replica was rebuilding' });
  });

  it('reads a JSON host notification with NAGIOS_ prefixed names, keyed by host', () => {
    const alerts = normalizeNagios(fixturePayload('nagios', 'host-down.json'), ctx);

    expectCanonical(alerts);
    expect(alerts[0]).toMatchObject({
      dedupKey: 'sms-gateway-02',
      severity: 'critical',
      summary: 'Host sms-gateway-02 is DOWN: CRITICAL - 10.30.0.22: rta nan, lost 100%',
      startsAt: '2024-03-05T10:00:00.000Z',
      labels: { host: 'sms-gateway-02', state: 'DOWN', hostgroup: 'messaging' },
      links: [{ href: 'https://wiki.example.net/hosts/sms-gateway', text: 'Host notes' }],
    });
  });

  it('fires on FLAPPINGSTART with a flapping label, at least a warning even when the last check was OK', () => {
    const [a] = normalizeNagios(fixturePayload('nagios', 'host-flapping.json'), ctx);

    expect(a).toMatchObject({
      status: 'firing',
      action: 'trigger',
      severity: 'warning',
      labels: { flapping: 'true', state: 'UP' },
    });
  });

  it.each([
    ['PROBLEM', 'CRITICAL', 'firing', 'trigger'],
    ['RECOVERY', 'OK', 'resolved', 'resolve'],
    ['ACKNOWLEDGEMENT', 'WARNING', 'firing', 'acknowledge'],
    ['FLAPPINGSTART', 'WARNING', 'firing', 'trigger'],
    ['FLAPPINGSTOP', 'OK', 'resolved', 'resolve'],
    ['FLAPPINGSTOP', 'CRITICAL', 'firing', 'trigger'],
    ['FLAPPINGDISABLED', 'OK', 'resolved', 'resolve'],
    ['DOWNTIMESTART', 'OK', 'resolved', 'resolve'],
    ['DOWNTIMESTART', 'CRITICAL', 'firing', 'trigger'],
    ['DOWNTIMEEND', 'WARNING', 'firing', 'trigger'],
    ['DOWNTIMECANCELLED', 'OK', 'resolved', 'resolve'],
    ['CUSTOM', 'CRITICAL', 'firing', 'trigger'],
    ['CUSTOM', 'OK', 'resolved', 'resolve'],
  ])('%s with state %s is %s / %s', (type, state, status, action) => {
    expect(service(type, state)).toMatchObject({ status, action });
  });

  it.each([
    ['CRITICAL', 'critical'],
    ['WARNING', 'warning'],
    ['UNKNOWN', 'warning'],
  ])('maps service state %s to %s', (state, severity) => {
    expect(service('PROBLEM', state).severity).toBe(severity);
  });

  it.each([
    ['DOWN', 'critical'],
    ['UNREACHABLE', 'error'],
  ])('maps host state %s to %s', (state, severity) => {
    expect(host('PROBLEM', state).severity).toBe(severity);
  });

  it('labels downtime and flapping notifications', () => {
    expect(service('DOWNTIMESTART', 'CRITICAL').labels.downtime).toBe('start');
    expect(service('DOWNTIMECANCELLED', 'CRITICAL').labels.downtime).toBe('cancelled');
    expect(service('FLAPPINGSTOP', 'CRITICAL').labels.flapping).toBe('false');
  });

  it('accepts any case and the state id when the state name is missing', () => {
    const [a] = normalizeNagios(
      form({ notificationtype: 'problem', HostName: 'db-01', servicedesc: 'Disk', SERVICESTATEID: '2' }),
      ctx,
    );
    expect(a).toMatchObject({ severity: 'critical', labels: { state: 'CRITICAL' } });
  });

  it('treats a macro Nagios left unexpanded as absent (a host notification)', () => {
    const [a] = normalizeNagios(
      form({ NOTIFICATIONTYPE: 'PROBLEM', HOSTNAME: 'db-01', SERVICEDESC: '$SERVICEDESC$', HOSTSTATE: 'DOWN' }),
      ctx,
    );
    expect(a).toMatchObject({ dedupKey: 'db-01', severity: 'critical' });
  });

  it('reads the same fields from a JSON body and a form body alike', () => {
    const text = fixtureText('nagios', 'service-problem.txt');
    const asJson = JSON.stringify(Object.fromEntries(new URLSearchParams(text)));

    expect(normalizeNagios(payload(asJson), ctx)).toEqual(
      normalizeNagios(payload(text, 'application/x-www-form-urlencoded'), ctx),
    );
  });

  it.each([
    ['NOTIFICATIONTYPE', { HOSTNAME: 'db-01' }],
    ['NOTIFICATIONTYPE', { NOTIFICATIONTYPE: 'EXPLODED', HOSTNAME: 'db-01' }],
    ['HOSTNAME', { NOTIFICATIONTYPE: 'PROBLEM' }],
  ])('rejects a missing or unknown %s', (field, fields) => {
    const err = thrown(() => normalizeNagios(form(fields), ctx));

    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.map((i) => i.field)).toContain(field);
  });

  it('rejects a JSON array', () => {
    expect(thrown(() => normalizeNagios(payload('[1,2]'), ctx))).toBeInstanceOf(ValidationError);
  });
});

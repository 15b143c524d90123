// Definition rules: bad input is rejected naming the field.
import {
  createJobSchema,
  createProbeSchema,
  parseResolver,
  pingPayloadSchema,
} from '../../../shared/domain/probes/definitions';

const fields = (r: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  (r.error?.issues ?? []).map((i) => i.path.join('.'));

describe('probe definitions', () => {
  it('applies defaults', () => {
    const p = createProbeSchema.parse({ kind: 'http', name: 'API', url: 'https://api.example.com/health' });
    expect(p).toEqual(
      expect.objectContaining({
        method: 'GET',
        intervalMinutes: 5,
        timeoutSeconds: 10,
        failuresBeforeDown: 2,
        successesBeforeUp: 1,
        expectedStatus: [],
      }),
    );
    expect(p.kind === 'http' && p.tls).toEqual({ verify: true, expiryWarningDays: 14 });
  });

  it('names the fields at fault', () => {
    expect(
      fields(createProbeSchema.safeParse({ kind: 'http', name: 'x', url: 'ftp://x', intervalMinutes: 61 })).sort(),
    ).toEqual(['intervalMinutes', 'url']);
    expect(fields(createProbeSchema.safeParse({ kind: 'tcp', name: 'x', host: 'db 1', port: 0 }))).toEqual([
      'host',
      'port',
    ]);
    expect(
      fields(
        createProbeSchema.safeParse({
          kind: 'dns',
          name: 'x',
          hostname: 'a.test',
          recordType: 'SOA',
          resolver: 'dns.google',
        }),
      ),
    ).toEqual(['recordType', 'resolver']);
    expect(fields(createProbeSchema.safeParse({ kind: 'smtp', name: 'x' }))).toEqual(['kind']);
  });

  it('reads resolver addresses with and without ports', () => {
    expect(parseResolver('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseResolver('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53 });
    expect(parseResolver('[::1]:5300')).toEqual({ host: '::1', port: 5300 });
    expect(parseResolver('::1')).toEqual({ host: '::1', port: 53 });
    expect(parseResolver('1.2.3.4:99999')).toBeUndefined();
  });
});

describe('job definitions', () => {
  const base = { name: 'Nightly backup', type: 'Backup', category: 'Backup', team: 'infra' };

  it('takes a cron schedule with an IANA time zone', () => {
    const j = createJobSchema.parse({
      ...base,
      schedule: { kind: 'cron', expression: '0 2 * * *', timezone: 'Europe/Paris' },
    });
    expect(j.graceMinutes).toBe(30);
  });

  it('rejects a bad cron, a bad time zone, six fields, and inverted thresholds, naming each', () => {
    expect(
      fields(createJobSchema.safeParse({ ...base, schedule: { kind: 'cron', expression: '61 2 * * *' } })),
    ).toEqual(['schedule.expression']);
    expect(
      fields(
        createJobSchema.safeParse({
          ...base,
          schedule: { kind: 'cron', expression: '0 2 * * *', timezone: 'Mars/Olympus' },
        }),
      ),
    ).toEqual(['schedule.timezone']);
    expect(
      fields(createJobSchema.safeParse({ ...base, schedule: { kind: 'cron', expression: '0 0 2 * * *' } })),
    ).toEqual(['schedule.expression']);
    expect(
      fields(
        createJobSchema.safeParse({
          ...base,
          schedule: { kind: 'period', minutes: 60 },
          errorRatio: { warningPercent: 20, criticalPercent: 10 },
        }),
      ),
    ).toEqual(['errorRatio.warningPercent']);
  });

  it('ping counts: whole numbers, errored not above processed', () => {
    expect(pingPayloadSchema.parse({ processed: '100', errored: '3' })).toEqual({ processed: 100, errored: 3 });
    expect(fields(pingPayloadSchema.safeParse({ processed: '1.5' }))).toEqual(['processed']);
    expect(fields(pingPayloadSchema.safeParse({ processed: 1, errored: 2 }))).toEqual(['errored']);
  });
});

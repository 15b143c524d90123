import { ALERT_SOURCES, type CanonicalAlert } from '../../../shared/domain/alert';
import { ValidationError } from '../../../shared/domain/errors';
import { normalize, normalizers } from '../../../shared/domain/normalizers';
import { ctx, expectCanonical, fixturePayload, payload, thrown } from './fixtures';

const alert = (over: Partial<CanonicalAlert>): CanonicalAlert => ({
  source: 'generic',
  dedupKey: 'k',
  status: 'firing',
  action: 'trigger',
  severity: 'error',
  summary: 's',
  details: {},
  labels: {},
  startsAt: ctx.receivedAt,
  links: [],
  ...over,
});

describe('normalize', () => {
  afterEach(() => jest.restoreAllMocks());

  it('has a normalizer for every alert source', () => {
    expect(Object.keys(normalizers).sort()).toEqual([...ALERT_SOURCES].sort());
  });

  it('runs the normalizer of the source and returns canonical alerts', () => {
    const alerts = normalize('alertmanager', fixturePayload('alertmanager', 'firing.json'), ctx);

    expectCanonical(alerts);
    expect(alerts).toHaveLength(2);
  });

  it('keeps the last of the alerts sharing a dedup key, in the order of their last occurrence', () => {
    const body = {
      alerts: [
        { dedupKey: 'a', summary: 'first a' },
        { dedupKey: 'b', summary: 'only b' },
        { dedupKey: 'a', summary: 'second a', status: 'resolved' },
      ],
    };

    const alerts = normalize('generic', payload(JSON.stringify(body)), ctx);
    expect(alerts.map((a) => [a.dedupKey, a.summary, a.status])).toEqual([
      ['b', 'only b', 'firing'],
      ['a', 'second a', 'resolved'],
    ]);
  });

  it('rejects, naming the alert and field, anything a normalizer produced that is not a canonical alert', () => {
    jest.spyOn(normalizers, 'generic').mockReturnValue([alert({}), alert({ dedupKey: 'x', summary: '' })]);

    const err = thrown(() => normalize('generic', payload('{}'), ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('alerts.1.summary');
  });

  it('rejects more than 500 alerts from any normalizer', () => {
    jest
      .spyOn(normalizers, 'generic')
      .mockReturnValue(Array.from({ length: 501 }, (_, i) => alert({ dedupKey: `k${i}` })));

    const err = thrown(() => normalize('generic', payload('{}'), ctx));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues?.[0]?.field).toBe('alerts');
  });

  it('keeps only absolute http(s) links, from any format', () => {
    const hrefs = [
      'javascript:alert(1)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>x</script>',
      'vbscript:x',
      'file:///etc/passwd',
      '/relative',
      'https://ok.example/a',
      'http://ok.example/b',
    ];
    const body = { dedupKey: 'k', summary: 's', links: hrefs.map((href) => ({ href, text: 'x' })) };
    const [generic] = normalize('generic', payload(JSON.stringify(body)), ctx);
    expect(generic!.links.map((l) => l.href)).toEqual(['https://ok.example/a', 'http://ok.example/b']);

    // Whatever a normalizer produces, only http(s) hrefs are kept.
    for (const source of ALERT_SOURCES) {
      jest.spyOn(normalizers, source).mockReturnValue([alert({ source, links: hrefs.map((href) => ({ href })) })]);
      const [a] = normalize(source, payload('{}'), ctx);
      expect(a!.links.map((l) => l.href)).toEqual(['https://ok.example/a', 'http://ok.example/b']);
    }
  });

  it('rejects an unknown source', () => {
    expect(thrown(() => normalize('nope' as never, payload('{}'), ctx))).toBeInstanceOf(ValidationError);
    expect(thrown(() => normalize('toString' as never, payload('{}'), ctx))).toBeInstanceOf(ValidationError);
  });
});

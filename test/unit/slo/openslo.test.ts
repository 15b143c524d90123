// OpenSLO v1: an export read back gives the same SLO (every field Nocturne supports), bundles
// written by hand import, and what does not validate is refused naming the field.
import {
  exportOpenSlo,
  importOpenSlo,
  OpenSloError,
  openSloYaml,
  parseOpenSlo,
} from '../../../shared/domain/slo/openslo';
import { createSloSchema, type Slo } from '../../../shared/domain/slo/model';

function stored(input: unknown): Slo {
  return {
    ...createSloSchema.parse(input),
    id: (input as { id: string }).id,
    createdAt: '',
    updatedAt: '',
    version: 1,
  } as Slo;
}

const full = stored({
  id: 'checkout-success',
  name: 'Checkout requests succeed',
  description: 'Share of checkout requests answered 2xx/3xx',
  service: 'billing-api',
  team: 'platform',
  timeZone: 'Europe/Paris',
  objective: 99.95,
  window: { kind: 'calendar', unit: 'quarter' },
  sli: { kind: 'ratio', good: 'HTTP 2xx and 3xx', total: 'all answers' },
  maintenance: [{ start: '2026-12-01T02:00:00Z', end: '2026-12-01T03:00:00Z', reason: 'DB upgrade' }],
  alerting: { enabled: true, minEvents: 120 },
  labels: { tier: '1' },
});

const strip = ({ createdAt: _c, updatedAt: _u, version: _v, ...rest }: Slo) => rest;

describe('round trip', () => {
  it.each([
    ['a ratio SLO with every field, calendar quarter in a zone', full],
    [
      'an availability SLO, rolling 28 days in a zone, alerting off',
      stored({
        id: 'portal-availability',
        name: 'Portal up',
        service: 'customer-portal',
        timeZone: 'America/New_York',
        objective: 99.5,
        window: { kind: 'rolling', days: 28 },
        sli: { kind: 'availability' },
        alerting: { enabled: false, minEvents: 50 },
      }),
    ],
  ])('%s: export → YAML → import gives the same SLO', (_name, slo) => {
    const yaml = openSloYaml(exportOpenSlo(slo));
    const [back] = importOpenSlo(parseOpenSlo(yaml));
    expect(back).toEqual(strip(slo));
  });

  it('the export holds the five kinds, as JSON too', () => {
    const docs = exportOpenSlo(full);
    expect(docs.map((d) => d.kind)).toEqual([
      'Service',
      'SLI',
      'AlertCondition',
      'AlertCondition',
      'AlertCondition',
      'AlertPolicy',
      'SLO',
    ]);
    expect(importOpenSlo(parseOpenSlo(JSON.stringify(docs)))[0]).toEqual(strip(full));
  });
});

describe('hand-written bundles', () => {
  const bundle = `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: api-latency-ok
  displayName: API answers
spec:
  service: billing-api
  indicator:
    metadata: { name: api-ok }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: nocturne-events } }
        total: { metricSource: { type: nocturne-events } }
  timeWindow: [{ duration: 1w, isRolling: true }]
  budgetingMethod: Occurrences
  objectives: [{ targetPercent: 99 }]
`;
  it('an inline indicator, a week, targetPercent', () => {
    expect(importOpenSlo(parseOpenSlo(bundle))[0]).toMatchObject({
      id: 'api-latency-ok',
      objective: 99,
      window: { kind: 'rolling', days: 7 },
      sli: { kind: 'ratio' },
      alerting: { enabled: false },
    });
  });

  const refused = (text: string, field: string) => {
    let err: unknown;
    try {
      importOpenSlo(parseOpenSlo(text));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OpenSloError);
    expect((err as OpenSloError).field).toBe(field);
  };

  it.each([
    ['not YAML', ': : :\n  - [', 'body'],
    ['a wrong apiVersion', bundle.replace('openslo/v1', 'openslo/v2'), 'documents[0].apiVersion'],
    [
      'an objective of 1 (100 %)',
      bundle.replace('targetPercent: 99', 'target: 1'),
      'documents[0].spec.objectives[0].target',
    ],
    ['Timeslices budgeting', bundle.replace('Occurrences', 'Timeslices'), 'documents[0].spec.budgetingMethod'],
    [
      'a 2-month calendar window',
      bundle.replace(
        '{ duration: 1w, isRolling: true }',
        '{ duration: 2M, isRolling: false, calendar: { timeZone: UTC } }',
      ),
      'documents[0].spec.timeWindow[0].duration',
    ],
    [
      'a zone the window cannot be expressed in',
      bundle.replace(
        '{ duration: 1w, isRolling: true }',
        '{ duration: 1M, isRolling: false, calendar: { timeZone: Mars/Base } }',
      ),
      'documents[0].spec.timeWindow[0].calendar.timeZone',
    ],
    [
      'an unknown metric source',
      bundle.replace(/nocturne-events/g, 'prometheus'),
      'documents[0].spec.indicator.spec.ratioMetric.total.metricSource.type',
    ],
    [
      'a missing SLI reference',
      bundle.replace(/ {2}indicator:[\s\S]*?(?= {2}timeWindow)/, '  indicatorRef: nowhere\n'),
      'documents[0].spec.indicatorRef',
    ],
  ])('%s is refused, naming the field', (_name, text, field) => refused(text, field));

  it('a burn-rate condition other than the workbook ones is refused naming it', () => {
    const docs = exportOpenSlo(full);
    const cond = docs.find((d) => d.kind === 'AlertCondition') as { spec: { condition: { threshold: number } } };
    cond.spec.condition.threshold = 10;
    let err: unknown;
    try {
      importOpenSlo(parseOpenSlo(JSON.stringify(docs)));
    } catch (e) {
      err = e;
    }
    expect((err as OpenSloError).field).toBe('documents[6].spec.alertPolicies[0].conditions[0].condition');
  });
});

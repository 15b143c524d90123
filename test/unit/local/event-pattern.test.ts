// EventBridge pattern matching as the local bus applies it (cases from the EventBridge docs).
import { catalog } from '../../../infra/catalog';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  validateEventPattern,
} from '../../../infra/local/event-pattern';

const event = {
  version: '0',
  id: 'a',
  'detail-type': 'Alert Opened',
  source: 'nocturne.alerts',
  account: '000000000000',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: ['nocturne:alert/1', 'nocturne:integration/demo-generic'],
  detail: {
    version: 1,
    alert: { severity: 'critical', source: 'Alertmanager', count: 3, service: 'billing-api', labels: { env: 'prod' } },
    tags: ['db', 'disk'],
    items: [
      { name: 'a', size: 1 },
      { name: 'b', size: 10 },
    ],
    ip: '10.0.1.17',
    nothing: null,
    empty: [],
  },
};

const m = (pattern: Record<string, unknown>) => matchesEventPattern(pattern, event);

describe('exact values and alternatives', () => {
  it('matches when a field equals one of the listed values', () => {
    expect(m({ source: ['nocturne.alerts'] })).toBe(true);
    expect(m({ source: ['nocturne.tickets', 'nocturne.alerts'] })).toBe(true);
    expect(m({ source: ['nocturne.tickets'] })).toBe(false);
  });

  it('requires every field of the pattern to match', () => {
    expect(m({ source: ['nocturne.alerts'], 'detail-type': ['Alert Opened'] })).toBe(true);
    expect(m({ source: ['nocturne.alerts'], 'detail-type': ['Alert Resolved'] })).toBe(false);
  });

  it('compares with the JSON type: the string "1" is not the number 1', () => {
    expect(m({ detail: { version: [1] } })).toBe(true);
    expect(m({ detail: { version: ['1'] } })).toBe(false);
  });

  it('matches null exactly', () => {
    expect(m({ detail: { nothing: [null] } })).toBe(true);
    expect(m({ detail: { version: [null] } })).toBe(false);
  });

  it('matches nested detail objects', () => {
    expect(m({ detail: { alert: { severity: ['critical'], labels: { env: ['prod'] } } } })).toBe(true);
    expect(m({ detail: { alert: { labels: { env: ['dev'] } } } })).toBe(false);
  });

  it('matches an array in the event when any element matches', () => {
    expect(m({ resources: ['nocturne:alert/1'] })).toBe(true);
    expect(m({ detail: { tags: ['disk'] } })).toBe(true);
    expect(m({ detail: { tags: ['cpu'] } })).toBe(false);
    expect(m({ detail: { items: { name: ['b'], size: [10] } } })).toBe(true);
  });

  it('matches nothing with an empty list of alternatives', () => {
    expect(m({ source: [] })).toBe(false);
  });

  it('does not match a missing field with a value', () => {
    expect(m({ detail: { missing: ['x'] } })).toBe(false);
  });
});

describe('content filters', () => {
  it('prefix, also ignoring case', () => {
    expect(m({ source: [{ prefix: 'nocturne.' }] })).toBe(true);
    expect(m({ source: [{ prefix: 'aws.' }] })).toBe(false);
    expect(m({ detail: { alert: { source: [{ prefix: { 'equals-ignore-case': 'alertMAN' } }] } } })).toBe(true);
  });

  it('suffix, also ignoring case', () => {
    expect(m({ 'detail-type': [{ suffix: 'Opened' }] })).toBe(true);
    expect(m({ 'detail-type': [{ suffix: 'Closed' }] })).toBe(false);
    expect(m({ 'detail-type': [{ suffix: { 'equals-ignore-case': 'OPENED' } }] })).toBe(true);
  });

  it('anything-but a value, a list, a prefix, a suffix', () => {
    expect(m({ detail: { alert: { severity: [{ 'anything-but': 'info' }] } } })).toBe(true);
    expect(m({ detail: { alert: { severity: [{ 'anything-but': ['info', 'critical'] }] } } })).toBe(false);
    expect(m({ detail: { alert: { service: [{ 'anything-but': { prefix: 'billing-' } }] } } })).toBe(false);
    expect(m({ detail: { alert: { service: [{ 'anything-but': { prefix: 'crm-' } }] } } })).toBe(true);
    expect(m({ detail: { alert: { service: [{ 'anything-but': { suffix: '-api' } }] } } })).toBe(false);
    expect(m({ detail: { alert: { source: [{ 'anything-but': { 'equals-ignore-case': ['alertmanager'] } }] } } })).toBe(
      false,
    );
    expect(m({ detail: { version: [{ 'anything-but': 2 }] } })).toBe(true);
  });

  it('anything-but does not match a missing field', () => {
    expect(m({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('exists true and false', () => {
    expect(m({ detail: { alert: { service: [{ exists: true }] } } })).toBe(true);
    expect(m({ detail: { alert: { team: [{ exists: true }] } } })).toBe(false);
    expect(m({ detail: { alert: { team: [{ exists: false }] } } })).toBe(true);
    expect(m({ detail: { alert: { service: [{ exists: false }] } } })).toBe(false);
    expect(m({ detail: { nothing: [{ exists: true }] } })).toBe(true);
  });

  it('numeric comparisons and ranges', () => {
    expect(m({ detail: { alert: { count: [{ numeric: ['>', 2] }] } } })).toBe(true);
    expect(m({ detail: { alert: { count: [{ numeric: ['>', 3] }] } } })).toBe(false);
    expect(m({ detail: { alert: { count: [{ numeric: ['>=', 3, '<', 4] }] } } })).toBe(true);
    expect(m({ detail: { alert: { count: [{ numeric: ['=', 3] }] } } })).toBe(true);
    expect(m({ detail: { alert: { count: [{ numeric: ['<=', 2] }] } } })).toBe(false);
    expect(m({ detail: { alert: { severity: [{ numeric: ['>', 0] }] } } })).toBe(false);
  });

  it('equals-ignore-case', () => {
    expect(m({ detail: { alert: { source: [{ 'equals-ignore-case': 'ALERTMANAGER' }] } } })).toBe(true);
    expect(m({ detail: { alert: { source: [{ 'equals-ignore-case': 'grafana' }] } } })).toBe(false);
  });

  it('wildcard, with escaped stars', () => {
    expect(m({ resources: [{ wildcard: 'nocturne:integration/*' }] })).toBe(true);
    expect(m({ detail: { alert: { service: [{ wildcard: '*-api' }] } } })).toBe(true);
    expect(m({ detail: { alert: { service: [{ wildcard: 'billing*x' }] } } })).toBe(false);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'x*y' })).toBe(true);
    expect(matchesEventPattern({ a: [{ wildcard: 'x\\*y' }] }, { a: 'xzzy' })).toBe(false);
  });

  it('cidr on IPv4 addresses', () => {
    expect(m({ detail: { ip: [{ cidr: '10.0.0.0/16' }] } })).toBe(true);
    expect(m({ detail: { ip: [{ cidr: '10.1.0.0/16' }] } })).toBe(false);
  });

  it('mixes filters and values as alternatives', () => {
    expect(m({ detail: { alert: { severity: ['warning', { prefix: 'crit' }] } } })).toBe(true);
  });
});

describe('$or', () => {
  it('matches when any branch matches', () => {
    expect(m({ $or: [{ source: ['x'] }, { detail: { alert: { severity: ['critical'] } } }] })).toBe(true);
    expect(m({ $or: [{ source: ['x'] }, { detail: { alert: { severity: ['info'] } } }] })).toBe(false);
  });
});

describe('invalid patterns', () => {
  it('rejects unknown filters and bad operators', () => {
    expect(() => validateEventPattern({ source: [{ regex: 'a.*' }] })).toThrow(InvalidEventPatternError);
    expect(() => validateEventPattern({ detail: { n: [{ numeric: ['~', 1] }] } })).toThrow(InvalidEventPatternError);
    expect(() => validateEventPattern({ source: 'nocturne.alerts' })).toThrow(InvalidEventPatternError);
  });

  it('accepts every trigger pattern the catalog declares', () => {
    for (const fn of catalog.functions)
      for (const t of fn.triggers) if (t.kind === 'event') expect(() => validateEventPattern(t.pattern)).not.toThrow();
  });
});

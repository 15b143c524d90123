// Pure incident rules: matchers (RE2, anchored), routing, grouping keys, severity with tier
// floors, inhibition keys, silences, maintenance windows across DST, flapping.
import { RE2JS } from 're2js';
import {
  matchesAll,
  matcherSchema,
  patternIssues,
  regexValues,
  usePatterns,
  type Matcher,
  type PatternCompiler,
} from '../../../shared/domain/incidents/matchers';
import { matchLabels } from '../../../shared/domain/incidents/labels';
import {
  atLeastAsSevere,
  inhibitionKey,
  inhibitRulesAsSource,
  inhibitRulesAsTarget,
  route,
  rulesetMatchers,
  rulesetPatternIssues,
  rulesetSchema,
  severityFor,
} from '../../../shared/domain/incidents/rules';
import {
  maintenanceActive,
  matchingSilence,
  createMaintenanceSchema,
  type MaintenanceWindow,
  type Silence,
} from '../../../shared/domain/incidents/silences';
import { isStable, recordTransition } from '../../../shared/domain/incidents/flapping';
import { prepareMaintenance, requireValidCron } from '../../../shared/app/incidents/maintenance';

const labels = {
  alertname: 'HighLatency',
  service: 'billing-api',
  instance: 'api-1:9100',
  severity: 'critical',
  source: 'alertmanager',
};

// The app layer compiles the patterns in force with re2js before the domain evaluates them
// (shared/app/incidents/patterns.ts); these tests do the same.
const re2: PatternCompiler = (source) => RE2JS.compile(source);
const compiled = <M extends Matcher[]>(matchers: M): M => {
  usePatterns(regexValues(matchers), re2);
  return matchers;
};

describe('matchers', () => {
  it('match equals, not-equals, anchored regex, not-regex and lists', () => {
    compiled([
      { label: 'service', op: '=~', value: 'billing-.*' },
      { label: 'service', op: '=~', value: 'billing' },
      { label: 'instance', op: '!~', value: 'db-.*' },
    ]);
    expect(matchesAll([{ label: 'service', op: '=', value: 'billing-api' }], labels)).toBe(true);
    expect(matchesAll([{ label: 'service', op: '!=', value: 'billing-api' }], labels)).toBe(false);
    expect(matchesAll([{ label: 'service', op: '=~', value: 'billing-.*' }], labels)).toBe(true);
    expect(matchesAll([{ label: 'service', op: '=~', value: 'billing' }], labels)).toBe(false); // anchored
    expect(matchesAll([{ label: 'instance', op: '!~', value: 'db-.*' }], labels)).toBe(true);
    expect(matchesAll([{ label: 'severity', op: 'in', values: ['critical', 'error'] }], labels)).toBe(true);
    expect(matchesAll([{ label: 'missing', op: '=', value: '' }], labels)).toBe(true); // absent = empty, as in Alertmanager
  });

  it('rejects invalid patterns and patterns RE2 cannot run (backreferences), naming the field', () => {
    const matchers = [
      { label: 'x', op: '=', value: '(' },
      { label: 'x', op: '=~', value: '(a)\\1' },
    ] as Matcher[];
    expect(matchers.every((m) => matcherSchema.safeParse(m).success)).toBe(true); // the shape is fine
    const issues = patternIssues(matchers, re2);
    expect(issues.map((i) => i.path)).toEqual([[1, 'value']]);
    expect(issues[0]!.message).toContain('not a valid RE2 pattern');
    expect(matcherSchema.safeParse({ label: 'x', op: 'in' }).success).toBe(false);
    const rules = rulesetSchema.parse({
      routes: [{ id: 'a', name: 'a', matchers: [{ label: 'a', op: '=~', value: '(' }] }],
      inhibitRules: [
        {
          id: 'i',
          name: 'i',
          sourceMatchers: [{ label: 'a', op: '=', value: 'b' }],
          targetMatchers: [{ label: 'a', op: '!~', value: '[' }],
        },
      ],
    });
    expect(rulesetPatternIssues(rules, re2).map((i) => i.path)).toEqual([
      ['routes', 0, 'matchers', 0, 'value'],
      ['inhibitRules', 0, 'targetMatchers', 0, 'value'],
    ]);
  });

  it('refuses to evaluate a pattern that was not compiled first (the app layer compiles what it loads)', () => {
    expect(() => matchesAll([{ label: 'x', op: '=~', value: 'never-compiled-.*' }], { x: 'a' })).toThrow(
      /not compiled/,
    );
    // Regex-free matchers need no compiling (and no RE2 engine loaded).
    expect(regexValues([{ label: 'x', op: '=', value: 'a' }])).toEqual([]);
    expect(matchesAll([{ label: 'x', op: '!=', value: 'a' }], { x: 'b' })).toBe(true);
  });

  it('runs a catastrophic-backtracking pattern in linear time', () => {
    const evil = compiled([{ label: 'x', op: '=~' as const, value: '(a+)+$' }]);
    const started = process.hrtime.bigint();
    expect(matchesAll(evil, { x: `${'a'.repeat(5000)}!` })).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });
});

describe('atLeastAsSevere', () => {
  it('lists the severities an incident may have without being raised by one of this severity', () => {
    expect(atLeastAsSevere('P1')).toEqual(['P1']);
    expect(atLeastAsSevere('P3')).toEqual(['P1', 'P2', 'P3']);
    expect(atLeastAsSevere('P5')).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
  });
});

describe('routing and severity', () => {
  const rules = rulesetSchema.parse({
    routes: [
      {
        id: 'db',
        name: 'databases',
        matchers: [{ label: 'service', op: '=~', value: '.*-db' }],
        team: 'dba',
        groupBy: ['service'],
      },
      { id: 'billing', name: 'billing', matchers: [{ label: 'service', op: '=~', value: 'billing-.*' }] },
    ],
    defaultRoute: { team: 'noc' },
    severityRules: [
      {
        id: 'latency',
        name: 'latency is P2',
        matchers: [{ label: 'alertname', op: '=', value: 'HighLatency' }],
        severity: 'P2',
      },
    ],
    tierFloor: { '1': 'P2' },
  });
  compiled(rulesetMatchers(rules));
  const teamOf = (s: string) => ({ 'billing-api': 'billing-team' })[s];

  it('takes the first matching route, the service owner as team, and groups by service and alertname', () => {
    const d = route(rules, labels, teamOf);
    expect(d).toMatchObject({
      routeId: 'billing',
      serviceId: 'billing-api',
      teamId: 'billing-team',
      groupKey: 'service=billing-api,alertname=HighLatency',
    });
    const db = route(rules, { ...labels, service: 'billing-db' }, teamOf);
    expect(db).toMatchObject({ routeId: 'db', teamId: 'dba', groupKey: 'service=billing-db' });
  });

  it('falls back to the default route and its team', () => {
    expect(route(rules, { alertname: 'X', source: 'generic' }, teamOf)).toMatchObject({
      routeId: 'default',
      teamId: 'noc',
    });
  });

  it('gives the same group hash to the same group and a different one to another', () => {
    const a = route(rules, labels, teamOf);
    const b = route(rules, { ...labels, instance: 'api-2:9100' }, teamOf);
    const c = route(rules, { ...labels, alertname: 'Errors' }, teamOf);
    expect(a.groupHash).toBe(b.groupHash);
    expect(a.groupHash).not.toBe(c.groupHash);
  });

  it('maps severity by rule, else by source severity, and raises to the tier floor', () => {
    expect(severityFor(rules, labels, 'critical').severity).toBe('P2');
    expect(severityFor(rules, { alertname: 'Disk' }, 'warning').severity).toBe('P3');
    const floored = severityFor(rules, { alertname: 'Disk' }, 'info', 1);
    expect(floored.severity).toBe('P2');
    expect(floored.reason).toContain('tier 1 floor');
    expect(severityFor(rules, { alertname: 'Disk' }, 'critical', 1).severity).toBe('P1'); // a floor never lowers
  });

  it('rejects duplicate rule ids with the path of the duplicate', () => {
    const r = rulesetSchema.safeParse({
      routes: [
        { id: 'a', name: 'a' },
        { id: 'a', name: 'b' },
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['routes', 1, 'id']);
  });
});

describe('inhibition', () => {
  const rules = rulesetSchema.parse({
    inhibitRules: [
      {
        id: 'host-down',
        name: 'host down silences its services',
        sourceMatchers: [{ label: 'alertname', op: '=', value: 'HostDown' }],
        targetMatchers: [{ label: 'alertname', op: '!=', value: 'HostDown' }],
        equal: ['host'],
      },
    ],
  });
  it('pairs a source and a target only when the equal labels agree', () => {
    const source = { alertname: 'HostDown', host: 'db-1' };
    const target = { alertname: 'PostgresDown', host: 'db-1' };
    const other = { alertname: 'PostgresDown', host: 'db-2' };
    const [rule] = inhibitRulesAsSource(rules, source);
    expect(rule!.id).toBe('host-down');
    expect(inhibitRulesAsTarget(rules, target)).toHaveLength(1);
    expect(inhibitRulesAsTarget(rules, source)).toHaveLength(0); // never inhibits itself
    expect(inhibitionKey(rule!, source)).toBe(inhibitionKey(rule!, target));
    expect(inhibitionKey(rule!, source)).not.toBe(inhibitionKey(rule!, other));
  });
});

describe('silences and maintenance windows', () => {
  const silence: Silence = {
    id: 's1',
    matchers: [{ label: 'service', op: '=', value: 'billing-api' }],
    startsAt: '2026-11-21T10:00:00Z',
    endsAt: '2026-11-21T12:00:00Z',
    createdBy: 'alice',
    comment: 'deploy',
    createdAt: '2026-11-21T09:00:00Z',
  };
  it('silences matching alerts only within its time range', () => {
    expect(matchingSilence([silence], labels, new Date('2026-11-21T11:00:00Z'))?.id).toBe('s1');
    expect(matchingSilence([silence], labels, new Date('2026-11-21T12:00:00Z'))).toBeUndefined();
    expect(matchingSilence([silence], { ...labels, service: 'x' }, new Date('2026-11-21T11:00:00Z'))).toBeUndefined();
  });

  const weekly = (tz: string): MaintenanceWindow => ({
    ...(createMaintenanceSchema.parse({
      kind: 'recurring',
      serviceId: 'billing-db',
      name: 'Sunday patching',
      cron: '0 2 * * 0',
      timezone: tz,
      durationMinutes: 120,
    }) as MaintenanceWindow),
    id: 'm1',
    createdBy: 'ops',
    createdAt: '2026-01-01T00:00:00Z',
  });

  it('opens a recurring window at 02:00 local time on both sides of a DST change (Europe/London)', async () => {
    const w = weekly('Europe/London');
    await prepareMaintenance([w]); // the app layer compiles the schedules it loads (cron-parser, on first need)
    // Winter (GMT): 02:00 local = 02:00Z. Summer (BST): 02:00 local = 01:00Z.
    expect(maintenanceActive(w, new Date('2026-03-22T02:30:00Z'))).toBe(true);
    expect(maintenanceActive(w, new Date('2026-03-22T04:01:00Z'))).toBe(false);
    expect(maintenanceActive(w, new Date('2026-04-05T01:30:00Z'))).toBe(true);
    expect(maintenanceActive(w, new Date('2026-04-05T03:30:00Z'))).toBe(false);
    expect(maintenanceActive(w, new Date('2026-04-06T01:30:00Z'))).toBe(false); // Monday
  });

  it('evaluates in the window’s own zone (America/New_York)', async () => {
    const w = weekly('America/New_York');
    await prepareMaintenance([w]);
    expect(maintenanceActive(w, new Date('2026-11-22T07:30:00Z'))).toBe(true); // 02:30 EST
    expect(maintenanceActive(w, new Date('2026-11-22T02:30:00Z'))).toBe(false);
  });

  it('refuses to evaluate a recurring window whose schedule was not compiled first', () => {
    expect(() =>
      maintenanceActive({ ...weekly('Asia/Tokyo'), cron: '0 3 * * 0' } as MaintenanceWindow, new Date()),
    ).toThrow(/not compiled/);
  });

  it('validates cron, zone and one-off ranges naming the field', async () => {
    const bad = createMaintenanceSchema.safeParse({
      kind: 'recurring',
      serviceId: 's',
      name: 'n',
      cron: 'every sunday',
      timezone: 'Mars/Olympus',
      durationMinutes: 60,
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path[0])).toEqual(expect.arrayContaining(['timezone']));
    // The cron expression is checked where a window is stored, with the cron engine loaded then.
    const everySunday = { ...weekly('Europe/London'), cron: 'every sunday' } as MaintenanceWindow;
    await expect(requireValidCron(everySunday)).rejects.toMatchObject({
      issues: [{ field: 'cron', message: 'not a valid cron expression' }],
    });
    await expect(requireValidCron(weekly('Europe/London'))).resolves.toBeUndefined();
    const inverted = createMaintenanceSchema.safeParse({
      kind: 'one-off',
      serviceId: 's',
      name: 'n',
      startsAt: '2026-01-02T00:00:00Z',
      endsAt: '2026-01-01T00:00:00Z',
    });
    expect(inverted.error!.issues[0]!.path).toEqual(['endsAt']);
  });
});

describe('flapping', () => {
  const cfg = { transitions: 4, windowMinutes: 10, stableMinutes: 15 };
  it('flags more than N changes within M minutes, and forgets changes older than the window', () => {
    let h: string[] = [];
    const t0 = Date.parse('2026-11-21T00:00:00Z');
    let flapping = false;
    for (let i = 0; i < 5; i++) ({ history: h, flapping } = recordTransition(h, new Date(t0 + i * 60000), cfg));
    expect(flapping).toBe(true);
    let slow: string[] = [];
    for (let i = 0; i < 8; i++)
      ({ history: slow, flapping } = recordTransition(slow, new Date(t0 + i * 4 * 60000), cfg));
    expect(flapping).toBe(false);
    expect(slow.length).toBeLessThanOrEqual(5);
  });
  it('is stable after K quiet minutes', () => {
    expect(isStable('2026-11-21T00:00:00Z', new Date('2026-11-21T00:14:59Z'), cfg)).toBe(false);
    expect(isStable('2026-11-21T00:00:00Z', new Date('2026-11-21T00:15:00Z'), cfg)).toBe(true);
  });
});

describe('match labels', () => {
  it('adds canonical fields so rules can match on source, service and severity', () => {
    const l = matchLabels({
      integrationId: 'i',
      source: 'zabbix',
      severity: 'error',
      summary: 'Disk full',
      service: 'billing-db',
      labels: { host: 'db-1' },
    });
    expect(l).toMatchObject({
      source: 'zabbix',
      severity: 'error',
      service: 'billing-db',
      host: 'db-1',
      alertname: 'Disk full',
      integration: 'i',
    });
  });
});

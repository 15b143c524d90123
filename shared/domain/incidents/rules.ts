// The incident rules: routing, grouping, severity, inhibition, flapping and storm guard, as one
// versioned, validated document (like an Alertmanager config). Users give data, never code:
// matchers are label comparisons and RE2 patterns.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { SEVERITIES, incidentSeveritySchema } from '../../../events/incidents';
import { matchesAll, matcherSchema, patternIssues, type Matcher, type PatternCompiler } from './matchers';

export type IncidentSeverity = (typeof SEVERITIES)[number];

const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');

const groupingSchema = z.object({
  groupBy: z.array(z.string().min(1).max(128)).max(20).default(['service', 'alertname']),
  groupWaitSeconds: z.number().int().min(0).max(3600).default(30),
  groupIntervalSeconds: z.number().int().min(0).max(86400).default(300),
  autoResolve: z.boolean().default(true),
  reopenWindowMinutes: z.number().int().min(0).max(10080).default(30),
});

export const routeSchema = groupingSchema.extend({
  id: idSchema,
  name: z.string().min(1).max(200),
  matchers: z.array(matcherSchema).max(50).default([]),
  /** Service to assign; when absent the alert's own service is used. */
  service: z.string().min(1).max(255).optional(),
  /** Team to assign; when absent the service's owning team is used. */
  team: z.string().min(1).max(128).optional(),
});
export type Route = z.infer<typeof routeSchema>;

export const defaultRouteSchema = groupingSchema.extend({
  team: z.string().min(1).max(128).optional(),
});

export const severityRuleSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(200),
  matchers: z.array(matcherSchema).min(1).max(50),
  severity: incidentSeveritySchema,
});

export const inhibitRuleSchema = z.object({
  id: idSchema,
  name: z.string().min(1).max(200),
  sourceMatchers: z.array(matcherSchema).min(1).max(50),
  targetMatchers: z.array(matcherSchema).min(1).max(50),
  /** Labels that must have the same value on source and target (e.g. instance, cluster). */
  equal: z.array(z.string().min(1).max(128)).max(20).default([]),
});
export type InhibitRule = z.infer<typeof inhibitRuleSchema>;

export const rulesetSchema = z
  .object({
    routes: z.array(routeSchema).max(500).default([]),
    defaultRoute: defaultRouteSchema.default(defaultRouteSchema.parse({})),
    severityRules: z.array(severityRuleSchema).max(500).default([]),
    /** Source severity → incident severity when no severity rule matches. */
    severityMap: z
      .object({
        critical: incidentSeveritySchema,
        error: incidentSeveritySchema,
        warning: incidentSeveritySchema,
        info: incidentSeveritySchema,
      })
      .default({ critical: 'P1', error: 'P2', warning: 'P3', info: 'P5' }),
    /** Most lenient severity a service of each tier may get, e.g. tier 1 → at least P2. */
    tierFloor: z.partialRecord(z.enum(['1', '2', '3', '4']), incidentSeveritySchema).default({ '1': 'P2', '2': 'P3' }),
    inhibitRules: z.array(inhibitRuleSchema).max(200).default([]),
    flapping: z
      .object({
        transitions: z.number().int().min(2).max(100).default(4),
        windowMinutes: z.number().int().min(1).max(1440).default(10),
        stableMinutes: z.number().int().min(1).max(1440).default(15),
      })
      .default({ transitions: 4, windowMinutes: 10, stableMinutes: 15 }),
    storm: z
      .object({ maxIncidentsPerMinute: z.number().int().min(1).max(10000).default(5) })
      .default({ maxIncidentsPerMinute: 5 }),
  })
  .superRefine((r, ctx) => {
    for (const [list, name] of [
      [r.routes, 'routes'],
      [r.severityRules, 'severityRules'],
      [r.inhibitRules, 'inhibitRules'],
    ] as const) {
      const seen = new Set<string>();
      list.forEach((x, i) => {
        if (seen.has(x.id)) ctx.addIssue({ code: 'custom', path: [name, i, 'id'], message: `duplicate id ${x.id}` });
        seen.add(x.id);
      });
    }
  });
export type Ruleset = z.infer<typeof rulesetSchema>;

export const DEFAULT_RULESET: Ruleset = rulesetSchema.parse({});

/** Every matcher of the ruleset (routes, severity rules, both sides of the inhibit rules). */
export function rulesetMatchers(rules: Ruleset): Matcher[] {
  return [
    ...rules.routes.flatMap((r) => r.matchers),
    ...rules.severityRules.flatMap((r) => r.matchers),
    ...rules.inhibitRules.flatMap((r) => [...r.sourceMatchers, ...r.targetMatchers]),
  ];
}

/** The ruleset's `=~`/`!~` values RE2 cannot run, named by their path in the ruleset (as zod names fields). */
export function rulesetPatternIssues(
  rules: Ruleset,
  compile: PatternCompiler,
): Array<{ path: Array<string | number>; message: string }> {
  const lists: Array<[Array<string | number>, Matcher[]]> = [
    ...rules.routes.map((r, i): [Array<string | number>, Matcher[]] => [['routes', i, 'matchers'], r.matchers]),
    ...rules.severityRules.map((r, i): [Array<string | number>, Matcher[]] => [
      ['severityRules', i, 'matchers'],
      r.matchers,
    ]),
    ...rules.inhibitRules.flatMap((r, i): Array<[Array<string | number>, Matcher[]]> => [
      [['inhibitRules', i, 'sourceMatchers'], r.sourceMatchers],
      [['inhibitRules', i, 'targetMatchers'], r.targetMatchers],
    ]),
  ];
  return lists.flatMap(([at, matchers]) =>
    patternIssues(matchers, compile).map((x) => ({ path: [...at, ...x.path], message: x.message })),
  );
}

export interface RoutingDecision {
  routeId: string;
  routeName: string;
  serviceId?: string;
  teamId?: string;
  grouping: z.infer<typeof groupingSchema>;
  groupKey: string;
  /** Short, stable hash of routeId + groupKey, for item keys. */
  groupHash: string;
}

/** First matching route wins; otherwise the default route. */
export function route(
  rules: Ruleset,
  labels: Record<string, string>,
  serviceTeam: (serviceId: string) => string | undefined,
): RoutingDecision {
  const r = rules.routes.find((x) => matchesAll(x.matchers, labels));
  const grouping = r ?? rules.defaultRoute;
  const serviceId = r?.service ?? labels.service;
  const teamId = r?.team ?? (serviceId ? serviceTeam(serviceId) : undefined) ?? rules.defaultRoute.team;
  const routeId = r?.id ?? 'default';
  const effective: Record<string, string> = { ...labels, ...(serviceId ? { service: serviceId } : {}) };
  const groupKey = grouping.groupBy.map((l) => `${l}=${effective[l] ?? ''}`).join(',');
  const groupHash = createHash('sha256').update(`${routeId}\0${groupKey}`).digest('base64url').slice(0, 22);
  return {
    routeId,
    routeName: r?.name ?? 'default route',
    serviceId,
    teamId,
    grouping: {
      groupBy: grouping.groupBy,
      groupWaitSeconds: grouping.groupWaitSeconds,
      groupIntervalSeconds: grouping.groupIntervalSeconds,
      autoResolve: grouping.autoResolve,
      reopenWindowMinutes: grouping.reopenWindowMinutes,
    },
    groupKey,
    groupHash,
  };
}

const RANK: Record<IncidentSeverity, number> = { P1: 1, P2: 2, P3: 3, P4: 4, P5: 5 };

export function moreSevere(a: IncidentSeverity, b: IncidentSeverity): IncidentSeverity {
  return RANK[a] <= RANK[b] ? a : b;
}

/** The severities at least as severe as `s` (an incident of one of these is not raised by `s`). */
export function atLeastAsSevere(s: IncidentSeverity): IncidentSeverity[] {
  return SEVERITIES.filter((x) => RANK[x] <= RANK[s]);
}

/** Severity rules in order, else the source-severity map; then the service tier's floor. */
export function severityFor(
  rules: Ruleset,
  labels: Record<string, string>,
  sourceSeverity: 'critical' | 'error' | 'warning' | 'info',
  tier?: number,
): { severity: IncidentSeverity; reason: string } {
  const rule = rules.severityRules.find((s) => matchesAll(s.matchers, labels));
  let severity: IncidentSeverity = rule ? rule.severity : rules.severityMap[sourceSeverity];
  let reason = rule ? `severity rule ${rule.id}` : `source severity ${sourceSeverity}`;
  const floor = tier ? rules.tierFloor[String(tier) as '1'] : undefined;
  if (floor && RANK[floor] < RANK[severity]) {
    severity = floor;
    reason += `, raised to the tier ${tier} floor ${floor}`;
  }
  return { severity, reason };
}

/** Hash of the `equal` labels' values: a source and a target inhibit each other when equal. */
export function inhibitionKey(rule: InhibitRule, labels: Record<string, string>): string {
  return createHash('sha256')
    .update(rule.equal.map((l) => `${l}=${labels[l] ?? ''}`).join('\0'))
    .digest('base64url')
    .slice(0, 22);
}

export function inhibitRulesAsSource(rules: Ruleset, labels: Record<string, string>): InhibitRule[] {
  return rules.inhibitRules.filter((r) => matchesAll(r.sourceMatchers, labels));
}

export function inhibitRulesAsTarget(rules: Ruleset, labels: Record<string, string>): InhibitRule[] {
  // An alert never inhibits itself through a rule it is the source of (Alertmanager semantics).
  return rules.inhibitRules.filter(
    (r) => matchesAll(r.targetMatchers, labels) && !matchesAll(r.sourceMatchers, labels),
  );
}

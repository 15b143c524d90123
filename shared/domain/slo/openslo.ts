// OpenSLO v1 (https://github.com/OpenSLO/OpenSLO) import and export, for the kinds Nocturne
// supports: SLO, SLI, Service, AlertPolicy and AlertCondition. An export read back by the import
// gives the same SLO (docs/slo.md lists what maps to what and what is not supported). Fields
// OpenSLO has no place for (team, maintenance windows, the low-traffic guard, a rolling window's
// zone) travel as `nocturne.io/...` annotations. Pure: text in, values out.
import { parseAllDocuments, stringify } from 'yaml';
import * as z from 'zod';
import { BURN_CONDITIONS } from './evaluate';
import { createSloSchema, type CreateSloInput, type Slo } from './model';

export const OPENSLO_API_VERSION = 'openslo/v1';
const A = {
  team: 'nocturne.io/team',
  timeZone: 'nocturne.io/time-zone',
  maintenance: 'nocturne.io/maintenance',
  minEvents: 'nocturne.io/min-events',
  labels: 'nocturne.io/labels',
} as const;
const SOURCE_EVENTS = 'nocturne-events';
const SOURCE_AVAILABILITY = 'nocturne-availability';

/** A field path in the request, e.g. `documents[2].spec.objectives[0].target`. */
export class OpenSloError extends Error {
  override readonly name = 'OpenSloError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const name = z
  .string()
  .min(3)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes (it becomes the SLO id)');
const metadata = z.object({
  name,
  displayName: z.string().max(200).optional(),
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const metricSource = z.object({
  metricSourceRef: z.string().optional(),
  type: z.string().optional(),
  spec: z.record(z.string(), z.unknown()).optional(),
});
const ratioMetric = z.object({
  counter: z.boolean().optional(),
  good: z.object({ metricSource }).optional(),
  bad: z.object({ metricSource }).optional(),
  total: z.object({ metricSource }),
});
const sliSpec = z.object({
  description: z.string().optional(),
  ratioMetric: ratioMetric.optional(),
  thresholdMetric: z.unknown().optional(),
});
const durationPattern = /^(\d+)([mhdwMQY])$/;
const timeWindow = z.object({
  duration: z.string().regex(durationPattern, 'a duration such as 28d, 1M or 1Q'),
  isRolling: z.boolean(),
  calendar: z.object({ startTime: z.string().optional(), timeZone: z.string() }).optional(),
});
const objective = z.object({
  displayName: z.string().optional(),
  target: z.number().optional(),
  targetPercent: z.number().optional(),
});
const sloSpec = z.object({
  description: z.string().optional(),
  service: z.string().min(1),
  indicatorRef: z.string().optional(),
  indicator: z.object({ metadata, spec: sliSpec }).optional(),
  timeWindow: z.array(timeWindow).length(1, 'exactly one time window'),
  budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']),
  objectives: z.array(objective).length(1, 'exactly one objective (Nocturne SLOs have one)'),
  alertPolicies: z
    .array(z.union([z.string(), z.object({ kind: z.string().optional(), metadata, spec: z.unknown() })]))
    .optional(),
});
const conditionSpec = z.object({
  description: z.string().optional(),
  severity: z.string().optional(),
  condition: z.object({
    kind: z.literal('burnrate'),
    op: z.enum(['gte', 'gt']),
    threshold: z.number(),
    lookbackWindow: z.string(),
    alertAfter: z.string().optional(),
  }),
});
const policySpec = z.object({
  description: z.string().optional(),
  alertWhenNoData: z.boolean().optional(),
  alertWhenResolved: z.boolean().optional(),
  alertWhenBreaching: z.boolean().optional(),
  conditions: z.array(
    z.union([
      z.object({ conditionRef: z.string() }),
      z.object({ kind: z.literal('AlertCondition').optional(), metadata, spec: conditionSpec }),
    ]),
  ),
  notificationTargets: z.array(z.unknown()).optional(),
});
const doc = z.discriminatedUnion('kind', [
  z.object({ apiVersion: z.literal(OPENSLO_API_VERSION), kind: z.literal('SLO'), metadata, spec: sloSpec }),
  z.object({ apiVersion: z.literal(OPENSLO_API_VERSION), kind: z.literal('SLI'), metadata, spec: sliSpec }),
  z.object({
    apiVersion: z.literal(OPENSLO_API_VERSION),
    kind: z.literal('Service'),
    metadata,
    spec: z.object({ description: z.string().optional() }).optional(),
  }),
  z.object({ apiVersion: z.literal(OPENSLO_API_VERSION), kind: z.literal('AlertPolicy'), metadata, spec: policySpec }),
  z.object({
    apiVersion: z.literal(OPENSLO_API_VERSION),
    kind: z.literal('AlertCondition'),
    metadata,
    spec: conditionSpec,
  }),
]);
type Doc = z.infer<typeof doc>;

const fieldOf = (path: PropertyKey[]) =>
  path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');

/** Parse YAML (one or more documents) or JSON (an object or an array of them). */
export function parseOpenSlo(text: string): Doc[] {
  let raw: unknown[];
  try {
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [docs];
    const bad = list.find((d) => d.errors.length);
    if (bad) throw new OpenSloError('body', `not YAML or JSON: ${bad.errors[0]!.message.split('\n')[0]}`);
    raw = list.flatMap((d) => {
      const v = d.toJS() as unknown;
      return Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    });
  } catch (err) {
    if (err instanceof OpenSloError) throw err;
    throw new OpenSloError('body', `not YAML or JSON: ${String(err)}`);
  }
  if (raw.length === 0) throw new OpenSloError('body', 'no OpenSLO document');
  if (raw.length > 200) throw new OpenSloError('body', 'at most 200 documents');
  return raw.map((r, i) => {
    const p = doc.safeParse(r);
    if (!p.success) {
      const issue = p.error.issues[0]!;
      throw new OpenSloError(fieldOf([`documents`, i, ...issue.path]), issue.message);
    }
    return p.data;
  });
}

const HOUR = 'h';
function windowOf(
  w: z.infer<typeof timeWindow>,
  field: string,
): { window: CreateSloInput['window']; timeZone?: string } {
  const [, n, unit] = durationPattern.exec(w.duration)!;
  const count = Number(n);
  if (w.isRolling) {
    const days = unit === 'd' ? count : unit === 'w' ? count * 7 : unit === HOUR && count % 24 === 0 ? count / 24 : NaN;
    if (!Number.isInteger(days) || days < 1 || days > 90)
      throw new OpenSloError(`${field}.duration`, 'a rolling window must be whole days between 1d and 90d');
    return { window: { kind: 'rolling', days } };
  }
  if (count !== 1 || (unit !== 'M' && unit !== 'Q'))
    throw new OpenSloError(`${field}.duration`, 'a calendar window must be 1M (month) or 1Q (quarter)');
  return { window: { kind: 'calendar', unit: unit === 'M' ? 'month' : 'quarter' }, timeZone: w.calendar?.timeZone };
}

function sliOf(spec: z.infer<typeof sliSpec>, field: string): CreateSloInput['sli'] {
  const r = spec.ratioMetric;
  if (!r || spec.thresholdMetric !== undefined)
    throw new OpenSloError(field, 'only ratioMetric SLIs are supported (thresholdMetric is not)');
  if (!r.good || r.bad) throw new OpenSloError(`${field}.ratioMetric`, 'give good and total (bad is not supported)');
  const type = r.total.metricSource.type;
  if (type === SOURCE_AVAILABILITY) return { kind: 'availability' };
  if (type !== SOURCE_EVENTS && type !== undefined)
    throw new OpenSloError(
      `${field}.ratioMetric.total.metricSource.type`,
      `must be ${SOURCE_EVENTS} (counts pushed to POST /slos/{id}/events) or ${SOURCE_AVAILABILITY}`,
    );
  const text = (m?: { metricSource: z.infer<typeof metricSource> }) =>
    typeof m?.metricSource.spec?.description === 'string' ? m.metricSource.spec.description : undefined;
  return {
    kind: 'ratio',
    ...(text(r.good) ? { good: text(r.good) } : {}),
    ...(text(r.total) ? { total: text(r.total) } : {}),
  };
}

function checkConditions(conds: Array<z.infer<typeof conditionSpec>>, field: string): void {
  for (const [i, c] of conds.entries()) {
    const known = BURN_CONDITIONS.some(
      (b) =>
        b.factor === c.condition.threshold &&
        b.long === c.condition.lookbackWindow &&
        (c.condition.alertAfter ?? b.short) === b.short,
    );
    if (!known)
      throw new OpenSloError(
        `${field}[${i}].condition`,
        'Nocturne alerts on the SRE workbook burn rates only: 14.4 over 1h (alertAfter 5m), 6 over 6h (30m), 1 over 3d (6h)',
      );
  }
}

/** The SLOs an OpenSLO bundle defines, checked against Nocturne's own schema. */
export function importOpenSlo(docs: Doc[]): CreateSloInput[] {
  const byKind = <K extends Doc['kind']>(k: K) =>
    docs.map((d, i) => ({ d, i })).filter((x): x is { d: Extract<Doc, { kind: K }>; i: number } => x.d.kind === k);
  const slis = new Map(byKind('SLI').map(({ d, i }) => [d.metadata.name, { d, i }]));
  const conditions = new Map(byKind('AlertCondition').map(({ d }) => [d.metadata.name, d.spec]));
  const policies = new Map(byKind('AlertPolicy').map(({ d, i }) => [d.metadata.name, { d, i }]));
  const slos = byKind('SLO');
  if (slos.length === 0) throw new OpenSloError('documents', 'no document of kind SLO');
  return slos.map(({ d, i }) => {
    const f = `documents[${i}].spec`;
    const s = d.spec;
    if (s.budgetingMethod !== 'Occurrences')
      throw new OpenSloError(`${f}.budgetingMethod`, 'only Occurrences is supported');
    let sliSpecValue: z.infer<typeof sliSpec>;
    let sliField: string;
    if (s.indicator) {
      sliSpecValue = s.indicator.spec;
      sliField = `${f}.indicator.spec`;
    } else if (s.indicatorRef) {
      const ref = slis.get(s.indicatorRef);
      if (!ref) throw new OpenSloError(`${f}.indicatorRef`, `no SLI named ${s.indicatorRef} in the bundle`);
      sliSpecValue = ref.d.spec;
      sliField = `documents[${ref.i}].spec`;
    } else throw new OpenSloError(`${f}.indicator`, 'give indicator or indicatorRef');
    const win = windowOf(s.timeWindow[0]!, `${f}.timeWindow[0]`);
    const o = s.objectives[0]!;
    const objectivePercent = o.targetPercent ?? (o.target !== undefined ? Math.round(o.target * 1e8) / 1e6 : undefined);
    if (objectivePercent === undefined)
      throw new OpenSloError(`${f}.objectives[0].target`, 'required (0 < target < 1)');
    const policyRefs = s.alertPolicies ?? [];
    for (const [j, p] of policyRefs.entries()) {
      const spec = typeof p === 'string' ? policies.get(p)?.d.spec : (p.spec as z.infer<typeof policySpec>);
      if (!spec) throw new OpenSloError(`${f}.alertPolicies[${j}]`, `no AlertPolicy named ${String(p)} in the bundle`);
      const conds = spec.conditions.map((c, k) => {
        if ('conditionRef' in c) {
          const found = conditions.get(c.conditionRef);
          if (!found)
            throw new OpenSloError(
              `${f}.alertPolicies[${j}].conditions[${k}]`,
              `no AlertCondition named ${c.conditionRef}`,
            );
          return found;
        }
        return c.spec;
      });
      checkConditions(conds, `${f}.alertPolicies[${j}].conditions`);
    }
    const ann = d.metadata.annotations ?? {};
    let maintenance: unknown = [];
    let labels: unknown = undefined;
    try {
      const m = ann[A.maintenance];
      const l = ann[A.labels];
      if (m) maintenance = JSON.parse(m);
      if (l) labels = JSON.parse(l);
    } catch {
      throw new OpenSloError(
        `documents[${i}].metadata.annotations`,
        'nocturne.io/maintenance and nocturne.io/labels hold JSON',
      );
    }
    const candidate = {
      id: d.metadata.name,
      name: d.metadata.displayName ?? d.metadata.name,
      ...(s.description ? { description: s.description } : {}),
      service: s.service,
      ...(ann[A.team] ? { team: ann[A.team] } : {}),
      timeZone: win.timeZone ?? ann[A.timeZone] ?? 'UTC',
      objective: objectivePercent,
      window: win.window,
      sli: sliOf(sliSpecValue, sliField),
      maintenance,
      alerting: {
        enabled: policyRefs.length > 0,
        minEvents: ann[A.minEvents] !== undefined ? Number(ann[A.minEvents]) : 50,
      },
      ...(labels ? { labels } : {}),
    };
    const parsed = createSloSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where: Record<string, string> = {
        objective: `${f}.objectives[0].target`,
        timeZone: win.timeZone ? `${f}.timeWindow[0].calendar.timeZone` : `documents[${i}].metadata.annotations`,
        service: `${f}.service`,
        window: `${f}.timeWindow[0]`,
      };
      throw new OpenSloError(where[String(issue.path[0])] ?? `documents[${i}].${fieldOf(issue.path)}`, issue.message);
    }
    return parsed.data;
  });
}

const ALERT_CONDITION_NAME: Record<string, string> = {
  'page-fast': 'burn-1h-14x',
  'page-slow': 'burn-6h-6x',
  ticket: 'burn-3d-1x',
};

/** One SLO as an OpenSLO v1 bundle: Service, SLI, AlertConditions, AlertPolicy (when alerting) and SLO. */
export function exportOpenSlo(slo: Slo): Array<Record<string, unknown>> {
  const head = (kind: string, metadataValue: Record<string, unknown>) => ({
    apiVersion: OPENSLO_API_VERSION,
    kind,
    metadata: metadataValue,
  });
  const sliName = `${slo.id}-sli`;
  const policyName = `${slo.id}-burn-rate`;
  const source = (type: string, description?: string) => ({
    metricSource: { type, spec: { slo: slo.id, ...(description ? { description } : {}) } },
  });
  const ratio =
    slo.sli.kind === 'ratio'
      ? { counter: true, good: source(SOURCE_EVENTS, slo.sli.good), total: source(SOURCE_EVENTS, slo.sli.total) }
      : {
          counter: true,
          good: source(SOURCE_AVAILABILITY, 'minutes up'),
          total: source(SOURCE_AVAILABILITY, 'minutes'),
        };
  const annotations: Record<string, string> = { [A.minEvents]: String(slo.alerting.minEvents) };
  if (slo.team) annotations[A.team] = slo.team;
  if (slo.window.kind === 'rolling') annotations[A.timeZone] = slo.timeZone;
  if (slo.maintenance.length) annotations[A.maintenance] = JSON.stringify(slo.maintenance);
  if (slo.labels && Object.keys(slo.labels).length) annotations[A.labels] = JSON.stringify(slo.labels);
  const docs: Array<Record<string, unknown>> = [
    { ...head('Service', { name: slo.service }), spec: {} },
    { ...head('SLI', { name: sliName }), spec: { ratioMetric: ratio } },
  ];
  if (slo.alerting.enabled) {
    for (const c of BURN_CONDITIONS)
      docs.push({
        ...head('AlertCondition', { name: `${slo.id}-${ALERT_CONDITION_NAME[c.name]}` }),
        spec: {
          description: `${c.action} when ${c.long} and ${c.short} both burn at ${c.factor}x or more`,
          severity: c.action === 'page' ? 'page' : 'ticket',
          condition: { kind: 'burnrate', op: 'gte', threshold: c.factor, lookbackWindow: c.long, alertAfter: c.short },
        },
      });
    docs.push({
      ...head('AlertPolicy', { name: policyName }),
      spec: {
        description: 'Multiwindow, multi-burn-rate alerts (built-in integration nocturne-slo)',
        alertWhenBreaching: true,
        alertWhenResolved: true,
        alertWhenNoData: false,
        conditions: BURN_CONDITIONS.map((c) => ({ conditionRef: `${slo.id}-${ALERT_CONDITION_NAME[c.name]}` })),
      },
    });
  }
  docs.push({
    ...head('SLO', { name: slo.id, displayName: slo.name, annotations }),
    spec: {
      ...(slo.description ? { description: slo.description } : {}),
      service: slo.service,
      indicatorRef: sliName,
      timeWindow: [
        slo.window.kind === 'rolling'
          ? { duration: `${slo.window.days}d`, isRolling: true }
          : {
              duration: slo.window.unit === 'month' ? '1M' : '1Q',
              isRolling: false,
              calendar: { startTime: '2020-01-01 00:00:00', timeZone: slo.timeZone },
            },
      ],
      budgetingMethod: 'Occurrences',
      objectives: [{ displayName: slo.name, target: Math.round((slo.objective / 100) * 1e8) / 1e8 }],
      ...(slo.alerting.enabled ? { alertPolicies: [policyName] } : {}),
    },
  });
  return docs;
}

export function openSloYaml(docs: Array<Record<string, unknown>>): string {
  return docs.map((d) => `---\n${stringify(d)}`).join('');
}

// Runbooks, pure (docs/runbooks.md): the definition (typed parameters and steps — HTTP call, wait,
// probe check, notify, approval, open ticket — each with timeout, retry and on-failure branch), its checks, the
// parameters of a run, the templates steps use, and which step comes next. A run is an execution
// of the one generic interpreter machine (state-machines/runbook.asl.json) that asks this module
// what to do next; see docs/decisions/0061-runbooks.md.
import * as z from 'zod';
import { ValidationError, type FieldIssue } from '../errors';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes, at most 64');
const text = (max: number) => z.string().trim().min(1).max(max);

export const parameterSchema = z.object({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,39}$/, 'a letter, then letters, digits or _'),
  type: z.enum(['string', 'number', 'boolean']),
  required: z.boolean().default(true),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().max(500).optional(),
});
export type RunbookParameter = z.infer<typeof parameterSchema>;

const common = {
  id,
  name: z.string().max(200).optional(),
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 86400)
    .optional(),
  retry: z
    .object({
      maxAttempts: z.number().int().min(1).max(5).default(1),
      intervalSeconds: z.number().int().min(0).max(60).default(2),
    })
    .default({ maxAttempts: 1, intervalSeconds: 2 }),
  /** abort: the run ends failed; continue: go on with the next step; or the id of a later step. */
  onFailure: z.string().min(1).max(64).default('abort'),
};

export const stepSchema = z.discriminatedUnion('kind', [
  z.object({
    ...common,
    kind: z.literal('http'),
    method: z.enum(['GET', 'POST', 'PUT']).default('POST'),
    url: z.url({ protocol: /^https?$/ }).max(2048),
    body: z.string().max(10000).optional(),
    /** Statuses that count as success (default: any 2xx). */
    expectStatus: z.array(z.number().int().min(100).max(599)).max(20).optional(),
  }),
  z.object({
    ...common,
    kind: z.literal('wait'),
    seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86400),
  }),
  z.object({
    ...common,
    kind: z.literal('probe'),
    /** An existing probe (checked when the runbook is saved); it is checked once now, up → success, down → failure. */
    probeId: z
      .string()
      .min(3)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'a probe id'),
    /** Where an up probe goes: next (default), end (the run ends, succeeded), or the id of a later step. */
    onSuccess: z.string().min(1).max(64).default('next'),
  }),
  z.object({
    ...common,
    kind: z.literal('notify'),
    topic: z.enum(['notifications', 'stakeholders']).default('notifications'),
    subject: text(100),
    message: text(4000),
  }),
  z.object({
    ...common,
    kind: z.literal('approval'),
    prompt: text(1000),
    /** User ids who may approve; empty: any responder except the one who started the run. */
    approvers: z.array(z.string().min(1).max(128)).max(20).default([]),
  }),
  z.object({
    ...common,
    kind: z.literal('ticket'),
    categoryId: text(64),
    subject: text(300),
    description: z.string().max(10000).optional(),
  }),
]);
export type RunbookStep = z.infer<typeof stepSchema>;
export type StepKind = RunbookStep['kind'];

/** Runs the runbook by itself when an incident opens whose service is listed (if any are) and one of
 * whose alerts carries every listed label (if any are); at least one of the two is required. */
export const attachSchema = z
  .object({
    services: z.array(z.string().min(1).max(128)).max(50).default([]),
    labels: z.record(z.string().min(1).max(100), z.string().max(500)).default({}),
    /** The parameters of such a run (checked against the runbook's parameters when it is saved). */
    parameters: z.record(z.string(), z.unknown()).default({}),
    dryRun: z.boolean().default(false),
  })
  .refine((a) => a.services.length > 0 || Object.keys(a.labels).length > 0, {
    message: 'name services, labels or both',
  });
export type RunbookAttach = z.infer<typeof attachSchema>;

export const runbookSchema = z.object({
  name: text(200),
  description: z.string().max(2000).optional(),
  parameters: z.array(parameterSchema).max(20).default([]),
  steps: z.array(stepSchema).min(1).max(50),
  attach: attachSchema.optional(),
});
export type RunbookDefinition = z.infer<typeof runbookSchema>;

/** Default timeouts per kind (seconds): an approval waits an hour, a wait its length and a minute, anything else 30 s. */
export function timeoutOf(step: RunbookStep): number {
  return step.timeoutSeconds ?? (step.kind === 'approval' ? 3600 : step.kind === 'wait' ? step.seconds + 60 : 30);
}

/** The probes a runbook's probe steps name, with the field that names each (their existence is checked by the caller). */
export function probesOf(def: RunbookDefinition): Array<{ field: string; probeId: string }> {
  return def.steps.flatMap((s, i) => (s.kind === 'probe' ? [{ field: `steps.${i}.probeId`, probeId: s.probeId }] : []));
}

/** Ids unique; onFailure is abort, continue, or a LATER step (so every run ends), and a probe's
 * onSuccess next, end or a later step; parameter names unique. */
export function checkRunbook(def: RunbookDefinition): void {
  const issues: FieldIssue[] = [];
  const index = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (index.has(s.id)) issues.push({ field: `steps.${i}.id`, message: `"${s.id}" is used by an earlier step` });
    else index.set(s.id, i);
  });
  def.steps.forEach((s, i) => {
    if (s.onFailure === 'abort' || s.onFailure === 'continue') return;
    const target = index.get(s.onFailure);
    if (target === undefined)
      issues.push({
        field: `steps.${i}.onFailure`,
        message: `abort, continue, or a step id; "${s.onFailure}" is none`,
      });
    else if (target <= i)
      issues.push({
        field: `steps.${i}.onFailure`,
        message: `"${s.onFailure}" does not come after this step (only later steps, so every run ends)`,
      });
  });
  def.steps.forEach((s, i) => {
    if (s.kind !== 'probe' || s.onSuccess === 'next' || s.onSuccess === 'end') return;
    const target = index.get(s.onSuccess);
    if (target === undefined)
      issues.push({ field: `steps.${i}.onSuccess`, message: `next, end, or a step id; "${s.onSuccess}" is none` });
    else if (target <= i)
      issues.push({
        field: `steps.${i}.onSuccess`,
        message: `"${s.onSuccess}" does not come after this step (only later steps, so every run ends)`,
      });
  });
  const names = new Set<string>();
  def.parameters.forEach((p, i) => {
    if (names.has(p.name)) issues.push({ field: `parameters.${i}.name`, message: `"${p.name}" is used twice` });
    names.add(p.name);
    if (p.default !== undefined && typeof p.default !== p.type)
      issues.push({ field: `parameters.${i}.default`, message: `must be a ${p.type}` });
  });
  if (!issues.length && def.attach)
    try {
      bindParameters(def, def.attach.parameters);
    } catch (err) {
      for (const i of (err as ValidationError).issues) issues.push({ field: `attach.${i.field}`, message: i.message });
    }
  if (issues.length) throw new ValidationError('The runbook is not valid.', issues);
}

/** Whether an opened incident (its service, its alerts' labels) matches the runbook's attachment. */
export function attachedTo(
  attach: RunbookAttach | undefined,
  incident: { serviceId?: string },
  alertLabels: ReadonlyArray<Record<string, string>>,
): boolean {
  if (!attach) return false;
  if (attach.services.length && !attach.services.includes(incident.serviceId ?? '')) return false;
  const wanted = Object.entries(attach.labels);
  if (wanted.length && !alertLabels.some((l) => wanted.every(([k, v]) => l[k] === v))) return false;
  return true;
}

export type ParameterValues = Record<string, string | number | boolean>;

/** The run's parameters: typed, required ones present, defaults filled, unknown ones refused (422 naming them). */
export function bindParameters(def: RunbookDefinition, given: Record<string, unknown>): ParameterValues {
  const issues: FieldIssue[] = [];
  const out: ParameterValues = {};
  for (const p of def.parameters) {
    const v = given[p.name] ?? p.default;
    if (v === undefined) {
      if (p.required) issues.push({ field: `parameters.${p.name}`, message: `required (${p.type})` });
      continue;
    }
    if (typeof v !== p.type || (p.type === 'number' && !Number.isFinite(v)))
      issues.push({ field: `parameters.${p.name}`, message: `must be a ${p.type}` });
    else out[p.name] = v as string | number | boolean;
  }
  for (const k of Object.keys(given))
    if (!def.parameters.some((p) => p.name === k))
      issues.push({ field: `parameters.${k}`, message: 'this runbook has no such parameter' });
  if (issues.length) throw new ValidationError('The run parameters are not valid.', issues);
  return out;
}

/** `{{params.x}}`, `{{incident.id}}`, `{{incident.number}}`, ... replaced; unknown names left empty. */
export function render(template: string, vars: { params: ParameterValues; incident: Record<string, unknown> }): string {
  return template.replace(/\{\{\s*(params|incident)\.([a-zA-Z0-9_]+)\s*\}\}/g, (_m, scope: string, name: string) => {
    const v = scope === 'params' ? vars.params[name] : vars.incident[name];
    return v === undefined || v === null ? '' : String(v);
  });
}

export type StepOutcome = 'succeeded' | 'failed';
export type Next = { index: number } | { end: 'succeeded' | 'failed' };

/** What follows step `index` with this outcome. */
export function nextStep(def: RunbookDefinition, index: number, outcome: StepOutcome): Next {
  const step = def.steps[index]!;
  if (outcome === 'failed') {
    if (step.onFailure === 'abort') return { end: 'failed' };
    if (step.onFailure !== 'continue') return { index: def.steps.findIndex((s) => s.id === step.onFailure) };
  } else if (step.kind === 'probe' && step.onSuccess !== 'next') {
    if (step.onSuccess === 'end') return { end: 'succeeded' };
    return { index: def.steps.findIndex((s) => s.id === step.onSuccess) };
  }
  return index + 1 < def.steps.length ? { index: index + 1 } : { end: 'succeeded' };
}

/** Who may approve: a listed approver (when there is a list), never the person who started the run. */
export function approvalRefusal(
  step: Extract<RunbookStep, { kind: 'approval' }>,
  requestedBy: string,
  approver: string,
): { status: 403 | 409; reason: string } | undefined {
  if (approver === requestedBy)
    return { status: 403, reason: 'The person who started the run cannot approve it; ask another responder.' };
  if (step.approvers.length && !step.approvers.includes(approver))
    return { status: 403, reason: `Only ${step.approvers.join(', ')} may approve step ${step.id}.` };
  return undefined;
}

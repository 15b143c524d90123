// Runbook runs, orchestrated (docs/runbooks.md): start a run from an incident (a Step Functions
// execution of state-machines/runbook.asl.json), the interpreter's task operations (begin, run a
// step, a wait ended, ask for an approval, an approval decided, finish, abort), and a person's
// approval. Every step's output lands on the incident's timeline; starts and decisions get an
// immutable audit record; the end writes a resolution report on the run and the timeline.
import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { ConflictError, ValidationError } from '../../domain/errors';
import {
  approvalRefusal,
  attachedTo,
  bindParameters,
  nextStep,
  render,
  timeoutOf,
  type Next,
  type RunbookStep,
  type StepOutcome,
} from '../../domain/runbooks/definition';
import { getNotifier } from '../../adapters/notifier';
import { orderExecutions } from '../../adapters/order-executions';
import { signWebhook, SIGNATURE_HEADER, webhookSecretFromEnv } from '../../adapters/drivers/webhook';
import { taskCallbacks } from '../../adapters/stepfunctions';
import { logger } from '../../observability/logger';
import type { Actor, Incident } from '../../domain/incidents/model';
import { getIncidentDetail, mutateIncident, requireIncident } from '../../store/incidents';
import { getProbe, probeTarget, specOf } from '../../store/probes';
import {
  appendAudit,
  requireRun,
  requireRunbook,
  insertRun,
  listRunbooks,
  updateRun,
  type Runbook,
  type RunbookRun,
  type StepRecord,
} from '../../store/runbooks';
import { publicBaseUrl } from '../oncall/page-links';
import { approvalRecipients, recipientKey } from './approval-links';

export const RUNBOOK_MACHINE = 'runbook';

/** On Incident Opened: start every runbook attached to the incident (its service, its alerts' labels), once each. */
export async function runAttached(incidentId: string, now: Date): Promise<string[]> {
  const [detail, runbooks] = await Promise.all([getIncidentDetail(incidentId), listRunbooks()]);
  if (!detail) return [];
  const labels = detail.alerts
    .filter((a) => a.relation === 'member')
    .map((a) => ((a as { labels?: Record<string, string> }).labels ?? {}) as Record<string, string>);
  const started: string[] = [];
  for (const rb of runbooks.filter((r) => attachedTo(r.attach, detail.incident, labels))) {
    const run = await startRun({
      incidentId,
      runbookId: rb.id,
      parameters: rb.attach!.parameters,
      dryRun: rb.attach!.dryRun,
      by: { id: 'rule', name: `attached to ${rb.attach!.services.join(',') || 'labels'}` },
      trigger: 'rule',
      // Execution names are at most 80 characters of [A-Za-z0-9-_]: a hash keeps it one per pair.
      runId: `rule-${createHash('sha256').update(`${incidentId}\n${rb.id}`).digest('hex').slice(0, 40)}`,
      now,
    });
    started.push(run.id);
  }
  return started;
}

/** Where the interpreter goes next: a step (with how it is routed) or the end. */
export interface Cursor {
  done: boolean;
  index: number;
  /** wait and approval are states of the machine; anything else (and every step of a dry run) is "run". */
  kind: 'run' | 'wait' | 'approval' | 'end';
  waitSeconds: number;
  timeoutSeconds: number;
  outcome?: 'succeeded' | 'failed';
}

const RUNBOOK_ACTOR = (run: RunbookRun): Actor => ({
  type: 'system',
  id: `runbook:${run.runbookId}`,
  name: run.runbookName,
});

function cursorFor(def: Runbook, run: RunbookRun, next: Next): Cursor {
  if ('end' in next)
    return { done: true, index: -1, kind: 'end', waitSeconds: 0, timeoutSeconds: 0, outcome: next.end };
  const step = def.steps[next.index]!;
  const kind = run.dryRun ? 'run' : step.kind === 'wait' ? 'wait' : step.kind === 'approval' ? 'approval' : 'run';
  return {
    done: false,
    index: next.index,
    kind,
    waitSeconds: step.kind === 'wait' ? step.seconds : 0,
    timeoutSeconds: timeoutOf(step),
  };
}

async function onTimeline(run: RunbookRun, at: Date, kind: string, message: string): Promise<void> {
  await mutateIncident(run.incidentId, at.toISOString(), (i) => ({
    incident: { ...i },
    timeline: [{ at: at.toISOString(), actor: RUNBOOK_ACTOR(run), kind, message: message.slice(0, 2000) }],
  }));
}

/** What `{{incident.*}}` templates can name. */
export const incidentVars = (i: Incident) => ({
  id: i.id,
  number: i.number,
  title: i.title,
  severity: i.severity,
  serviceId: i.serviceId,
  teamId: i.teamId,
});

export interface StartRun {
  incidentId: string;
  runbookId: string;
  parameters: Record<string, unknown>;
  dryRun: boolean;
  by: { id: string; name?: string };
  trigger?: 'manual' | 'rule';
  /** A fixed run id (rule runs: one per incident and runbook); taken already → that run, nothing started. */
  runId?: string;
  now: Date;
}

/** Start a run: parameters checked (422 naming them) before anything is stored or started. */
export async function startRun(r: StartRun): Promise<RunbookRun> {
  const [incident, runbook] = await Promise.all([requireIncident(r.incidentId), requireRunbook(r.runbookId)]);
  const parameters = bindParameters(runbook, r.parameters);
  const at = r.now.toISOString();
  const run: RunbookRun = {
    id: r.runId ?? ulid(r.now.getTime()),
    runbookId: runbook.id,
    runbookVersion: runbook.version,
    runbookName: runbook.name,
    incidentId: incident.id,
    incidentNumber: incident.number,
    trigger: { kind: r.trigger ?? 'manual', by: r.by.id, ...(r.by.name ? { name: r.by.name } : {}) },
    dryRun: r.dryRun,
    parameters,
    status: 'running',
    steps: [],
    startedAt: at,
    version: 1,
    updatedAt: at,
  };
  if (!(await insertRun(run))) {
    // A retry: the run is stored; start its execution if the first attempt did not get that far.
    const existing = await requireRun(run.id);
    if (existing.executionArn) return existing;
    const arn = await orderExecutions().start(RUNBOOK_MACHINE, run.id, { runId: run.id });
    return updateRun(run.id, { executionArn: arn }, at);
  }
  await appendAudit({
    runId: run.id,
    at,
    action: 'started',
    by: r.by.id,
    detail: `${run.dryRun ? 'dry run of ' : ''}${runbook.id} v${runbook.version} on incident #${incident.number} with ${JSON.stringify(parameters)}`,
  });
  await onTimeline(
    run,
    r.now,
    'runbook-started',
    `Runbook ${runbook.name} (v${runbook.version})${run.dryRun ? ' dry run' : ''} started by ${r.by.name ?? r.by.id}`,
  );
  const arn = await orderExecutions().start(RUNBOOK_MACHINE, run.id, { runId: run.id });
  return updateRun(run.id, { executionArn: arn }, at);
}

async function load(runId: string): Promise<{ run: RunbookRun; runbook: Runbook }> {
  const run = await requireRun(runId);
  return { run, runbook: await requireRunbook(run.runbookId, run.runbookVersion) };
}

/** Record a step's outcome (once per index: a re-run Task replaces its own record) and say what is next. */
async function record(run: RunbookRun, runbook: Runbook, rec: StepRecord, now: Date): Promise<Cursor> {
  const steps = [...run.steps.filter((s) => s.index !== rec.index), rec].sort((a, b) => a.index - b.index);
  await updateRun(run.id, { steps, status: 'running', approval: null }, now.toISOString());
  const step = runbook.steps[rec.index]!;
  await onTimeline(
    run,
    now,
    rec.status === 'failed' ? 'runbook-step-failed' : 'runbook-step',
    `${run.runbookName} · ${step.name ?? step.id} (${step.kind}): ${rec.status}${rec.attempts > 1 ? ` after ${rec.attempts} attempts` : ''} — ${rec.output}`,
  );
  const outcome: StepOutcome = rec.status === 'failed' ? 'failed' : 'succeeded';
  // A dry run describes every step in order, whatever branch a real run would take.
  const next: Next = run.dryRun
    ? rec.index + 1 < runbook.steps.length
      ? { index: rec.index + 1 }
      : { end: 'succeeded' }
    : nextStep(runbook, rec.index, outcome);
  return cursorFor(runbook, { ...run, steps }, next);
}

export async function begin(runId: string): Promise<Cursor> {
  const { run, runbook } = await load(runId);
  return cursorFor(runbook, run, { index: 0 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a dry run says a step would do. */
function describe(step: RunbookStep, text: (s: string) => string): string {
  switch (step.kind) {
    case 'http':
      return `would ${step.method} ${text(step.url)} (signed)`;
    case 'wait':
      return `would wait ${step.seconds} s`;
    case 'notify':
      return `would notify ${step.topic}: ${text(step.subject)}`;
    case 'approval':
      return `would ask for approval: ${text(step.prompt)}`;
    case 'probe': {
      const then = (to: string, fallback: string) =>
        to === 'next' || to === 'continue' ? fallback : to === 'end' ? 'the end' : to === 'abort' ? 'abort' : to;
      return `would check probe ${step.probeId} now; up → ${then(step.onSuccess, 'the next step')}, down → ${then(step.onFailure, 'the next step')}`;
    }
    case 'ticket':
      return `would open a ${step.categoryId} ticket: ${text(step.subject)}`;
  }
}

/** One attempt of an acting step: its output, or an Error. */
async function act(step: RunbookStep, run: RunbookRun, incident: Incident, text: (s: string) => string, now: Date) {
  switch (step.kind) {
    case 'http': {
      const body = step.method === 'GET' ? undefined : text(step.body ?? '');
      const secret = webhookSecretFromEnv();
      if (!secret) throw new Error('WEBHOOK_SIGNING_SECRET is not set: HTTP steps are signed');
      const res = await fetch(text(step.url), {
        method: step.method,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': `${run.id}:${step.id}`,
          [SIGNATURE_HEADER]: signWebhook(secret, body ?? '', Math.floor(now.getTime() / 1000)),
        },
        body,
        signal: AbortSignal.timeout(timeoutOf(step) * 1000),
      });
      const answer = (await res.text()).slice(0, 500);
      const ok = step.expectStatus ? step.expectStatus.includes(res.status) : res.status >= 200 && res.status < 300;
      if (!ok) throw new Error(`HTTP ${res.status}: ${answer}`);
      return `HTTP ${res.status}${answer ? `: ${answer}` : ''}`;
    }
    case 'notify': {
      const r = await getNotifier().publish({
        topic: step.topic,
        subject: text(step.subject),
        message: text(step.message),
        attributes: { kind: 'Runbook Notification', incident: incident.id, runbookRun: run.id },
        deduplicationId: `${run.id}:${step.id}`,
      });
      return `published to ${step.topic} (${r.messageId})`;
    }
    case 'ticket': {
      // Loaded by the steps that use it (issue 15: the runbooks API, which runs no step, does not bundle it).
      const { openTicket } = await import('../tickets/commands');
      const t = await openTicket({
        input: {
          subject: text(step.subject),
          description: text(step.description ?? ''),
          categoryId: step.categoryId,
          fields: {},
          watchers: [],
          links: [{ kind: 'incident', ref: incident.id, title: `Incident #${incident.number}` }],
        },
        requester: { email: 'runbooks@nocturne.local', name: `Runbook ${run.runbookName}` },
        source: 'api',
        actor: { type: 'system', id: `runbook:${run.runbookId}`, name: run.runbookName },
        now,
        extras: { dedupeKey: `runbook#${run.id}#${step.id}` },
      });
      return `opened ticket #${t.number} (${t.id})`;
    }
    case 'probe': {
      // The probe's own check (the probe worker's code), once, now. Its result is the step's
      // output only: it is not recorded as a round of the probe (decision 0061, addendum).
      const { runCheck } = await import('../../adapters/probe-checks');
      const probe = await getProbe(step.probeId);
      if (!probe) throw new Error(`probe ${step.probeId} no longer exists`);
      const spec = specOf(probe);
      const r = await runCheck({ ...spec, timeoutSeconds: Math.min(spec.timeoutSeconds, timeoutOf(step)) });
      const what = `probe ${step.probeId} (${probeTarget(spec)})`;
      const how = `${r.reason}${r.latencyMs !== undefined ? ` in ${r.latencyMs} ms` : ''}`;
      if (!r.ok) throw new Error(`${what} is down: ${how}`);
      return `${what} is up: ${how}`;
    }
    case 'wait':
    case 'approval':
      throw new Error(`${step.kind} steps are states of the machine, not actions`);
  }
}

/** Run an acting step (or describe any step in a dry run), with its retries. */
export async function runStep(runId: string, index: number, now = new Date()): Promise<Cursor> {
  const { run, runbook } = await load(runId);
  const step = runbook.steps[index]!;
  const incident = await requireIncident(run.incidentId);
  const text = (s: string) => render(s, { params: run.parameters, incident: incidentVars(incident) });
  const startedAt = now.toISOString();
  if (run.dryRun)
    return record(
      run,
      runbook,
      {
        index,
        id: step.id,
        kind: step.kind,
        status: 'dry-run',
        attempts: 0,
        output: describe(step, text),
        startedAt,
        endedAt: startedAt,
      },
      now,
    );
  let attempts = 0;
  let output = '';
  let status: StepRecord['status'] = 'failed';
  for (; attempts < step.retry.maxAttempts;) {
    attempts++;
    try {
      output = await act(step, run, incident, text, new Date());
      status = 'succeeded';
      break;
    } catch (err) {
      output = (err as Error).name === 'TimeoutError' ? `timed out after ${timeoutOf(step)} s` : (err as Error).message;
      if (err instanceof ValidationError)
        output = `${err.message} ${err.issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`;
      logger.warn('runbook step attempt failed', { runId, step: step.id, attempts, error: output });
      if (attempts < step.retry.maxAttempts) await sleep(step.retry.intervalSeconds * 1000);
    }
  }
  return record(
    run,
    runbook,
    { index, id: step.id, kind: step.kind, status, attempts, output, startedAt, endedAt: new Date().toISOString() },
    new Date(),
  );
}

/** A wait state ended. */
export async function waited(runId: string, index: number, now = new Date()): Promise<Cursor> {
  const { run, runbook } = await load(runId);
  const step = runbook.steps[index]!;
  const at = now.toISOString();
  return record(
    run,
    runbook,
    {
      index,
      id: step.id,
      kind: step.kind,
      status: 'succeeded',
      attempts: 1,
      output: `waited ${step.kind === 'wait' ? step.seconds : 0} s`,
      startedAt: at,
      endedAt: at,
    },
    now,
  );
}

/** The approval step began: keep its task token and send each person asked their own signed approve
 * and reject links (expiring with the step's timeout); nobody to ask by name → one message with the API route. */
export async function requestApproval(
  runId: string,
  index: number,
  taskToken: string,
  now = new Date(),
): Promise<void> {
  const { run, runbook } = await load(runId);
  const step = runbook.steps[index]! as Extract<RunbookStep, { kind: 'approval' }>;
  await updateRun(
    run.id,
    {
      status: 'waiting-approval',
      approval: { index, stepId: step.id, requestedAt: now.toISOString(), taskToken },
    },
    now.toISOString(),
  );
  const incident = await requireIncident(run.incidentId);
  const prompt = render(step.prompt, { params: run.parameters, incident: incidentVars(incident) });
  const expiresAt = new Date(now.getTime() + timeoutOf(step) * 1000);
  const recipients = await approvalRecipients(run, step, index, expiresAt);
  const api = `${publicBaseUrl()}/runbook-runs/${run.id}/approval`;
  const asked = recipients.map((r) => r.name).join(', ');
  await onTimeline(
    run,
    now,
    'runbook-approval',
    `${run.runbookName} · ${step.id}: waiting for approval — ${prompt}${asked ? ` (links sent to ${asked})` : ''}`,
  );
  const subject = `Approve runbook step ${step.id} on incident #${run.incidentNumber}?`;
  const attributes = { kind: 'Runbook Approval Requested', incident: run.incidentId, runbookRun: run.id };
  const withLinks = recipients.filter((r) => r.links);
  if (!withLinks.length) {
    await getNotifier().publish({
      topic: 'notifications',
      subject,
      message: `${prompt}\n\nApprove or reject: POST ${api} {"decision":"approve"|"reject"} (not by ${run.trigger.by}, who started the run).`,
      attributes,
      deduplicationId: `${run.id}:${step.id}:approval`,
    });
    return;
  }
  for (const r of withLinks)
    await getNotifier().publish({
      topic: 'notifications',
      subject,
      message: [
        prompt,
        '',
        `Approve: ${r.links!.approve}`,
        `Reject: ${r.links!.reject}`,
        '',
        `These links are yours (${r.name}) and work once, until ${expiresAt.toISOString()}; ${run.trigger.name ?? run.trigger.by} started the run.`,
      ].join('\n'),
      attributes: { ...attributes, recipient: r.id },
      deduplicationId: `${run.id}:${step.id}:approval:${recipientKey(r.id)}`,
    });
}

/** The approval was answered (or timed out): its outcome is the step's. */
export async function decided(runId: string, index: number, decision: unknown, now = new Date()): Promise<Cursor> {
  const { run, runbook } = await load(runId);
  const step = runbook.steps[index]!;
  const d = (decision ?? {}) as { approved?: boolean; by?: string; via?: string; reason?: string; Error?: string };
  const approved = d.approved === true;
  const output = d.Error
    ? d.Error === 'States.Timeout'
      ? `no decision within ${timeoutOf(step)} s`
      : `failed: ${d.Error}`
    : `${approved ? 'approved' : 'rejected'} by ${d.by ?? 'someone'}${d.via === 'link' ? ' through a signed link' : d.via === 'api' ? ' through the API' : ''}${d.reason ? `: ${d.reason}` : ''}`;
  const at = now.toISOString();
  return record(
    run,
    runbook,
    {
      index,
      id: step.id,
      kind: step.kind,
      status: approved ? 'succeeded' : 'failed',
      attempts: 1,
      output,
      startedAt: run.approval?.requestedAt ?? at,
      endedAt: at,
    },
    now,
  );
}

/** This person may not answer this approval (the HTTP layer answers `status`). */
export class ApprovalRefusedError extends Error {
  override readonly name = 'ApprovalRefusedError';
  constructor(
    message: string,
    readonly status: 403 | 409,
  ) {
    super(message);
  }
}

export type ApprovalChannel = 'api' | 'link';

/** The approval this person may answer now (nothing changes): the run waits on it (409 otherwise,
 * saying what became of the step), and the person is an approver other than the requester (403). */
export async function pendingApproval(
  runId: string,
  approver: string,
  stepIndex?: number,
): Promise<{ run: RunbookRun; runbook: Runbook; step: Extract<RunbookStep, { kind: 'approval' }> }> {
  const { run, runbook } = await load(runId);
  const index = stepIndex ?? run.approval?.index;
  const answered = run.steps.find((s) => s.index === index);
  if (answered && index !== undefined)
    throw new ConflictError(`Step ${answered.id} of run ${runId} was already answered: ${answered.output}.`);
  if (run.status !== 'waiting-approval' || !run.approval)
    throw new ConflictError(`Run ${runId} is ${run.status}; it is not waiting for an approval.`);
  if (run.approval.index !== index)
    throw new ConflictError(`Run ${runId} is not waiting on this step; it waits on ${run.approval.stepId}.`);
  const step = runbook.steps[run.approval.index]! as Extract<RunbookStep, { kind: 'approval' }>;
  const refusal = approvalRefusal(step, run.trigger.by, approver);
  if (refusal) throw new ApprovalRefusedError(refusal.reason, refusal.status);
  return { run, runbook, step };
}

/** A person's answer to the pending approval: not the requester (403), only while waiting (409); by
 * the API (the person signed in) or a signed link (the person it was sent to, for that step only). */
export async function answerApproval(
  runId: string,
  approve: boolean,
  by: { id: string; name?: string },
  reason: string | undefined,
  now: Date,
  how: { via: ApprovalChannel; stepIndex?: number } = { via: 'api' },
): Promise<RunbookRun> {
  const { run, step } = await pendingApproval(runId, by.id, how.stepIndex);
  const taskToken = run.approval!.taskToken;
  // Claim the answer first (optimistic lock): of two people answering at once, one wins.
  await updateRun(run.id, { status: 'running', approval: null }, now.toISOString(), run.version);
  await appendAudit({
    runId,
    at: now.toISOString(),
    action: approve ? 'approved' : 'rejected',
    by: by.id,
    via: how.via,
    detail: `step ${step.id} ${how.via === 'link' ? 'through a signed link' : 'through the API'}${reason ? `: ${reason}` : ''}`,
  });
  await taskCallbacks().success(taskToken, { approved: approve, by: by.name ?? by.id, via: how.via, reason });
  return requireRun(runId);
}

/** The end: status, the resolution report on the run and on the timeline. */
export async function finish(runId: string, now = new Date()): Promise<void> {
  const { run } = await load(runId);
  const incident = await requireIncident(run.incidentId);
  const failed = run.steps.some((s) => s.status === 'failed');
  const last = run.steps.at(-1);
  const aborted = failed && last?.status === 'failed';
  const status = aborted ? 'failed' : 'succeeded';
  const report = [
    `Runbook ${run.runbookName} v${run.runbookVersion}${run.dryRun ? ' (dry run)' : ''} on incident #${run.incidentNumber}`,
    `Trigger: ${run.trigger.kind} by ${run.trigger.name ?? run.trigger.by} at ${run.startedAt}`,
    'Steps:',
    ...run.steps.map((s) => `  ${s.index + 1}. ${s.id} (${s.kind}): ${s.status} — ${s.output}`),
    `Outcome: ${status}${failed && !aborted ? ' (with failed steps that continued)' : ''}`,
    `Incident state: ${incident.status}`,
  ].join('\n');
  // The status last: whoever sees the run ended also finds its audit record and its report on the timeline.
  await appendAudit({ runId, at: now.toISOString(), action: 'finished', by: 'runbook', detail: status });
  await onTimeline(run, now, 'runbook-report', report);
  await updateRun(run.id, { status, report, endedAt: now.toISOString() }, now.toISOString());
}

/** An unexpected error ended the run. */
export async function abort(runId: string, error: unknown, now = new Date()): Promise<void> {
  const run = await requireRun(runId);
  const e = (error ?? {}) as { Error?: string; Cause?: string };
  const report =
    `Runbook ${run.runbookName} on incident #${run.incidentNumber} stopped: ${e.Error ?? 'error'} ${e.Cause ?? ''}`.trim();
  await onTimeline(run, now, 'runbook-report', report);
  await updateRun(run.id, { status: 'failed', report, endedAt: now.toISOString(), approval: null }, now.toISOString());
}

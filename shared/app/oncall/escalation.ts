// Escalating one incident through its team's escalation policy (docs/decisions/0008-escalation.md).
//
// A chain starts when the incident is announced (Incident Opened / Reopened with notify, or
// Reassigned to another team) and is identified by its epoch: the incident revision that started
// it. Its durable state is the escalation item (INCIDENT#<id> / ESCALATION) with the next step
// and its due time; its timer (`escalation#<incidentId>#<epoch>`, swept by timer-sweeper) fires
// that step. Running a step: re-read the incident (only a triggered incident is paged), page the
// level's people (each page claimed conditionally on the incident still being triggered), then
// in ONE transaction with the incident's timeline entry (and its "Incident Escalated" change)
// move `next` forward on the condition that it still points at this step, then move the timer.
// A crash at any point re-runs the step: claimed pages are not sent twice, and a step that
// already moved forward only re-places the timer. Acknowledge or resolve stops the chain at
// once because every page claim checks the incident's status in the same transaction.
import type { Incident } from '../../domain/incidents/model';
import {
  compareSteps,
  FIRST_STEP,
  nextStep,
  planLevel,
  type EscalationPolicy,
  type Step,
} from '../../domain/oncall/policy';
import { isTransactionConflict } from '../../store/client';
import { getIncident, mutateIncident } from '../../store/incidents';
import { directoryFor, policies, teamOncall } from '../../store/oncall';
import {
  advanceEscalationItem,
  getEscalation,
  incidentForEscalation,
  oncallTransact,
  pageKey,
  pageSentItem,
  putEscalation,
  recordAcknowledged,
  replaceEscalationItem,
  type EscalationState,
  type SentPage,
} from '../../store/oncall-pages';
import { scheduleTimer, scheduleTimerItem, scheduleTimerOnce, type Timer } from '../../store/timers';
import { logger } from '../../observability/logger';
import {
  delayedPageTimerId,
  ESCALATION_ACTOR,
  incidentPageContext,
  markPagesSent,
  note,
  PAGE_DELIVER_TIMER,
  preparePage,
  sendPages,
} from './paging';

export const ESCALATION_STEP_TIMER = 'escalation-step';
export const ACK_TIMEOUT_TIMER = 'escalation-ack-timeout';
export const escalationTimerId = (incidentId: string, epoch: number) => `escalation#${incidentId}#${epoch}`;

/** Running timers this process moved to their chain's next due time: the sweeper has nothing to delete. */
const movedRunning = new WeakSet<Timer>();

/** Pages recorded as sent in the step's own transaction (it holds at most 100 items); more are recorded one by one. */
const MAX_SENT_IN_STEP = 90;

/** How long the start-up safety timer waits before re-running step 1 if the inline run died. */
const SAFETY_SECONDS = 60;

const iso = (ms: number) => new Date(ms).toISOString();

async function policyFor(incident: Incident): Promise<{ policy?: EscalationPolicy; why?: string }> {
  if (!incident.teamId) return { why: 'the incident has no team' };
  const cfg = await teamOncall.get(incident.teamId);
  if (!cfg?.escalationPolicyId) return { why: `team ${incident.teamId} has no default escalation policy` };
  const policy = await policies.get(cfg.escalationPolicyId);
  if (!policy) return { why: `escalation policy ${cfg.escalationPolicyId} of team ${incident.teamId} does not exist` };
  return { policy };
}

type TimerSpec = { kind: string; dueAt: string; payload: Record<string, unknown> };

/** The one timer a chain needs given the incident's status: its next step, its ack timeout, or none. */
function desiredTimer(
  incident: Incident | undefined,
  state: EscalationState | undefined,
  now: Date,
): TimerSpec | undefined {
  if (!incident || !state) return undefined;
  if (incident.status === 'triggered' && state.status === 'active' && state.next)
    return {
      kind: ESCALATION_STEP_TIMER,
      dueAt: state.next.dueAt,
      payload: { incidentId: state.incidentId, epoch: state.epoch, round: state.next.round, level: state.next.level },
    };
  if (incident.status === 'acknowledged' && state.ackTimeoutMinutes && state.status !== 'no-policy') {
    const from = Date.parse(state.ackedAt ?? now.toISOString());
    return {
      kind: ACK_TIMEOUT_TIMER,
      dueAt: iso(from + state.ackTimeoutMinutes * 60000),
      payload: { incidentId: state.incidentId, epoch: state.epoch },
    };
  }
  return undefined;
}

/**
 * Put the chain's timer where its state says. `move` replaces a timer that exists (the step
 * moved on, an ack arrived); otherwise it is only created when missing (recovery after a crash).
 * Timers are never cancelled: one that fires after the chain stopped or was replaced does nothing.
 */
async function placeTimer(
  incident: Incident | undefined,
  state: EscalationState | undefined,
  now: Date,
  how: 'move' | 'ensure',
  running?: Timer,
): Promise<void> {
  const timer = chainTimer(incident, state, now, running);
  if (!timer) return;
  // The running timer is this chain's: it must be moved, or it would be deleted when it completes.
  if (how === 'move' || running?.id === timer.id) {
    await scheduleTimer(timer);
    if (running?.id === timer.id) movedRunning.add(running);
  } else await scheduleTimerOnce(timer);
}

/** The chain's timer as its state wants it (desiredTimer), with its id; undefined when it wants none. */
function chainTimer(
  incident: Incident | undefined,
  state: EscalationState | undefined,
  now: Date,
  running?: Timer,
): (TimerSpec & { id: string }) | undefined {
  const spec = desiredTimer(incident, state, now);
  if (!spec || !state) return undefined;
  const id = escalationTimerId(state.incidentId, state.epoch);
  // A timer rescheduled to the due time it is running at would be deleted when it completes.
  const dueAt = running?.id === id && running.dueAt === spec.dueAt ? iso(Date.parse(spec.dueAt) + 1) : spec.dueAt;
  return { id, ...spec, dueAt };
}

/** Start a chain for the incident (idempotent per epoch: a redelivered event only re-places the timer). */
export async function startEscalation(incidentId: string, epoch: number, now: Date): Promise<void> {
  const incident = await getIncident(incidentId);
  if (!incident || incident.status === 'resolved') return;
  const at = now.toISOString();
  const { policy, why } = await policyFor(incident);
  const state: EscalationState = policy
    ? {
        incidentId,
        epoch,
        policyId: policy.id,
        policyName: policy.name,
        levels: policy.levels,
        repeat: policy.repeat,
        ackTimeoutMinutes: policy.ackTimeoutMinutes,
        status: 'active',
        next: { ...FIRST_STEP, dueAt: at },
        startedAt: at,
        updatedAt: at,
      }
    : { incidentId, epoch, levels: [], repeat: 0, status: 'no-policy', startedAt: at, updatedAt: at };
  if (!(await putEscalation(state))) {
    const existing = await getEscalation(incidentId);
    if (existing?.epoch === epoch) await placeTimer(incident, existing, now, 'ensure');
    return;
  }
  if (!policy) {
    await note(incidentId, now, `Nobody is paged: ${why}.`, 'escalation', { reason: 'no-policy' });
    return;
  }
  // Safety net first: if this process dies before step 1 is recorded, the sweeper runs it.
  await scheduleTimer({
    id: escalationTimerId(incidentId, epoch),
    kind: ESCALATION_STEP_TIMER,
    dueAt: iso(now.getTime() + SAFETY_SECONDS * 1000),
    payload: { incidentId, epoch, ...FIRST_STEP },
  });
  await runSteps(incidentId, epoch, FIRST_STEP, now);
}

/** Run a step, then any following step that is already due (a level that reached nobody moves on at once). */
export async function runSteps(
  incidentId: string,
  epoch: number,
  step: Step,
  now: Date,
  running?: Timer,
): Promise<void> {
  let next: (Step & { dueAt: string }) | undefined = { ...step, dueAt: now.toISOString() };
  // Each step that follows at once is stamped a millisecond later, so the timeline keeps their order.
  for (let k = 0; next && Date.parse(next.dueAt) <= now.getTime() + k && k < 100; k++) {
    next = await runStep(incidentId, epoch, next, k ? new Date(now.getTime() + k) : now, running);
  }
}

/** One step of the chain; returns the step after it when this call moved the chain forward. */
async function runStep(
  incidentId: string,
  epoch: number,
  p: Step,
  now: Date,
  running?: Timer,
): Promise<(Step & { dueAt: string }) | undefined> {
  // One request: the incident, its escalation and the alerts its pages list.
  const { incident, escalation: state, alerts } = await incidentForEscalation(incidentId);
  if (!incident || !state) return undefined;
  if (state.epoch !== epoch) {
    // A newer chain took over; make sure its timer exists (it may have died before placing it).
    if (state.epoch > epoch) await placeTimer(incident, state, now, 'ensure');
    return undefined;
  }
  if (incident.status !== 'triggered') {
    await placeTimer(incident, state, now, 'move', running);
    return undefined;
  }
  if (state.status !== 'active' || !state.next) return undefined;
  const cmp = compareSteps(state.next, p);
  if (cmp > 0) await placeTimer(incident, state, now, 'ensure', running);
  if (cmp !== 0) return undefined;

  const at = now.toISOString();
  const level = state.levels[p.level - 1]!;
  const plan = planLevel(level, await directoryFor([level]), now);
  const context = plan.recipients.length ? await incidentPageContext(incident, now, alerts) : undefined;
  // Everyone this level pages at once is claimed in one transaction (only while triggered), then published.
  const policyName = state.policyName ?? '';
  const immediate = plan.recipients.flatMap((r) =>
    r.plan
      .filter((c) => c.delayMinutes === 0)
      .map((c) => preparePage({ context: context!, epoch, step: p, policyName, user: r.user, method: c.method, now })),
  );
  // Pages published here are recorded as sent with the step's timeline entry (one transaction),
  // or one by one when that does not commit.
  const sent: SentPage[] = [];
  const outcomes = await sendPages(immediate, now, sent);
  if (outcomes.includes('not-triggered')) {
    // Acknowledged or resolved while this level was being paged: stop here.
    await markPagesSent(sent);
    await placeTimer(await getIncident(incidentId), state, now, 'move', running);
    return undefined;
  }
  const lines: string[] = [];
  for (const r of plan.recipients) {
    const parts: string[] = [];
    for (const c of r.plan) {
      if (c.delayMinutes === 0) {
        const outcome =
          outcomes[immediate.findIndex((x) => x.userId === r.user.id && x.contactMethodId === c.method.id)];
        parts.push(
          `${c.method.type} ${outcome === 'duplicate' ? 'already paged' : outcome === 'failed' ? 'failed, retrying' : 'sent'}`,
        );
      } else {
        const key = pageKey({ epoch, ...p, userId: r.user.id, channel: c.method.type, contactMethodId: c.method.id });
        await scheduleTimerOnce({
          id: delayedPageTimerId({ incidentId, key }),
          kind: PAGE_DELIVER_TIMER,
          dueAt: iso(now.getTime() + c.delayMinutes * 60000),
          payload: { incidentId, epoch, ...p, userId: r.user.id, contactMethodId: c.method.id, policyName },
        });
        parts.push(`${c.method.type} in ${c.delayMinutes} min`);
      }
    }
    lines.push(`${r.user.name} (${parts.join(', ')})`);
  }

  const reached = plan.recipients.length > 0;
  const after = nextStep(state, p);
  const next = after ? { ...after, dueAt: iso(now.getTime() + (reached ? level.delayMinutes * 60000 : 0)) } : undefined;
  const where = `Level ${p.level}${p.round > 1 ? ` (round ${p.round})` : ''} of ${state.policyName ?? state.policyId}`;
  const unreachable = plan.unreachable.length ? `not reachable: ${plan.unreachable.join('; ')}` : '';
  const then = next
    ? `next: level ${next.level}${next.round !== p.round ? ` of round ${next.round}` : ''}${reached ? ` in ${level.delayMinutes} min unless acknowledged` : ' now'}`
    : `the policy is exhausted after ${state.repeat + 1} round(s)`;
  const message = reached
    ? `${where}: paged ${lines.join('; ')}${unreachable ? `; ${unreachable}` : ''}; ${then}.`
    : `${where}: nobody reachable (${plan.unreachable.join('; ') || 'no targets'}); moving on — ${then}.`;
  const first = compareSteps(p, FIRST_STEP) === 0;

  const moved: EscalationState = { ...state, next, status: next ? 'active' : 'exhausted' };
  // The chain's next timer moves in the same transaction (the incident is triggered when it commits).
  const nextTimer = chainTimer({ ...incident, status: 'triggered' }, moved, now, running);
  const sentItems = sent.length <= MAX_SENT_IN_STEP ? sent.map(pageSentItem) : [];
  let committed: Incident | undefined;
  try {
    const r = await mutateIncident(
      incidentId,
      at,
      (cur) => {
        if (cur.status !== 'triggered') return undefined;
        return {
          incident: { ...cur },
          timeline: [
            {
              at,
              actor: ESCALATION_ACTOR,
              kind: 'escalation',
              message,
              change: {
                policyId: state.policyId,
                round: p.round,
                level: p.level,
                paged: plan.recipients.map((x) => x.user.id),
                unreachable: plan.unreachable,
              },
            },
          ],
          change: first
            ? undefined
            : {
                kind: 'escalated',
                actor: ESCALATION_ACTOR,
                reason: `not acknowledged; level ${p.level}${p.round > 1 ? `, round ${p.round}` : ''}`,
                notify: true,
                change: { level: p.level, round: p.round, policyId: state.policyId },
              },
          extra: [
            advanceEscalationItem(incidentId, epoch, p, next, plan.recipients.length, at),
            ...sentItems,
            ...(nextTimer ? [scheduleTimerItem(nextTimer)] : []),
          ],
        };
      },
      // Shares a transaction with other steps in flight (group commit); its items still commit together.
      { current: incident, transact: oncallTransact },
    );
    committed = r?.after;
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    // Someone else recorded this step first (a racing sweep or a re-run): just place the timer.
    await markPagesSent(sent);
    await placeTimer(await getIncident(incidentId), await getEscalation(incidentId), now, 'ensure', running);
    return undefined;
  }
  if (!committed) {
    await markPagesSent(sent);
    await placeTimer(await getIncident(incidentId), state, now, 'move', running);
    return undefined;
  }
  if (!sentItems.length) await markPagesSent(sent);
  if (nextTimer && running?.id === nextTimer.id) movedRunning.add(running);
  if (!next) logger.info('escalation exhausted', { incidentId, epoch, policyId: state.policyId });
  return next;
}

/** Incident Acknowledged: remember when, and arm the ack timeout if the policy has one. */
export async function onAcknowledged(
  incidentId: string,
  ackRevision: number,
  ackedAt: string,
  now: Date,
): Promise<void> {
  const state = await recordAcknowledged(incidentId, ackRevision, ackedAt);
  if (!state?.ackTimeoutMinutes) return;
  await placeTimer(await getIncident(incidentId), state, now, 'move');
}

/** Timer: an acknowledged incident's ack timeout: re-trigger it and restart the chain at level 1. */
export async function onAckTimeout(incidentId: string, epoch: number, now: Date, running?: Timer): Promise<void> {
  const [incident, state] = await Promise.all([getIncident(incidentId), getEscalation(incidentId)]);
  if (!incident || !state) return;
  if (state.epoch !== epoch) {
    if (state.epoch > epoch) await placeTimer(incident, state, now, 'ensure');
    return;
  }
  if (incident.status !== 'acknowledged' || !state.ackTimeoutMinutes) return;
  const ackedAt = Date.parse(state.ackedAt ?? incident.acknowledgedAt ?? now.toISOString());
  if (now.getTime() < ackedAt + state.ackTimeoutMinutes * 60000) {
    await placeTimer(incident, state, now, 'move', running);
    return;
  }
  const at = now.toISOString();
  let restarted: EscalationState | undefined;
  try {
    const r = await mutateIncident(incidentId, at, (cur) => {
      if (cur.status !== 'acknowledged') return undefined;
      restarted = {
        ...state,
        epoch: cur.revision + 1,
        status: 'active',
        next: { ...FIRST_STEP, dueAt: at },
        last: undefined,
        ackedAt: undefined,
        startedAt: at,
        updatedAt: at,
      };
      return {
        incident: { ...cur, status: 'triggered', acknowledgedBy: undefined },
        timeline: [
          {
            at,
            actor: ESCALATION_ACTOR,
            kind: 'retriggered',
            message: `Still open ${state.ackTimeoutMinutes} min after it was acknowledged: triggered again; escalation restarts at level 1 of ${state.policyName ?? state.policyId}.`,
          },
        ],
        change: {
          kind: 'escalated',
          actor: ESCALATION_ACTOR,
          reason: `acknowledgement timed out after ${state.ackTimeoutMinutes} min`,
          notify: true,
          change: { status: { from: 'acknowledged', to: 'triggered' }, level: 1, round: 1, policyId: state.policyId },
        },
        extra: [replaceEscalationItem(restarted, state.epoch)],
      };
    });
    if (!r || !restarted) return;
  } catch (err) {
    if (isTransactionConflict(err)) return; // the chain changed meanwhile; whoever changed it placed its timer
    throw err;
  }
  await scheduleTimer({
    id: escalationTimerId(incidentId, restarted.epoch),
    kind: ESCALATION_STEP_TIMER,
    dueAt: iso(now.getTime() + SAFETY_SECONDS * 1000),
    payload: { incidentId, epoch: restarted.epoch, ...FIRST_STEP },
  });
  await runSteps(incidentId, restarted.epoch, FIRST_STEP, now);
}

/** Timer handler for a chain's step ('moved' when it moved this timer on to the chain's next step). */
export async function onStepTimer(t: Timer, now: Date): Promise<'moved' | undefined> {
  const p = t.payload;
  await runSteps(String(p.incidentId), Number(p.epoch), { round: Number(p.round), level: Number(p.level) }, now, t);
  return movedRunning.has(t) ? 'moved' : undefined;
}

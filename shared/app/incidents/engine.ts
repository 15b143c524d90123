// The incident engine: decides what each alert becomes. It runs on alert events (at least
// once, in any order, concurrently) and on durable timers, so every step is idempotent: the
// alert's disposition is written once, in the same transaction as the incident change it
// causes, and incident changes are conditional on the revision they were computed from.
//
// The shape of a placement: load (staged: a silenced alert queries nothing more) → decide (the
// pure `decide` in shared/domain/incidents/decide.ts returns either what to load next or a plan)
// → commit (shared/store/incident-plans.ts turns the plan into one transaction) → schedule
// timers. A lost race goes round: the group is read again and the alert decided again.
import { ulid } from 'ulid';
import { alertSnapshotSchema, type AlertSnapshot } from '../../../events/alerts';
import { getAlert } from '../../store/alerts';
import { flappingConfig, keyHistory, trimHistory } from '../../domain/incidents/flapping';
import { matchLabels } from '../../domain/incidents/labels';
import { acknowledge, mergeSource, mergeTarget, raiseSeverity } from '../../domain/incidents/lifecycle';
import { announceChange, autoResolve, flapRelease, inhibitedAtAnnounce } from '../../domain/incidents/engine-changes';
import { NotFoundError } from '../../domain/errors';
import type { Actor, Incident } from '../../domain/incidents/model';
import {
  correlateInto,
  decide,
  ENGINE,
  inhibitorKeys,
  needsReview,
  placementFacts,
  reopenJoin,
  reviewChange,
  groupWindowStart,
  type JoinPlan,
  type PlacementFacts,
  type PlacementSnapshot,
} from '../../domain/incidents/decide';
import type { IncidentSeverity, Ruleset } from '../../domain/incidents/rules';
import { upstreamOf } from '../../domain/services';
import { isTransactionConflict } from '../../store/client';
import {
  getIncident,
  getKeyTransitions,
  mutateIncident,
  nextIncidentNumber,
  trimKeyTransitions,
} from '../../store/incidents';
import {
  clearStormPointer,
  commitAlertResolved,
  commitDispositionResolved,
  commitJoin,
  commitOpen,
  commitQuiet,
  commitStormOpen,
  findInhibitor,
  groupAndInhibitor,
  groupPointer,
  incidentLinks,
  markLinkMoved,
  mutateIncidentWith,
  openUpstreamIncident,
  registerInhibitor,
  removeInhibitor,
  stormState,
  takeStormSlot,
} from '../../store/incident-plans';
import { getRules, type StoredRuleset } from '../../store/rules';
import { serviceMap } from '../../store/services';
import { quietRules } from '../../store/silences';
import { cancelTimer, scheduleTimer } from '../../store/timers';
import { getDisposition, type Disposition } from '../../store/dispositions';
import { prepareMaintenance } from './maintenance';
import { prepareRulesAndSilences } from './patterns';

export const NOTIFY_TIMER = 'incident-notify';
export const FLAP_TIMER = 'incident-flap-check';
export const notifyTimerId = (incidentId: string) => `${NOTIFY_TIMER}#${incidentId}`;
export const flapTimerId = (incidentId: string) => `${FLAP_TIMER}#${incidentId}`;

export type Outcome = { kind: Disposition['kind'] | 'duplicate'; incidentId?: string; reason: string };
const DUPLICATE: Outcome = { kind: 'duplicate', reason: 'already processed' };

/** The rules in force, their `=~`/`!~` patterns compiled for the domain's matchers (patterns.ts). */
async function rulesInForce(): Promise<StoredRuleset> {
  const stored = await getRules();
  await prepareRulesAndSilences(stored.rules);
  return stored;
}

/** Route and rate the alert with the rules and services in force now. */
async function facts(alert: AlertSnapshot, now: Date, replaces?: string): Promise<PlacementFacts> {
  const { rules } = await rulesInForce();
  const services = await serviceMap(now.getTime());
  return placementFacts(alert, rules, services, now, replaces);
}

/** After a lost race on the disposition: was the alert placed (or resolved) by someone else? */
async function alreadyPlaced(f: Pick<PlacementFacts, 'alert' | 'replaces'>): Promise<boolean> {
  const d = await getDisposition(f.alert.id);
  if (!d) return false;
  return !(f.replaces && d.kind === 'correlated' && d.incidentId === f.replaces && !d.resolvedAt);
}

/**
 * Place a firing alert. A redelivered event is not looked up first (one read less per alert): the
 * disposition's conditional put in the plan's transaction refuses it, and the alert's disposition
 * is read only before registering an inhibitor, taking a storm slot or an incident number, or once
 * a commit says the alert was placed already.
 */
export async function onAlertOpened(alert: AlertSnapshot, now: Date): Promise<Outcome> {
  return place(await facts(alert, now));
}

/** A duplicate placement, with the incident the alert was placed in (what a redelivery answers). */
async function duplicateOf(alertId: string): Promise<Outcome> {
  const d = await getDisposition(alertId);
  return { kind: 'duplicate', incidentId: d?.incidentId, reason: 'already processed' };
}

const ROUNDS = 8;
const STORM_OPEN_ATTEMPTS = 5;

async function place(f: PlacementFacts): Promise<Outcome> {
  const r = await placeOnce(f);
  return r === DUPLICATE ? duplicateOf(f.alert.id) : r;
}

/** Load what the decision asks for, decide, commit; a lost race goes round (at most ROUNDS times). */
async function placeOnce(f: PlacementFacts): Promise<Outcome> {
  const quiet = await quietRules();
  await Promise.all([prepareRulesAndSilences(f.rules, quiet.silences), prepareMaintenance(quiet.windows)]);
  let s: PlacementSnapshot = { silences: quiet.silences, maintenance: quiet.windows };
  let rounds = 0;
  let stormOpenAttempts = 0;
  const goRound = () => {
    rounds++;
    stormOpenAttempts = 0;
    s = { ...s, group: undefined, storm: undefined, slot: undefined, ids: undefined };
  };
  // A redelivered event must not register an inhibitor (its alert may have resolved since), take a
  // storm slot or an incident number: before those, is the alert placed already? (Read once.)
  let placed: boolean | undefined;
  const placedBefore = async () => (placed ??= await alreadyPlaced(f));
  while (rounds < ROUNDS) {
    const plan = decide(f, s);
    switch (plan.kind) {
      case 'load-related':
        if (plan.register.length && (await placedBefore())) return DUPLICATE;
        // Inhibition (Alertmanager semantics): register as a source, then check as a target. The
        // group pointer, needed next, is read in the same request as the buckets (decision 0092).
        await registerInhibitor(plan.register, f.alert.id, f.at);
        {
          const [seen, upstream] = await Promise.all([
            groupAndInhibitor(f.decision.groupHash, plan.lookup, f.alert.id),
            openUpstreamIncident(plan.upstreamServices),
          ]);
          s = {
            ...s,
            related: { inhibitor: seen.inhibitor, upstream },
            group: { pointsAt: seen.pointsAt, unread: true },
          };
        }
        break;
      case 'load-group':
        // The pointer alone: a join is tried without reading the incident (decision 0091).
        s = { ...s, group: { pointsAt: await groupPointer(plan.groupHash), unread: true } };
        break;
      case 'load-storm':
        s = { ...s, storm: await stormState(plan.teamId, plan.previousMinute) };
        break;
      case 'take-slot':
        if (await placedBefore()) return DUPLICATE;
        s = { ...s, slot: (await takeStormSlot(plan)) ? 'taken' : 'refused' };
        break;
      case 'mint-ids':
        if (await placedBefore()) return DUPLICATE;
        s = { ...s, ids: { incidentId: ulid(f.now.getTime()), number: await nextIncidentNumber() } };
        break;
      case 'silenced':
      case 'inhibited':
        return (await commitQuiet(plan)) ? { kind: plan.kind, reason: plan.reason } : DUPLICATE;
      case 'correlated': {
        const r = await correlate(f, plan.incidentId, plan.reason);
        if (r) return r;
        // The upstream incident resolved meanwhile: treat the alert on its own.
        s = { ...s, related: { ...s.related, upstream: undefined } };
        break;
      }
      case 'join':
      case 'storm-join': {
        const r = await join(f, plan);
        if (r === 'closed' && plan.blind) {
          // Refused unread (resolved, merged, missing or less severe): read it, decide again.
          s = { ...s, group: { pointsAt: plan.incidentId, current: await followMerges(plan.incidentId) } };
        } else if (r === 'closed') {
          const reopened = await reopenAndJoin(f, plan.incidentId);
          if (reopened) return reopened;
          goRound();
        } else if (r) return r;
        else goRound();
        break;
      }
      case 'reopen': {
        const r = await reopenAndJoin(f, plan.incidentId);
        if (r) return r;
        goRound();
        break;
      }
      case 'open': {
        const r = await commitOpen(plan);
        if (r === 'duplicate') return DUPLICATE;
        if (r === 'raced') {
          goRound(); // the group changed under us: go round and join
          break;
        }
        await scheduleNotify(plan.incident, f.now, groupWindowStart(f));
        return { kind: 'incident', incidentId: plan.incident.id, reason: 'opened' };
      }
      case 'storm-open':
        if (await commitStormOpen(plan)) {
          await scheduleNotify(plan.incident, f.now, groupWindowStart(f));
          s = { ...s, storm: { ...s.storm!, pointsAt: plan.incident.id, incident: plan.incident }, ids: undefined };
        } else if (++stormOpenAttempts >= STORM_OPEN_ATTEMPTS) goRound();
        // Someone else moved the storm pointer: read it again, still on the storm path.
        else s = { ...s, storm: undefined, slot: 'refused', ids: undefined };
        break;
    }
  }
  throw new Error(`Could not place alert ${f.alert.id} after repeated races`);
}

async function followMerges(incidentId: string): Promise<Incident | undefined> {
  let inc = await getIncident(incidentId);
  for (let hops = 0; inc?.mergedInto && hops < 10; hops++) inc = await getIncident(inc.mergedInto);
  return inc;
}

/** Correlate to the open upstream incident; undefined when it resolved meanwhile. */
async function correlate(f: PlacementFacts, incidentId: string, why: string): Promise<Outcome | undefined> {
  try {
    const r = await mutateIncidentWith(incidentId, f.at, (cur) => correlateInto(cur, f, why));
    return r ? { kind: 'correlated', incidentId, reason: `correlated: ${why}` } : undefined;
  } catch (err) {
    if (isTransactionConflict(err) && (await alreadyPlaced(f))) return DUPLICATE;
    throw err;
  }
}

/**
 * An atomic join (or storm join). The cost does not depend on the incident's size: the incident
 * item gets counter updates only, the alert's link (carrying its timeline entry) and the key's
 * history are items of their own, and `plan.known` (the incident as just read) stands in for
 * reading it again; a blind join (the incident unread) is conditional on the incident being at
 * least as severe instead.
 * `closed`: the incident resolved (a join then tries to reopen it); undefined: go round.
 */
async function join(f: PlacementFacts, plan: JoinPlan): Promise<Outcome | 'closed' | undefined> {
  let quiet = true;
  const attempts = plan.kind === 'join' ? 5 : 2;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const r = await commitJoin(plan, quiet);
    if (r === 'joined') {
      // A blind join that appended quietly needs no review: the incident was at least as severe.
      if (!(plan.blind && quiet))
        await reviewIncident(f, plan.incidentId, plan.dedupKey, { incident: plan.known, quiet });
      return { kind: 'incident', incidentId: plan.incidentId, reason: plan.outcome };
    }
    if (r === 'duplicate') return DUPLICATE;
    if (r === 'closed') return plan.kind === 'join' ? 'closed' : undefined;
    // The key changed state often enough to flap or need a trim: append unconditionally, then review it.
    if (r === 'history') quiet = false;
    // Otherwise a TransactionConflict with a concurrent writer: a join tries again, a storm join goes round.
    else if (plan.kind === 'storm-join') return undefined;
  }
  return undefined;
}

/** The group's incident resolved: reopen it within the reopen window and join it. */
async function reopenAndJoin(f: PlacementFacts, incidentId: string): Promise<Outcome | undefined> {
  const history = await getKeyTransitions(incidentId, f.alert.dedupKey);
  try {
    const r = await mutateIncidentWith(incidentId, f.at, (cur) => reopenJoin(cur, history, f));
    if (!r) return undefined;
    await afterChange(r.before, r.after, f.now);
    return { kind: 'incident', incidentId, reason: 'reopened' };
  } catch (err) {
    if (isTransactionConflict(err) && (await alreadyPlaced(f))) return DUPLICATE;
    throw err;
  }
}

/**
 * After an atomic change of one alert key: raise severity, detect flapping, trim the key's
 * recorded changes (rare, read-modify-write). `known.incident` is the incident as read just
 * before the change (so it is not read again); `known.quiet` says the key had too few changes
 * recorded to flap or need a trim (the conditional append succeeded), so its history is not read.
 */
async function reviewIncident(
  ctx: { rules: Ruleset; now: Date; at: string; severity?: IncidentSeverity; severityReason?: string },
  incidentId: string,
  dedupKey: string,
  known: { incident?: Incident; quiet?: boolean } = {},
): Promise<Incident | undefined> {
  const [inc, times] = await Promise.all([
    known.incident ?? getIncident(incidentId),
    known.quiet ? undefined : getKeyTransitions(incidentId, dedupKey),
  ]);
  if (!inc) return undefined;
  const cfg = flappingConfig(ctx.rules);
  const kept = times ? trimHistory(keyHistory(times, inc.transitionsResetAt), ctx.now, cfg) : [];
  if (times && kept.length < times.length) await trimKeyTransitions(incidentId, dedupKey, times.length, kept);
  const raise = ctx.severity ? { severity: ctx.severity, reason: ctx.severityReason } : undefined;
  if (!needsReview(inc, kept, cfg, raise)) return inc;
  const r = await mutateIncident(incidentId, ctx.at, (cur) => reviewChange(cur, kept, cfg, ctx.at, raise));
  if (r) await afterChange(r.before, r.after, ctx.now);
  return r?.after ?? inc;
}

/** Timers follow committed changes: announce after the group window, watch flapping. */
async function afterChange(before: Incident | undefined, after: Incident, now: Date): Promise<void> {
  if (after.status === 'resolved' && before?.status !== 'resolved' && !after.mergedInto)
    await releaseCorrelated(after.id, now);
  if (after.status === 'resolved') {
    await cancelTimer(notifyTimerId(after.id));
    if (after.storm && after.teamId) await clearStormPointer(after.teamId);
  }
  if (before?.status === 'resolved' && after.status !== 'resolved' && !after.notifiedAt)
    await scheduleTimer({
      id: notifyTimerId(after.id),
      kind: NOTIFY_TIMER,
      dueAt: new Date(now.getTime() + after.grouping.groupWaitSeconds * 1000).toISOString(),
      payload: { incidentId: after.id },
    });
  if (after.flapping && after.lastTransitionAt)
    await scheduleTimer({
      id: flapTimerId(after.id),
      kind: FLAP_TIMER,
      dueAt: new Date(Date.parse(after.lastTransitionAt) + (after.flapStableMinutes ?? 15) * 60000).toISOString(),
      payload: { incidentId: after.id },
    });
}

/** The group window runs from `windowFrom` (the opening alert's receipt, groupWindowStart). */
async function scheduleNotify(incident: Incident, now: Date, windowFrom: Date): Promise<void> {
  const wait = incident.grouping.groupWaitSeconds;
  if (wait === 0) {
    await announce(incident.id, now);
    return;
  }
  await scheduleTimer({
    id: notifyTimerId(incident.id),
    kind: NOTIFY_TIMER,
    dueAt: new Date(windowFrom.getTime() + wait * 1000).toISOString(),
    payload: { incidentId: incident.id },
  });
}

/** End of the group window: announce the incident, unless it resolved, is inhibited or correlated meanwhile. */
export async function announce(incidentId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const incident = await getIncident(incidentId);
  if (!incident || incident.notifiedAt || incident.status === 'resolved') return;
  const { rules } = await rulesInForce();
  const services = await serviceMap(now.getTime());

  // Alertmanager evaluates inhibition at notification time: a source may have arrived later.
  const links = await incidentLinks(incidentId);
  const firing = links.filter((l) => l.relation === 'member' && l.status === 'firing');
  if (!incident.storm && firing.length) {
    const inhibitors = await Promise.all(
      firing.map((l) => findInhibitor(inhibitorKeys(rules, l.labels).targets, l.alertId)),
    );
    if (inhibitors.every(Boolean)) {
      const by = inhibitors[0]!;
      const r = await mutateIncident(incidentId, at, (cur) => inhibitedAtAnnounce(cur, by, at), { current: incident });
      if (r) await afterChange(r.before, r.after, now);
      return;
    }
  }
  const service = incident.serviceId ? services.get(incident.serviceId) : undefined;
  const upstream = incident.storm
    ? undefined
    : await openUpstreamIncident(service ? upstreamOf(service.id, services) : []);
  if (upstream && upstream.incidentId !== incidentId) {
    await mergeInto(
      incidentId,
      upstream.incidentId,
      ENGINE,
      now,
      `upstream ${upstream.serviceId} has incident open`,
      false,
    );
    return;
  }
  // The incident as read above (consistent): a change meanwhile fails the revision check and is re-read.
  const r = await mutateIncident(incidentId, at, (cur) => announceChange(cur, at), { current: incident });
  if (r) await afterChange(r.before, r.after, now);
}

/** Merge `sourceId` into `targetId` (ops action or automatic correlation). */
export async function mergeInto(
  sourceId: string,
  targetId: string,
  actor: Actor,
  now: Date,
  reason: string,
  notify = false,
  expectedRevision?: number,
): Promise<void> {
  const at = now.toISOString();
  const target = await getIncident(targetId);
  if (!target) throw new NotFoundError(`No incident with id ${targetId}.`);
  const src = await mutateIncidentWith(
    sourceId,
    at,
    (cur) => {
      const m = mergeSource(cur, target, actor, at, reason);
      return { ...m, change: m.change ? { ...m.change, notify } : undefined, effects: { serviceOpen: 'remove' } };
    },
    { expectedRevision },
  );
  if (!src) return;
  await mutateIncident(targetId, at, (cur) =>
    cur.status === 'resolved' ? undefined : mergeTarget(cur, src.before, actor, at),
  );
  await afterChange(src.before, src.after, now);
}

export async function onAlertResolved(alert: AlertSnapshot, now: Date, attempt = 0): Promise<Outcome> {
  let disposition = await getDisposition(alert.id);
  if (!disposition) {
    // Resolved overtook Opened (events are unordered): place the alert first, then resolve it.
    await onAlertOpened({ ...alert, status: 'firing' }, now);
    disposition = await getDisposition(alert.id);
    if (!disposition) throw new Error(`alert ${alert.id} has no disposition after placement`);
  }
  if (disposition.resolvedAt) return { kind: 'duplicate', reason: 'already resolved' };
  const at = now.toISOString();
  const { rules } = await rulesInForce();
  await removeInhibitor(inhibitorKeys(rules, matchLabels(alert)).sources, alert.id);

  // The disposition changed between our read and our write (re-placed after its upstream resolved): again.
  const changedMeanwhile = async () => attempt < 3 && !(await getDisposition(alert.id))?.resolvedAt;
  if (!disposition.incidentId) {
    if (!(await commitDispositionResolved(disposition, at)) && (await changedMeanwhile()))
      return onAlertResolved(alert, now, attempt + 1);
    return { kind: disposition.kind, reason: 'resolved' };
  }
  const target = await followMerges(disposition.incidentId);
  if (!target) throw new Error(`incident ${disposition.incidentId} of alert ${alert.id} is missing`);
  const member = disposition.kind === 'incident';
  const committed = await commitAlertResolved({
    disposition,
    incidentId: target.id,
    member,
    at,
    timeline: { at, actor: ENGINE, kind: 'alert-resolved', message: `Alert resolved: ${alert.summary}` },
  });
  if (!committed) {
    if (await changedMeanwhile()) return onAlertResolved(alert, now, attempt + 1);
    return { kind: 'duplicate', reason: 'already resolved' };
  }
  if (!member) return { kind: disposition.kind, incidentId: target.id, reason: 'alert resolved' };
  const reviewed = await reviewIncident({ rules, now, at }, target.id, alert.dedupKey);
  if (!reviewed || reviewed.openAlertCount > 0 || !reviewed.grouping.autoResolve || reviewed.status === 'resolved')
    return { kind: 'incident', incidentId: target.id, reason: 'alert resolved' };
  const r = await mutateIncidentWith(target.id, at, (cur) => autoResolve(cur, at));
  if (r) await afterChange(r.before, r.after, now);
  return { kind: 'incident', incidentId: target.id, reason: r ? 'incident resolved' : 'alert resolved' };
}

/** A source acknowledged its alert (PagerDuty, Nagios): acknowledge the incident it belongs to. */
export async function onAlertAcknowledged(alert: AlertSnapshot, now: Date): Promise<void> {
  const d = await getDisposition(alert.id);
  if (d?.kind !== 'incident' || !d.incidentId) return;
  const target = await followMerges(d.incidentId);
  if (!target || target.status !== 'triggered') return;
  const actor: Actor = {
    type: 'system',
    id: `integration:${alert.integrationId}`,
    name: `${alert.source} acknowledgement`,
  };
  await mutateIncident(target.id, now.toISOString(), (cur) =>
    cur.status === 'triggered' ? acknowledge(cur, actor, now.toISOString()) : undefined,
  );
}

/** Flap check: once stable for K minutes, release held notifications with the current state. */
export async function flapCheck(incidentId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const r = await mutateIncident(incidentId, at, (cur) => flapRelease(cur, now));
  if (r) return;
  const cur = await getIncident(incidentId);
  if (cur?.flapping && cur.lastTransitionAt)
    await scheduleTimer({
      id: flapTimerId(incidentId),
      kind: FLAP_TIMER,
      dueAt: new Date(Date.parse(cur.lastTransitionAt) + (cur.flapStableMinutes ?? 15) * 60000).toISOString(),
      payload: { incidentId },
    });
}

export { afterChange };

/**
 * The one idempotent entry point that places an alert by id (the reconciler's, and any replay's):
 * a firing alert without a placement is placed; a resolved one is placed and resolved. An alert
 * already placed changes nothing (`duplicate`).
 */
export async function placeAlert(alertId: string, now: Date): Promise<Outcome> {
  const stored = await getAlert(alertId);
  if (!stored) throw new NotFoundError(`No alert with id ${alertId}.`);
  const alert = alertSnapshotSchema.parse(stored);
  return alert.status === 'resolved' ? onAlertResolved(alert, now) : onAlertOpened(alert, now);
}

/** A repeat may carry a higher severity (warning → critical; a job late → down): raise the incident's. */
export async function onAlertRepeated(alert: AlertSnapshot, now: Date): Promise<Outcome> {
  const d = await getDisposition(alert.id);
  if (!d) return onAlertOpened(alert, now); // Opened not processed yet (events are unordered): place it now
  if (d.kind !== 'incident' || !d.incidentId || d.resolvedAt)
    return { kind: 'duplicate', incidentId: d.incidentId, reason: 'repeat of an alert in no open incident' };
  const ctx = await facts(alert, now);
  const target = await followMerges(d.incidentId);
  if (!target || target.status === 'resolved' || raiseSeverity(target, ctx.severity) === target.severity)
    return { kind: 'duplicate', incidentId: target?.id, reason: 'repeat: severity unchanged' };
  const severityReason = `alert ${alert.dedupKey} repeated with ${ctx.severityReason}`;
  // A repeat is no change of state: the key's history is not read (`quiet`), only severity is raised.
  const after = await reviewIncident({ ...ctx, severityReason }, target.id, alert.dedupKey, {
    incident: target,
    quiet: true,
  });
  return {
    kind: 'incident',
    incidentId: target.id,
    reason: `severity ${target.severity} → ${after?.severity ?? ctx.severity}`,
  };
}

/**
 * The upstream incident resolved: each alert correlated to it that still fires is placed on its
 * own (silence, inhibition, another upstream, its group, or a new incident that pages), once.
 */
async function releaseCorrelated(incidentId: string, now: Date): Promise<void> {
  const links = (await incidentLinks(incidentId)).filter(
    (l) => l.relation === 'related' && l.status === 'firing' && !l.movedTo,
  );
  for (const link of links) {
    const stored = await getAlert(link.alertId);
    if (!stored || stored.status !== 'firing') continue;
    const f = await facts(alertSnapshotSchema.parse(stored), now, incidentId);
    const r = await place(f);
    if (r.kind === 'duplicate' || !r.incidentId) continue;
    await markLinkMoved(incidentId, link.alertId, r.incidentId, f.at);
  }
}

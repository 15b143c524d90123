// The incident engine: decides what each alert becomes. It runs on alert events (at least
// once, in any order, concurrently) and on durable timers, so every step is idempotent: the
// alert's disposition is written once, in the same transaction as the incident change it
// causes, and incident changes are conditional on the revision they were computed from.
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import { alertSnapshotSchema, type AlertSnapshot } from '../../../events/alerts';
import { getAlert } from '../../store/alerts';
import {
  flappingConfig,
  flappingEntry,
  keyHistory,
  quietHistoryLimit,
  recordFlap,
  trimHistory,
} from '../../domain/incidents/flapping';
import { matchLabels } from '../../domain/incidents/labels';
import {
  acknowledge,
  mergeSource,
  mergeTarget,
  raiseSeverity,
  reopen,
  resolve,
  shouldNotify,
} from '../../domain/incidents/lifecycle';
import { NotFoundError } from '../../domain/errors';
import type {
  Actor,
  AlertLink,
  Incident,
  Mutation as DomainMutation,
  TimelineEntry,
} from '../../domain/incidents/model';
import type { TransactItem } from '../../store/client';

type Mutation = DomainMutation<TransactItem>;
import {
  inhibitionKey,
  inhibitRulesAsSource,
  inhibitRulesAsTarget,
  route,
  severityFor,
  type IncidentSeverity,
  type RoutingDecision,
  type Ruleset,
} from '../../domain/incidents/rules';
import { groupPlan, quietPlan, stormPlan, type QuietSnapshot } from '../../domain/incidents/placement';
import { upstreamOf, type Service } from '../../domain/services';
import {
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  cancellationCodes,
  tableName,
} from '../../store/client';
import {
  createIncident,
  getIncident,
  getKeyTransitions,
  mutateIncident,
  nextIncidentNumber,
  openIncidentIdsForService,
  timelinePut,
  transitionAppend,
  trimKeyTransitions,
} from '../../store/incidents';
import { incidentKeys } from '../../store/keys';
import { getRules } from '../../store/rules';
import { serviceMap } from '../../store/services';
import { quietRules } from '../../store/silences';
import { cancelTimer, scheduleTimer } from '../../store/timers';
import { getDisposition, putDisposition, resolveDisposition, type Disposition } from '../../store/dispositions';

export const NOTIFY_TIMER = 'incident-notify';
export const FLAP_TIMER = 'incident-flap-check';
export const notifyTimerId = (incidentId: string) => `${NOTIFY_TIMER}#${incidentId}`;
export const flapTimerId = (incidentId: string) => `${FLAP_TIMER}#${incidentId}`;

const SYSTEM: Actor = { type: 'system', id: 'incident-engine' };
const ruleActor = (d: RoutingDecision): Actor => ({ type: 'rule', id: `route:${d.routeId}`, name: d.routeName });

interface Context {
  alert: AlertSnapshot;
  now: Date;
  at: string;
  rules: Ruleset;
  services: Map<string, Service>;
  labels: Record<string, string>;
  decision: RoutingDecision;
  service?: Service;
  severity: IncidentSeverity;
  severityReason: string;
  /** Set when re-placing an alert that was correlated to this (now resolved) upstream incident. */
  replaces?: string;
}

/** The disposition item of this placement (replacing the correlated one when re-placing). */
function placed(ctx: Context, d: Omit<Disposition, 'alertId' | 'integrationId' | 'dedupKey' | 'at'>): TransactItem {
  const { alert, at, replaces } = ctx;
  const reason = replaces ? `upstream incident ${replaces} resolved while it still fired; ${d.reason}` : d.reason;
  return putDisposition(
    { alertId: alert.id, integrationId: alert.integrationId, dedupKey: alert.dedupKey, at, ...d, reason },
    replaces,
  );
}

/** After a lost race on the disposition: was the alert placed (or resolved) by someone else? */
async function alreadyPlaced(ctx: Pick<Context, 'alert' | 'replaces'>): Promise<boolean> {
  const d = await getDisposition(ctx.alert.id);
  if (!d) return false;
  return !(ctx.replaces && d.kind === 'correlated' && d.incidentId === ctx.replaces && !d.resolvedAt);
}

function linkItem(
  incidentId: string,
  alert: AlertSnapshot,
  at: string,
  relation: AlertLink['relation'],
  labels: Record<string, string>,
  reason?: string,
): TransactItem {
  const link: AlertLink & { labels: Record<string, string> } = {
    alertId: alert.id,
    integrationId: alert.integrationId,
    dedupKey: alert.dedupKey,
    summary: alert.summary,
    severity: alert.severity,
    status: 'firing',
    relation,
    joinedAt: at,
    reason,
    labels,
  };
  return {
    Put: {
      TableName: tableName(),
      Item: { ...incidentKeys.link(incidentId, alert.id), type: 'IncidentAlert', ...link },
    },
  };
}

function resolveLinkItem(incidentId: string, alertId: string, at: string): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.link(incidentId, alertId),
      UpdateExpression: 'SET #s = :resolved, resolvedAt = :at',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':resolved': 'resolved', ':at': at },
    },
  };
}

async function context(alert: AlertSnapshot, now: Date): Promise<Context> {
  const { rules } = await getRules();
  const services = await serviceMap(now.getTime());
  const labels = matchLabels(alert);
  const decision = route(rules, labels, (id) => services.get(id)?.teamId);
  if (decision.serviceId) labels.service = decision.serviceId;
  const service = decision.serviceId ? services.get(decision.serviceId) : undefined;
  const { severity, reason } = severityFor(rules, labels, alert.severity, service?.tier);
  return {
    alert,
    now,
    at: now.toISOString(),
    rules,
    services,
    labels,
    decision,
    service,
    severity,
    severityReason: reason,
  };
}

/** Run a transaction whose first conditional item is the disposition; false when it already existed. */
async function transactOnce(items: TransactItem[], what: string): Promise<boolean> {
  try {
    await guard(what, () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
    return true;
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err)[0] === 'ConditionalCheckFailed') return false;
    throw err;
  }
}

export type Outcome = { kind: Disposition['kind'] | 'duplicate'; incidentId?: string; reason: string };

export async function onAlertOpened(alert: AlertSnapshot, now: Date): Promise<Outcome> {
  const existing = await getDisposition(alert.id);
  if (existing) return { kind: 'duplicate', incidentId: existing.incidentId, reason: 'already processed' };
  return place(await context(alert, now));
}

async function place(ctx: Context): Promise<Outcome> {
  // Load what the decision needs (lazily: a silenced alert registers no inhibitor and queries
  // nothing more), decide with the pure placement rules, then commit that plan.
  const quiet = await quietRules();
  const snapshot: QuietSnapshot = {
    labels: ctx.labels,
    serviceId: ctx.decision.serviceId,
    silences: quiet.silences,
    maintenance: quiet.windows,
    replaces: ctx.replaces,
  };
  let plan = quietPlan(snapshot, ctx.now);
  if (!plan) {
    // Inhibition (Alertmanager semantics): register as a source, then check as a target.
    await registerInhibitor(ctx);
    plan = quietPlan(
      { ...snapshot, inhibitor: await findInhibitor(ctx), upstream: await upstreamIncident(ctx) },
      ctx.now,
    );
  }
  if (!plan) return joinOrOpen(ctx);
  if (plan.kind === 'correlated') return correlate(ctx, plan.incidentId, plan.reason);
  // Silenced, in a maintenance window, or inhibited: recorded and linked, never dropped, no incident.
  const { kind, reason } = plan;
  const ok = await transactOnce([placed(ctx, plan)], `record ${kind} alert`);
  return ok ? { kind, reason } : { kind: 'duplicate', reason: 'already processed' };
}

async function registerInhibitor(ctx: Context): Promise<void> {
  for (const rule of inhibitRulesAsSource(ctx.rules, ctx.labels)) {
    await guard('register inhibitor', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...incidentKeys.inhibitor(rule.id, inhibitionKey(rule, ctx.labels), ctx.alert.id),
            type: 'Inhibitor',
            alertId: ctx.alert.id,
            at: ctx.at,
          },
        }),
      ),
    );
  }
}

async function findInhibitor(
  ctx: Pick<Context, 'rules' | 'labels' | 'alert'>,
): Promise<{ alertId: string; ruleId: string } | undefined> {
  for (const rule of inhibitRulesAsTarget(ctx.rules, ctx.labels)) {
    const r = await guard('find inhibitor', () =>
      documentClient().send(
        new QueryCommand({
          TableName: tableName(),
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': incidentKeys.inhibitor(rule.id, inhibitionKey(rule, ctx.labels), '').pk },
          Limit: 5,
        }),
      ),
    );
    const source = (r.Items ?? []).find((i) => i.alertId !== ctx.alert.id);
    if (source) return { alertId: source.alertId as string, ruleId: rule.id };
  }
  return undefined;
}

async function upstreamIncident(
  ctx: Pick<Context, 'service' | 'services'>,
): Promise<{ serviceId: string; incidentId: string } | undefined> {
  if (!ctx.service) return undefined;
  for (const up of upstreamOf(ctx.service.id, ctx.services)) {
    const ids = await openIncidentIdsForService(up);
    if (ids.length) return { serviceId: up, incidentId: ids.sort()[0]! };
  }
  return undefined;
}

async function followMerges(incidentId: string): Promise<Incident | undefined> {
  let inc = await getIncident(incidentId);
  for (let hops = 0; inc?.mergedInto && hops < 10; hops++) inc = await getIncident(inc.mergedInto);
  return inc;
}

async function correlate(ctx: Context, incidentId: string, why: string): Promise<Outcome> {
  const { alert, at } = ctx;
  const reason = `correlated: ${why}`;
  try {
    const r = await mutateIncident(incidentId, at, (cur) => {
      if (cur.status === 'resolved') return undefined;
      return {
        incident: { ...cur, relatedAlertCount: cur.relatedAlertCount + 1 },
        timeline: [
          {
            at,
            actor: SYSTEM,
            kind: 'correlated',
            message: `Related alert from ${ctx.decision.serviceId}: ${alert.summary}`,
            reason,
          },
        ],
        extra: [
          placed(ctx, { kind: 'correlated', incidentId, reason }),
          linkItem(incidentId, alert, at, 'related', ctx.labels, reason),
        ],
      };
    });
    // The upstream incident resolved meanwhile: treat the alert on its own.
    if (!r) return joinOrOpen(ctx);
    return { kind: 'correlated', incidentId, reason };
  } catch (err) {
    if (isTransactionConflict(err) && (await alreadyPlaced(ctx)))
      return { kind: 'duplicate', reason: 'already processed' };
    throw err;
  }
}

async function joinOrOpen(ctx: Context): Promise<Outcome> {
  const groupKey = incidentKeys.group(ctx.decision.groupHash);
  for (let attempt = 0; attempt < 8; attempt++) {
    const g = await guard('get group', () =>
      documentClient().send(new GetCommand({ TableName: tableName(), Key: groupKey, ConsistentRead: true })),
    );
    const current = g.Item ? await followMerges(g.Item.incidentId as string) : undefined;
    const plan = groupPlan(current, (g.Item?.incidentId as string | undefined) ?? null, ctx.now);
    // join() joins an open incident atomically, or reopens a resolved one within its window.
    const placedNow =
      plan.kind === 'open'
        ? await open(ctx, plan.previousIncidentId)
        : await join(ctx, plan.incidentId, plan.kind === 'join' ? current : undefined);
    if (placedNow) return placedNow;
  }
  throw new Error(`Could not place alert ${ctx.alert.id} after repeated races`);
}

/**
 * Atomic counter changes on an incident: no read-modify-write, so thousands of alerts joining
 * one incident in a storm do not serialise into retries. `revision` moves, so a concurrent
 * read-modify-write (mutateIncident) notices and retries; no event is emitted for a count change.
 */
function bumpIncident(
  incidentId: string,
  at: string,
  by: { alerts?: number; open: number; storm?: number },
  condition?: 'open',
): TransactItem {
  const adds = ['openAlertCount :open', 'revision :one'];
  const values: Record<string, unknown> = { ':open': by.open, ':one': 1, ':at': at };
  const names: Record<string, string> = {};
  if (by.alerts) {
    adds.push('alertCount :alerts');
    values[':alerts'] = by.alerts;
  }
  if (by.storm) {
    adds.push('stormSize :storm');
    values[':storm'] = by.storm;
  }
  const sets = ['lastTransitionAt = :at'];
  if (condition === 'open') {
    names['#status'] = 'status';
    values[':resolved'] = 'resolved';
  }
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.incident(incidentId),
      UpdateExpression: `ADD ${adds.join(', ')} SET ${sets.join(', ')}`,
      ConditionExpression:
        condition === 'open' ? 'attribute_exists(pk) AND #status <> :resolved' : 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * After an atomic change of one alert key: raise severity, detect flapping, trim the key's
 * recorded changes (rare, read-modify-write). `known.incident` is the incident as read just
 * before the change (so it is not read again); `known.quiet` says the key had too few changes
 * recorded to flap or need a trim (the conditional append succeeded), so its history is not read.
 */
async function reviewIncident(
  ctx: Pick<Context, 'rules' | 'now' | 'at'> & { severity?: IncidentSeverity; severityReason?: string },
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
  const flaps = kept.length > cfg.transitions && !inc.flapping;
  const raise = ctx.severity && raiseSeverity(inc, ctx.severity) !== inc.severity;
  if (!flaps && !raise) return inc;
  const r = await mutateIncident(incidentId, ctx.at, (cur) => {
    const startedFlapping = kept.length > cfg.transitions && !cur.flapping;
    const severity = ctx.severity ? raiseSeverity(cur, ctx.severity) : (cur.severity as IncidentSeverity);
    const timeline: TimelineEntry[] = [];
    if (severity !== cur.severity)
      timeline.push({
        at: ctx.at,
        actor: SYSTEM,
        kind: 'severity',
        message: `Severity ${cur.severity} → ${severity} (${ctx.severityReason})`,
      });
    if (startedFlapping) timeline.push(flappingEntry(ctx.at, cfg));
    return {
      incident: {
        ...cur,
        severity,
        flapping: cur.flapping || startedFlapping,
        flapStableMinutes: cfg.stableMinutes,
      },
      timeline,
      change:
        severity !== cur.severity && shouldNotify(cur)
          ? {
              kind: 'severityChanged',
              actor: SYSTEM,
              reason: ctx.severityReason,
              notify: !startedFlapping,
              change: { severity: { from: cur.severity, to: severity } },
            }
          : undefined,
    };
  });
  if (r) await afterChange(r.before, r.after, ctx.now);
  return r?.after ?? inc;
}

/**
 * Join an open incident (atomic), or reopen a recently resolved one. Undefined when the race was
 * lost. The cost does not depend on the incident's size: the incident item gets counter updates
 * only, the alert's link, timeline entry and key history are items of their own, and `current`
 * (the incident as just read) stands in for reading it again.
 */
async function join(ctx: Context, incidentId: string, current?: Incident): Promise<Outcome | undefined> {
  const { alert, at } = ctx;
  const quietLimit = quietHistoryLimit(flappingConfig(ctx.rules));
  let quiet = true;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await guard('join incident', () =>
        documentClient().send(
          new TransactWriteCommand({
            TransactItems: [
              placed(ctx, { kind: 'incident', incidentId, reason: `grouped by ${ctx.decision.groupKey}` }),
              bumpIncident(incidentId, at, { alerts: 1, open: 1 }, 'open'),
              linkItem(incidentId, alert, at, 'member', ctx.labels),
              timelinePut(incidentId, {
                at,
                actor: ruleActor(ctx.decision),
                kind: 'alert',
                message: `Alert joined: ${alert.summary}`,
                reason: `group ${ctx.decision.groupKey}`,
              }),
              transitionAppend(incidentId, alert.dedupKey, at, quiet ? quietLimit : undefined),
            ],
          }),
        ),
      );
      await reviewIncident(ctx, incidentId, alert.dedupKey, { incident: current, quiet });
      return { kind: 'incident', incidentId, reason: 'joined' };
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      const codes = cancellationCodes(err);
      if (codes[0] === 'ConditionalCheckFailed') return { kind: 'duplicate', reason: 'already processed' };
      if (codes[1] === 'ConditionalCheckFailed') return reopenAndJoin(ctx, incidentId);
      // The key changed state often enough to flap or need a trim: append unconditionally, then review it.
      if (codes[4] === 'ConditionalCheckFailed') quiet = false;
      // Otherwise a TransactionConflict with a concurrent writer: try again.
    }
  }
  return undefined;
}

/** The group's incident resolved: reopen it within the reopen window and join it. */
async function reopenAndJoin(ctx: Context, incidentId: string): Promise<Outcome | undefined> {
  const { alert, at, now } = ctx;
  let reopened = false;
  const history = await getKeyTransitions(incidentId, alert.dedupKey);
  try {
    const r = await mutateIncident(incidentId, at, (cur) => {
      if (cur.status !== 'resolved') return undefined; // reopened meanwhile: the atomic join applies
      if (cur.storm) return undefined; // a storm incident that resolved stays resolved: groups open normally again
      let m: Mutation = { incident: { ...cur }, timeline: [] };
      if (cur.status === 'resolved') {
        const withinWindow =
          cur.resolvedAt !== undefined &&
          now.getTime() - Date.parse(cur.resolvedAt) <= cur.grouping.reopenWindowMinutes * 60000;
        if (cur.mergedInto || !withinWindow) return undefined;
        m = reopen(
          cur,
          ruleActor(ctx.decision),
          at,
          `alert "${alert.summary}" fired again within the ${cur.grouping.reopenWindowMinutes} minute reopen window`,
        );
        m.extra = cur.serviceId
          ? [
              {
                Put: {
                  TableName: tableName(),
                  Item: { ...incidentKeys.openForService(cur.serviceId, cur.id), type: 'ServiceOpenIncident' },
                },
              },
            ]
          : [];
        reopened = true;
      }
      const flap = recordFlap(m.incident, history, now, flappingConfig(ctx.rules));
      const severity = raiseSeverity(m.incident, ctx.severity);
      const next: Incident = {
        ...flap.incident,
        alertCount: m.incident.alertCount + 1,
        openAlertCount: m.incident.openAlertCount + 1,
        severity,
      };
      const timeline: TimelineEntry[] = [
        ...(m.timeline ?? []),
        {
          at,
          actor: ruleActor(ctx.decision),
          kind: 'alert',
          message: `Alert joined: ${alert.summary}`,
          reason: `group ${ctx.decision.groupKey}`,
        },
        ...(severity !== m.incident.severity
          ? [
              {
                at,
                actor: SYSTEM,
                kind: 'severity',
                message: `Severity ${m.incident.severity} → ${severity} (${ctx.severityReason})`,
              },
            ]
          : []),
        ...flap.timeline,
      ];
      const change = m.change && flap.startedFlapping ? { ...m.change, notify: false } : m.change;
      return {
        incident: next,
        timeline,
        change,
        extra: [
          placed(ctx, { kind: 'incident', incidentId, reason: `grouped by ${ctx.decision.groupKey}` }),
          linkItem(incidentId, alert, at, 'member', ctx.labels),
          ...(m.extra ?? []),
          transitionAppend(incidentId, alert.dedupKey, at),
        ],
      };
    });
    if (!r) return undefined;
    await afterChange(r.before, r.after, now);
    return { kind: 'incident', incidentId, reason: reopened ? 'reopened' : 'joined' };
  } catch (err) {
    if (isTransactionConflict(err) && (await alreadyPlaced(ctx)))
      return { kind: 'duplicate', reason: 'already processed' };
    throw err;
  }
}

/** Timers follow committed changes: announce after the group window, watch flapping. */
async function afterChange(before: Incident | undefined, after: Incident, now: Date): Promise<void> {
  if (after.status === 'resolved' && before?.status !== 'resolved' && !after.mergedInto)
    await releaseCorrelated(after.id, now);
  if (after.status === 'resolved') {
    await cancelTimer(notifyTimerId(after.id));
    if (after.storm && after.teamId)
      await guard('clear storm pointer', () =>
        documentClient().send(
          new DeleteCommand({ TableName: tableName(), Key: incidentKeys.stormIncident(after.teamId!) }),
        ),
      );
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

function minuteOf(d: Date): string {
  return d.toISOString().slice(0, 16);
}

/** Open a new incident for the group (replacing `previousIncidentId` in the group item). */
async function open(ctx: Context, previousIncidentId: string | null): Promise<Outcome | undefined> {
  const { alert, at, now, decision } = ctx;
  const teamId = decision.teamId ?? 'unassigned';

  // Storm guard: past X new incidents a minute for one team, new groups collapse into one.
  // While the team's storm incident is open every new group joins it. Otherwise each group
  // takes a slot in the team's minute (a string set, so duplicates of one group share a slot);
  // the slots of the previous minute count too, so a storm straddling a minute boundary does
  // not get X more incidents.
  const storm = await guard('get storm', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.stormIncident(teamId), ConsistentRead: true }),
    ),
  );
  const stormIncident = storm.Item ? await getIncident(storm.Item.incidentId as string) : undefined;
  const stormOpen = stormIncident !== undefined && stormIncident.status !== 'resolved';
  const previous = stormOpen
    ? undefined
    : await guard('read storm slots', () =>
        documentClient().send(
          new GetCommand({
            TableName: tableName(),
            Key: incidentKeys.stormMinute(teamId, minuteOf(new Date(now.getTime() - 60_000))),
            ConsistentRead: true,
          }),
        ),
      );
  const previousMinuteGroups =
    previous?.Item?.groups instanceof Set ? (previous.Item.groups as Set<string>) : new Set<string>();
  const slot = stormPlan({
    stormOpen,
    previousMinuteGroups,
    groupHash: decision.groupHash,
    maxIncidentsPerMinute: ctx.rules.storm.maxIncidentsPerMinute,
  });
  if (slot.kind === 'storm-join') return joinStorm(ctx, teamId, previousIncidentId);
  const allowed = slot.allowed;
  const stormKey = incidentKeys.stormMinute(teamId, minuteOf(now));
  try {
    await guard('take storm slot', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: stormKey,
          UpdateExpression: 'ADD #groups :g SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(#groups) OR size(#groups) < :max OR contains(#groups, :gh)',
          ExpressionAttributeNames: { '#groups': 'groups' },
          ExpressionAttributeValues: {
            ':g': new Set([decision.groupHash]),
            ':gh': decision.groupHash,
            ':max': allowed,
            ':exp': Math.floor(now.getTime() / 1000) + 86400,
          },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    return joinStorm(ctx, teamId, previousIncidentId);
  }

  const id = ulid(now.getTime());
  const number = await nextIncidentNumber();
  const serviceName = ctx.service?.name ?? decision.serviceId ?? 'unrouted';
  const flap = flappingConfig(ctx.rules);
  const incident: Incident = {
    id,
    number,
    title: `${serviceName}: ${ctx.labels.alertname ?? alert.summary}`.slice(0, 300),
    status: 'triggered',
    severity: ctx.severity,
    serviceId: decision.serviceId,
    teamId: decision.teamId,
    detectedAt: alert.startsAt < at ? alert.startsAt : at,
    openedAt: at,
    alertCount: 1,
    openAlertCount: 1,
    relatedAlertCount: 0,
    flapping: false,
    flapStableMinutes: flap.stableMinutes,
    storm: false,
    mergedFrom: [],
    routeId: decision.routeId,
    groupKey: decision.groupKey,
    groupHash: decision.groupHash,
    grouping: decision.grouping,
    revision: 1,
  };
  const withFlap = recordFlap(incident, [], now, flap).incident;
  const timeline: TimelineEntry[] = [
    {
      at,
      actor: ruleActor(decision),
      kind: 'opened',
      message: `Opened for ${alert.summary}; routed by ${decision.routeName} to ${decision.teamId ?? 'no team'}; severity ${ctx.severity} (${ctx.severityReason})`,
      reason: `group ${decision.groupKey}`,
    },
  ];
  const extra: TransactItem[] = [
    {
      Put: {
        TableName: tableName(),
        Item: {
          ...incidentKeys.group(decision.groupHash),
          type: 'IncidentGroup',
          incidentId: id,
          routeId: decision.routeId,
          groupKey: decision.groupKey,
        },
        ConditionExpression: previousIncidentId === null ? 'attribute_not_exists(pk)' : 'incidentId = :prev',
        ExpressionAttributeValues: previousIncidentId === null ? undefined : { ':prev': previousIncidentId },
      },
    },
    placed(ctx, { kind: 'incident', incidentId: id, reason: `opened incident for group ${decision.groupKey}` }),
    linkItem(id, alert, at, 'member', ctx.labels),
    ...(decision.serviceId
      ? [
          {
            Put: {
              TableName: tableName(),
              Item: { ...incidentKeys.openForService(decision.serviceId, id), type: 'ServiceOpenIncident' },
            },
          },
        ]
      : []),
    transitionAppend(id, alert.dedupKey, at),
  ];
  try {
    await createIncident(withFlap, timeline, extra);
  } catch (err) {
    const codes = cancellationCodes(err);
    if (isTransactionConflict(err) && codes[1 + timeline.length + 1] === 'ConditionalCheckFailed')
      return { kind: 'duplicate', reason: 'already processed' };
    if (isTransactionConflict(err)) return undefined; // the group changed under us: go round and join
    throw err;
  }
  await scheduleNotify(withFlap, now);
  return { kind: 'incident', incidentId: id, reason: 'opened' };
}

async function scheduleNotify(incident: Incident, now: Date): Promise<void> {
  const wait = incident.grouping.groupWaitSeconds;
  if (wait === 0) {
    await announce(incident.id, now);
    return;
  }
  await scheduleTimer({
    id: notifyTimerId(incident.id),
    kind: NOTIFY_TIMER,
    dueAt: new Date(now.getTime() + wait * 1000).toISOString(),
    payload: { incidentId: incident.id },
  });
}

async function joinStorm(
  ctx: Context,
  teamId: string,
  previousIncidentId: string | null,
): Promise<Outcome | undefined> {
  const { at, now, decision, alert } = ctx;
  const pointer = incidentKeys.stormIncident(teamId);
  let stormId: string | undefined;
  let known: Incident | undefined;
  for (let attempt = 0; attempt < 5 && !stormId; attempt++) {
    const p = await guard('get storm', () =>
      documentClient().send(new GetCommand({ TableName: tableName(), Key: pointer, ConsistentRead: true })),
    );
    const existing = p.Item ? await getIncident(p.Item.incidentId as string) : undefined;
    if (existing && existing.status !== 'resolved') {
      stormId = existing.id;
      known = existing;
      break;
    }
    const id = ulid(now.getTime());
    const number = await nextIncidentNumber();
    const storm: Incident = {
      id,
      number,
      title: `Alert storm: team ${teamId} is getting more than ${ctx.rules.storm.maxIncidentsPerMinute} new incidents a minute`,
      status: 'triggered',
      severity: ctx.severity,
      teamId: decision.teamId,
      detectedAt: at,
      openedAt: at,
      alertCount: 0,
      openAlertCount: 0,
      relatedAlertCount: 0,
      flapping: false,
      storm: true,
      stormSize: 0,
      mergedFrom: [],
      routeId: decision.routeId,
      groupKey: `storm:${teamId}`,
      groupHash: `storm-${teamId}`,
      grouping: { ...decision.grouping, autoResolve: true },
      revision: 1,
    };
    try {
      await createIncident(
        storm,
        [
          {
            at,
            actor: SYSTEM,
            kind: 'opened',
            message: `Storm guard: new incidents for team ${teamId} collapse into this one`,
            reason: 'storm guard',
          },
        ],
        [
          {
            Put: {
              TableName: tableName(),
              Item: { ...pointer, type: 'StormPointer', incidentId: id },
              ConditionExpression: p.Item ? 'incidentId = :old' : 'attribute_not_exists(pk)',
              ExpressionAttributeValues: p.Item ? { ':old': p.Item.incidentId } : undefined,
            },
          },
        ],
      );
      await scheduleNotify(storm, now);
      stormId = id;
      known = storm;
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
    }
  }
  if (!stormId) return undefined;
  const quietLimit = quietHistoryLimit(flappingConfig(ctx.rules));
  for (const quiet of [true, false]) {
    try {
      await guard('join storm', () =>
        documentClient().send(
          new TransactWriteCommand({
            TransactItems: [
              placed(ctx, {
                kind: 'incident',
                incidentId: stormId,
                reason: `storm guard: group ${decision.groupKey} collapsed`,
              }),
              bumpIncident(stormId!, at, { alerts: 1, open: 1, storm: 1 }, 'open'),
              linkItem(stormId!, alert, at, 'member', ctx.labels),
              {
                Put: {
                  TableName: tableName(),
                  Item: {
                    ...incidentKeys.group(decision.groupHash),
                    type: 'IncidentGroup',
                    incidentId: stormId,
                    routeId: decision.routeId,
                    groupKey: decision.groupKey,
                  },
                  ConditionExpression: previousIncidentId === null ? 'attribute_not_exists(pk)' : 'incidentId = :prev',
                  ExpressionAttributeValues: previousIncidentId === null ? undefined : { ':prev': previousIncidentId },
                },
              },
              timelinePut(stormId!, {
                at,
                actor: SYSTEM,
                kind: 'storm',
                message: `Collapsed group ${decision.groupKey}: ${alert.summary}`,
                reason: 'storm guard',
              }),
              transitionAppend(stormId!, alert.dedupKey, at, quiet ? quietLimit : undefined),
            ],
          }),
        ),
      );
      await reviewIncident(ctx, stormId, alert.dedupKey, { incident: known, quiet });
      return { kind: 'incident', incidentId: stormId, reason: 'storm' };
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      const codes = cancellationCodes(err);
      if (codes[0] === 'ConditionalCheckFailed') return { kind: 'duplicate', reason: 'already processed' };
      // Only the key's history was too long to append blindly: append it unconditionally and review it.
      const onlyHistory = codes[5] === 'ConditionalCheckFailed' && codes.slice(0, 5).every((c) => c === 'None');
      if (!onlyHistory) return undefined; // the storm incident closed or the group moved: go round
    }
  }
  return undefined;
}

/** End of the group window: announce the incident, unless it resolved, is inhibited or correlated meanwhile. */
export async function announce(incidentId: string, now: Date): Promise<void> {
  const at = now.toISOString();
  const incident = await getIncident(incidentId);
  if (!incident || incident.notifiedAt || incident.status === 'resolved') return;
  const { rules } = await getRules();
  const services = await serviceMap(now.getTime());

  // Alertmanager evaluates inhibition at notification time: a source may have arrived later.
  const links = await incidentLinks(incidentId);
  const firing = links.filter((l) => l.relation === 'member' && l.status === 'firing');
  if (!incident.storm && firing.length) {
    const inhibitors = await Promise.all(
      firing.map((l) => findInhibitor({ rules, labels: l.labels, alert: { id: l.alertId } as AlertSnapshot })),
    );
    if (inhibitors.every(Boolean)) {
      const by = inhibitors[0]!;
      await mutateIncident(incidentId, at, (cur) =>
        cur.status === 'resolved'
          ? undefined
          : {
              ...resolve(cur, SYSTEM, at, undefined, `inhibited by alert ${by.alertId} (rule ${by.ruleId})`),
              change: undefined,
            },
      ).then((r) => r && afterChange(r.before, r.after, now));
      return;
    }
  }
  const service = incident.serviceId ? services.get(incident.serviceId) : undefined;
  const upstream = incident.storm ? undefined : await upstreamIncident({ service, services });
  if (upstream && upstream.incidentId !== incidentId) {
    await mergeInto(
      incidentId,
      upstream.incidentId,
      SYSTEM,
      now,
      `upstream ${upstream.serviceId} has incident open`,
      false,
    );
    return;
  }
  const r = await mutateIncident(incidentId, at, (cur) => {
    if (cur.notifiedAt || cur.status === 'resolved') return undefined;
    const reason = cur.storm
      ? `storm guard collapsed ${cur.stormSize ?? 0} incidents`
      : `group window of ${cur.grouping.groupWaitSeconds}s closed with ${cur.alertCount} alert(s)`;
    return {
      incident: { ...cur, notifiedAt: at },
      timeline: [
        {
          at,
          actor: SYSTEM,
          kind: 'announced',
          message: cur.flapping
            ? 'Group window closed; notifications held while flapping'
            : 'Group window closed; responders notified',
          reason,
        },
      ],
      change: {
        kind: 'opened',
        actor: { type: 'rule', id: `route:${cur.routeId}` },
        reason,
        notify: !cur.flapping,
        change: { groupKey: cur.groupKey },
      },
    };
  });
  if (r) await afterChange(r.before, r.after, now);
}

async function incidentLinks(incidentId: string): Promise<Array<AlertLink & { labels: Record<string, string> }>> {
  const r = await guard('incident alerts', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': incidentKeys.incident(incidentId).pk, ':a': 'ALERT#' },
        ConsistentRead: true,
      }),
    ),
  );
  return (r.Items ?? []) as Array<AlertLink & { labels: Record<string, string> }>;
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
  const src = await mutateIncident(
    sourceId,
    at,
    (cur) => {
      const m = mergeSource(cur, target, actor, at, reason);
      return {
        ...m,
        change: m.change ? { ...m.change, notify } : undefined,
        extra: cur.serviceId
          ? [{ Delete: { TableName: tableName(), Key: incidentKeys.openForService(cur.serviceId, cur.id) } }]
          : [],
      };
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
  const { rules } = await getRules();
  const labels = matchLabels(alert);
  for (const rule of inhibitRulesAsSource(rules, labels))
    await guard('remove inhibitor', () =>
      documentClient().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: incidentKeys.inhibitor(rule.id, inhibitionKey(rule, labels), alert.id),
        }),
      ),
    );

  // The disposition changed between our read and our write (re-placed after its upstream resolved): again.
  const changedMeanwhile = async () => attempt < 3 && !(await getDisposition(alert.id))?.resolvedAt;
  if (!disposition.incidentId) {
    if (
      !(await transactOnce([resolveDisposition(disposition, at)], 'resolve disposition')) &&
      (await changedMeanwhile())
    )
      return onAlertResolved(alert, now, attempt + 1);
    return { kind: disposition.kind, reason: 'resolved' };
  }
  const target = await followMerges(disposition.incidentId);
  if (!target) throw new Error(`incident ${disposition.incidentId} of alert ${alert.id} is missing`);
  const member = disposition.kind === 'incident';
  try {
    await guard('resolve alert of incident', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            resolveDisposition(disposition!, at),
            resolveLinkItem(disposition!.incidentId!, alert.id, at),
            ...(member
              ? [bumpIncident(target.id, at, { open: -1 }), transitionAppend(target.id, alert.dedupKey, at)]
              : []),
            timelinePut(target.id, {
              at,
              actor: SYSTEM,
              kind: 'alert-resolved',
              message: `Alert resolved: ${alert.summary}`,
            }),
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err)[0] === 'ConditionalCheckFailed') {
      if (await changedMeanwhile()) return onAlertResolved(alert, now, attempt + 1);
      return { kind: 'duplicate', reason: 'already resolved' };
    }
    throw err;
  }
  if (!member) return { kind: disposition.kind, incidentId: target.id, reason: 'alert resolved' };
  const reviewed = await reviewIncident({ rules, now, at }, target.id, alert.dedupKey);
  if (!reviewed || reviewed.openAlertCount > 0 || !reviewed.grouping.autoResolve || reviewed.status === 'resolved')
    return { kind: 'incident', incidentId: target.id, reason: 'alert resolved' };
  const r = await mutateIncident(target.id, at, (cur) => {
    if (cur.openAlertCount > 0 || cur.status === 'resolved') return undefined;
    const res = resolve(
      cur,
      { type: 'system', id: 'auto-resolve' },
      at,
      undefined,
      `all ${cur.alertCount} alert(s) resolved`,
    );
    return {
      ...res,
      change: { ...res.change!, notify: shouldNotify(cur) },
      extra: cur.serviceId
        ? [{ Delete: { TableName: tableName(), Key: incidentKeys.openForService(cur.serviceId, cur.id) } }]
        : [],
    };
  });
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
  const r = await mutateIncident(incidentId, at, (cur) => {
    if (!cur.flapping) return undefined;
    const stableFor = (cur.flapStableMinutes ?? 15) * 60000;
    if (cur.lastTransitionAt && now.getTime() - Date.parse(cur.lastTransitionAt) < stableFor) return undefined;
    // The keys' recorded changes up to now no longer count (they live in items of their own).
    const next: Incident = { ...cur, flapping: false, transitionsResetAt: at };
    const timeline: TimelineEntry[] = [
      {
        at,
        actor: SYSTEM,
        kind: 'flapping',
        message: `Stable for ${cur.flapStableMinutes ?? 15} minutes; notifications resume`,
      },
    ];
    if (!cur.notifiedAt) return { incident: next, timeline };
    const kind = cur.status === 'resolved' ? 'resolved' : 'reopened';
    return {
      incident: next,
      timeline,
      change: { kind, actor: SYSTEM, reason: 'flapping stopped', notify: true, change: { status: cur.status } },
    };
  });
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
  const ctx = await context(alert, now);
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
    const ctx = { ...(await context(alertSnapshotSchema.parse(stored), now)), replaces: incidentId };
    const r = await place(ctx);
    if (r.kind === 'duplicate' || !r.incidentId) continue;
    await guard('mark moved alert', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: incidentKeys.link(incidentId, link.alertId),
          UpdateExpression: 'SET movedTo = :to, movedAt = :at',
          ExpressionAttributeValues: { ':to': r.incidentId, ':at': ctx.at },
        }),
      ),
    );
  }
}

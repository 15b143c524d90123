// The incident engine's plans, committed: each placement the domain decides (shared/domain/
// incidents/decide.ts) becomes ONE DynamoDB transaction here, with the conditions that keep the
// engine safe under at-least-once, unordered, concurrent delivery: the disposition is written once
// per alert (so a redelivery changes nothing), an atomic join is conditional on the incident being
// open, a group or storm pointer moves only from where it pointed when read, and read-modify-write
// changes are conditional on the revision (mutateIncident). Also the small reads the engine's
// staged loading needs (group, storm, inhibitors) and the few writes outside a plan (inhibitor
// registration, storm slots, moved links). Item shapes are those of docs/data-model.md.
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type {
  EffectMutation,
  GroupPointer,
  IncidentEffects,
  InhibitorKey,
  JoinPlan,
  LinkValue,
  Placed,
  Plan,
} from '../domain/incidents/decide';
import type { Disposition, Incident, TimelineEntry } from '../domain/incidents/model';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
  type TransactItem,
} from './client';
import { putDisposition, resolveDisposition } from './dispositions';
import {
  createIncident,
  getIncident,
  linkedLine,
  mutateIncident,
  openIncidentIdsForService,
  timelinePut,
  transitionAppend,
} from './incidents';
import { BILLED_KB, sizeOf } from './item-size';
import { incidentKeys } from './keys';
import { getItems } from './query';

const CCF = 'ConditionalCheckFailed';

function placedItem(p: Placed): TransactItem {
  return putDisposition(p.disposition, p.replaces);
}

/** The alert's link; `line`: the timeline entry of a join or an opening, carried by the link (decision 0094). */
function linkItem(incidentId: string, link: LinkValue, line?: TimelineEntry): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...incidentKeys.link(incidentId, link.alertId),
        type: 'IncidentAlert',
        ...link,
        ...(line ? { line: linkedLine(line) } : {}),
      },
    },
  };
}

/** Resolve a link; `line`: the resolution's timeline entry, carried by the link (decision 0094). */
function resolveLinkItem(incidentId: string, alertId: string, at: string, line?: TimelineEntry): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.link(incidentId, alertId),
      UpdateExpression: `SET #s = :resolved, resolvedAt = :at${line ? ', resolvedLine = :line' : ''}`,
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':resolved': 'resolved',
        ':at': at,
        ...(line ? { ':line': linkedLine(line) } : {}),
      },
    },
  };
}

function groupPut(g: GroupPointer): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: {
        ...incidentKeys.group(g.groupHash),
        type: 'IncidentGroup',
        incidentId: g.incidentId,
        routeId: g.routeId,
        groupKey: g.groupKey,
      },
      ConditionExpression: g.previous === null ? 'attribute_not_exists(pk)' : 'incidentId = :prev',
      ExpressionAttributeValues: g.previous === null ? undefined : { ':prev': g.previous },
    },
  };
}

function serviceOpenItem(serviceId: string, incidentId: string, change: 'add' | 'remove'): TransactItem {
  const Key = incidentKeys.openForService(serviceId, incidentId);
  return change === 'add'
    ? { Put: { TableName: tableName(), Item: { ...Key, type: 'ServiceOpenIncident' } } }
    : { Delete: { TableName: tableName(), Key } };
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
  severities?: string[],
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
  if (condition === 'open') {
    names['#status'] = 'status';
    values[':resolved'] = 'resolved';
  }
  let severityCondition = '';
  if (severities) {
    names['#severity'] = 'severity';
    severities.forEach((sev, i) => (values[`:sev${i}`] = sev));
    severityCondition = ` AND #severity IN (${severities.map((_, i) => `:sev${i}`).join(', ')})`;
  }
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.incident(incidentId),
      UpdateExpression: `ADD ${adds.join(', ')} SET lastTransitionAt = :at`,
      ConditionExpression:
        (condition === 'open' ? 'attribute_exists(pk) AND #status <> :resolved' : 'attribute_exists(pk)') +
        severityCondition,
      ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
      ExpressionAttributeValues: values,
    },
  };
}

/** The items an incident change writes besides the incident and its timeline. */
function effectItems(cur: Incident, at: string, e: IncidentEffects = {}): TransactItem[] {
  return [
    ...(e.placed ? [placedItem(e.placed)] : []),
    ...(e.link ? [linkItem(cur.id, e.link)] : []),
    ...(e.serviceOpen && cur.serviceId ? [serviceOpenItem(cur.serviceId, cur.id, e.serviceOpen)] : []),
    ...(e.keyChange ? [transitionAppend(cur.id, e.keyChange, at)] : []),
  ];
}

/** mutateIncident for changes that carry effects (disposition, link, service index, key history). */
export function mutateIncidentWith(
  id: string,
  at: string,
  fn: (current: Incident) => EffectMutation | undefined,
  opts: { expectedRevision?: number } = {},
): Promise<{ before: Incident; after: Incident } | undefined> {
  return mutateIncident(
    id,
    at,
    (cur) => {
      const m = fn(cur);
      if (!m) return undefined;
      const { effects, ...mutation } = m;
      return { ...mutation, extra: effectItems(cur, at, effects) };
    },
    opts,
  );
}

/** Run a transaction: undefined when it committed, the cancellation codes when it was cancelled. */
async function transact(
  what: string,
  items: TransactItem[],
  expected: (codes: string[]) => boolean = () => true,
): Promise<string[] | undefined> {
  try {
    await guard(what, () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
    return undefined;
  } catch (err) {
    if (!isTransactionConflict(err) || !expected(cancellationCodes(err))) throw err;
    return cancellationCodes(err);
  }
}

const firstFailed = (codes: string[]) => codes[0] === CCF;

/** Silenced or inhibited: the disposition alone. False when the alert was placed already. */
export async function commitQuiet(p: Extract<Plan, { kind: 'silenced' | 'inhibited' }>): Promise<boolean> {
  return !(await transact(`record ${p.kind} alert`, [placedItem(p.placed)], firstFailed));
}

export type JoinResult = 'joined' | 'duplicate' | 'closed' | 'history' | 'raced';

/**
 * An atomic join (or storm join): disposition, counters, link carrying the timeline entry
 * (decision 0094), [group pointer], key history (appended conditionally while `quiet`). `closed`: the incident resolved (or the
 * group moved; for a blind join also: missing, or less severe than `blind.severities`); `history`: only the key's history was too long to append blindly; `raced`: a
 * concurrent writer's transaction conflicted.
 */
export async function commitJoin(p: JoinPlan, quiet: boolean): Promise<JoinResult> {
  const items = [
    placedItem(p.placed),
    bumpIncident(p.incidentId, p.at, p.counters, 'open', p.blind?.severities),
    linkItem(p.incidentId, p.link, p.timeline),
    ...(p.group ? [groupPut(p.group)] : []),
    transitionAppend(p.incidentId, p.dedupKey, p.at, quiet ? p.quietLimit : undefined),
  ];
  const codes = await transact(p.kind === 'join' ? 'join incident' : 'join storm', items);
  if (!codes) return 'joined';
  const history = items.length - 1;
  if (codes[0] === CCF) return 'duplicate';
  if (codes.some((c, i) => c === CCF && i !== history)) return 'closed';
  if (codes[history] === CCF && codes.every((c, i) => i === history || c === 'None')) return 'history';
  if (codes[history] === CCF && p.kind === 'join') return 'history';
  return 'raced';
}

/**
 * A new incident with its group pointer, disposition, link, service index and key history. The
 * plan's first timeline entry (the opening, about this alert) rides on the alert's link, as a
 * join's does, when the link with it stays within a billed KB; otherwise, and for any other entry,
 * a `TL#` item (decision 0094, addendum 1).
 */
export async function commitOpen(p: Extract<Plan, { kind: 'open' }>): Promise<'opened' | 'duplicate' | 'raced'> {
  const [first, ...rest] = p.timeline;
  let link = linkItem(p.incident.id, p.link, first);
  // Dearer than its own item past 1 KB: then the link is written without it, as before.
  const onLink = first !== undefined && sizeOf(link.Put!.Item) <= BILLED_KB;
  if (!onLink) link = linkItem(p.incident.id, p.link);
  const others = onLink ? rest : p.timeline;
  try {
    await createIncident(p.incident, others, [
      groupPut(p.group),
      placedItem(p.placed),
      link,
      ...(p.serviceOpen && p.incident.serviceId ? [serviceOpenItem(p.incident.serviceId, p.incident.id, 'add')] : []),
      transitionAppend(p.incident.id, p.dedupKey, p.at),
    ]);
    return 'opened';
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    // The disposition follows the incident, its `TL#` items (those not on the link) and the group pointer.
    if (cancellationCodes(err)[1 + others.length + 1] === CCF) return 'duplicate';
    return 'raced'; // the group changed under us: go round and join
  }
}

/** The team's storm incident with its pointer. False when the pointer moved meanwhile. */
export async function commitStormOpen(p: Extract<Plan, { kind: 'storm-open' }>): Promise<boolean> {
  try {
    await createIncident(p.incident, p.timeline, [
      {
        Put: {
          TableName: tableName(),
          Item: { ...incidentKeys.stormIncident(p.teamId), type: 'StormPointer', incidentId: p.incident.id },
          ConditionExpression: p.previous ? 'incidentId = :old' : 'attribute_not_exists(pk)',
          ExpressionAttributeValues: p.previous ? { ':old': p.previous } : undefined,
        },
      },
    ]);
    return true;
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    return false;
  }
}

/** Resolve a placed alert that links to no incident. False when its disposition changed meanwhile. */
export async function commitDispositionResolved(d: Disposition, at: string): Promise<boolean> {
  return !(await transact('resolve disposition', [resolveDisposition(d, at)], firstFailed));
}

/**
 * Resolve an alert of an incident: its disposition, its link, and (a member) the open count and
 * the key's history of `incidentId` (the incident it is in now, merges followed), with a timeline
 * entry. False when the disposition changed meanwhile (resolved, or re-placed).
 */
export async function commitAlertResolved(r: {
  disposition: Disposition;
  incidentId: string;
  member: boolean;
  timeline: TimelineEntry;
  at: string;
}): Promise<boolean> {
  const d = r.disposition;
  // The timeline entry rides on the link when the link is in the incident whose timeline it joins
  // (not merged away since the alert was placed).
  const onLink = d.incidentId === r.incidentId;
  const codes = await transact(
    'resolve alert of incident',
    [
      resolveDisposition(d, r.at),
      resolveLinkItem(d.incidentId!, d.alertId, r.at, onLink ? r.timeline : undefined),
      ...(r.member
        ? [bumpIncident(r.incidentId, r.at, { open: -1 }), transitionAppend(r.incidentId, d.dedupKey, r.at)]
        : []),
      ...(onLink ? [] : [timelinePut(r.incidentId, r.timeline)]),
    ],
    firstFailed,
  );
  return !codes;
}

/** The incident a group points at (null: none yet). */
export async function groupPointer(groupHash: string): Promise<string | null> {
  const g = await guard('get group', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.group(groupHash), ConsistentRead: true }),
    ),
  );
  return (g.Item?.incidentId as string | undefined) ?? null;
}

/** The team's storm pointer and incident; the previous minute's groups only when no storm is open. */
export async function stormState(
  teamId: string,
  previousMinute: string,
): Promise<{ pointsAt: string | null; incident?: Incident; previousMinuteGroups: Set<string> }> {
  const p = await guard('get storm', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.stormIncident(teamId), ConsistentRead: true }),
    ),
  );
  const pointsAt = (p.Item?.incidentId as string | undefined) ?? null;
  const incident = pointsAt ? await getIncident(pointsAt) : undefined;
  if (incident && incident.status !== 'resolved') return { pointsAt, incident, previousMinuteGroups: new Set() };
  const previous = await guard('read storm slots', () =>
    documentClient().send(
      new GetCommand({
        TableName: tableName(),
        Key: incidentKeys.stormMinute(teamId, previousMinute),
        ConsistentRead: true,
      }),
    ),
  );
  const groups = previous.Item?.groups;
  return { pointsAt, incident, previousMinuteGroups: groups instanceof Set ? (groups as Set<string>) : new Set() };
}

/**
 * Take one of the team's slots in this minute (a string set, so duplicates of one group share a
 * slot). A reservation outside the plan's transaction, like the incident number. False: refused.
 */
export async function takeStormSlot(p: Extract<Plan, { kind: 'take-slot' }>): Promise<boolean> {
  try {
    await guard('take storm slot', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: incidentKeys.stormMinute(p.teamId, p.minute),
          UpdateExpression: 'ADD #groups :g SET expiresAt = :exp',
          ConditionExpression: 'attribute_not_exists(#groups) OR size(#groups) < :max OR contains(#groups, :gh)',
          ExpressionAttributeNames: { '#groups': 'groups' },
          ExpressionAttributeValues: {
            ':g': new Set([p.groupHash]),
            ':gh': p.groupHash,
            ':max': p.allowed,
            ':exp': p.expiresAt,
          },
        }),
      ),
    );
    return true;
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    return false;
  }
}

/** The storm incident resolved: new groups of the team open incidents of their own again. */
export async function clearStormPointer(teamId: string): Promise<void> {
  await guard('clear storm pointer', () =>
    documentClient().send(new DeleteCommand({ TableName: tableName(), Key: incidentKeys.stormIncident(teamId) })),
  );
}

/** Register a firing alert as a source in each of its inhibit rules' buckets. */
/**
 * Inhibitor buckets (decision 0092): each source alert has an item of its own in its bucket
 * (`INHIB#<rule>#<key>` / `<alertId>`, marked `counted`) and the bucket's `#SOURCES` item counts
 * them, moved in the same transaction as the source item, conditional on it (so a redelivered
 * registration or removal counts nothing twice). A target reads the count (batched with its group
 * pointer) and queries the bucket only when a source fires.
 */
export async function registerInhibitor(keys: InhibitorKey[], alertId: string, at: string): Promise<void> {
  for (const { ruleId, key } of keys)
    await transact(
      'register inhibitor',
      [
        {
          Put: {
            TableName: tableName(),
            Item: { ...incidentKeys.inhibitor(ruleId, key, alertId), type: 'Inhibitor', alertId, at, counted: true },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        bucketCount(ruleId, key, 1),
      ],
      firstFailed, // registered already
    );
}

export async function removeInhibitor(keys: InhibitorKey[], alertId: string): Promise<void> {
  for (const { ruleId, key } of keys) {
    const source = incidentKeys.inhibitor(ruleId, key, alertId);
    const codes = await transact(
      'remove inhibitor',
      [
        {
          Delete: {
            TableName: tableName(),
            Key: source,
            ConditionExpression: 'counted = :t',
            ExpressionAttributeValues: { ':t': true },
          },
        },
        bucketCount(ruleId, key, -1),
      ],
      firstFailed, // removed already, or an item the count never included (deleted alone)
    );
    if (codes)
      await guard('remove inhibitor', () =>
        documentClient().send(new DeleteCommand({ TableName: tableName(), Key: source })),
      );
  }
}

function bucketCount(ruleId: string, key: string, by: 1 | -1): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.inhibitorBucket(ruleId, key),
      UpdateExpression: 'ADD sources :by SET #t = :type',
      ExpressionAttributeNames: { '#t': 'type' },
      ExpressionAttributeValues: { ':by': by, ':type': 'InhibitorBucket' },
    },
  };
}

/** The first firing source alert (other than `alertId`) in a bucket with sources counted. */
async function firstSource(ruleId: string, key: string, alertId: string): Promise<string | undefined> {
  const r = await guard('find inhibitor', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#t = :type AND alertId <> :self',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: {
          ':pk': incidentKeys.inhibitorBucket(ruleId, key).pk,
          ':type': 'Inhibitor',
          ':self': alertId,
        },
        ConsistentRead: true,
        Limit: 5,
      }),
    ),
  );
  return r.Items?.[0]?.alertId as string | undefined;
}

/** The first source found in these buckets, given their `#SOURCES` items as read. */
async function inhibitorIn(
  targets: InhibitorKey[],
  buckets: Array<Record<string, unknown>>,
  alertId: string,
): Promise<{ alertId: string; ruleId: string } | undefined> {
  const counted = new Map(buckets.map((b) => [String(b.pk), Number(b.sources ?? 0)]));
  for (const { ruleId, key } of targets) {
    if (!((counted.get(incidentKeys.inhibitorBucket(ruleId, key).pk) ?? 0) > 0)) continue;
    const source = await firstSource(ruleId, key, alertId);
    if (source) return { alertId: source, ruleId };
  }
  return undefined;
}

/** The first firing source alert (other than `alertId`) in the buckets an alert is a target of. */
export async function findInhibitor(
  targets: InhibitorKey[],
  alertId: string,
): Promise<{ alertId: string; ruleId: string } | undefined> {
  if (!targets.length) return undefined;
  const buckets = await getItems(
    'find inhibitor',
    targets.map((t) => incidentKeys.inhibitorBucket(t.ruleId, t.key)),
  );
  return inhibitorIn(targets, buckets, alertId);
}

/**
 * The group's pointer and the inhibitor buckets' counts in one consistent BatchGetItem (one
 * request per new alert instead of a GetItem and a Query); a bucket with sources is then queried.
 */
export async function groupAndInhibitor(
  groupHash: string,
  targets: InhibitorKey[],
  alertId: string,
): Promise<{ pointsAt: string | null; inhibitor?: { alertId: string; ruleId: string } }> {
  const group = incidentKeys.group(groupHash);
  const items = await getItems('get group and inhibitors', [
    group,
    ...targets.map((t) => incidentKeys.inhibitorBucket(t.ruleId, t.key)),
  ]);
  const g = items.find((i) => i.pk === group.pk && i.sk === group.sk);
  return {
    pointsAt: (g?.incidentId as string | undefined) ?? null,
    inhibitor: await inhibitorIn(
      targets,
      items.filter((i) => i !== g),
      alertId,
    ),
  };
}

/** The first of `serviceIds` (nearest first) with an open incident, and its oldest one. */
export async function openUpstreamIncident(
  serviceIds: string[],
): Promise<{ serviceId: string; incidentId: string } | undefined> {
  for (const up of serviceIds) {
    const ids = await openIncidentIdsForService(up);
    if (ids.length) return { serviceId: up, incidentId: ids.sort()[0]! };
  }
  return undefined;
}

/** The alerts linked to an incident (members and related), with their labels. */
export async function incidentLinks(incidentId: string): Promise<LinkValue[]> {
  const r = await guard('incident alerts', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': incidentKeys.incident(incidentId).pk, ':a': incidentKeys.linkPrefix() },
        ConsistentRead: true,
      }),
    ),
  );
  return (r.Items ?? []) as LinkValue[];
}

/** A related alert was placed on its own when its upstream incident resolved. */
export async function markLinkMoved(incidentId: string, alertId: string, to: string, at: string): Promise<void> {
  await guard('mark moved alert', () =>
    documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: incidentKeys.link(incidentId, alertId),
        UpdateExpression: 'SET movedTo = :to, movedAt = :at',
        ExpressionAttributeValues: { ':to': to, ':at': at },
      }),
    ),
  );
}

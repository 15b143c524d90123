// The incident engine's decision with plain values: staged loading, every plan, the values it
// commits. No store, no clock, no ids minted (they are passed in).
import type { AlertSnapshot } from '../../../events/alerts';
import {
  correlateInto,
  decide,
  groupWindowStart,
  needsReview,
  placementFacts,
  reopenJoin,
  reviewChange,
  type PlacementFacts,
  type PlacementSnapshot,
  type Plan,
} from '../../../shared/domain/incidents/decide';
import {
  announceChange,
  autoResolve,
  flapRelease,
  inhibitedAtAnnounce,
} from '../../../shared/domain/incidents/engine-changes';
import type { Incident } from '../../../shared/domain/incidents/model';
import { rulesetSchema, type Ruleset } from '../../../shared/domain/incidents/rules';
import type { MaintenanceWindow, Silence } from '../../../shared/domain/incidents/silences';
import type { Service } from '../../../shared/domain/services';

const now = new Date('2026-11-21T03:00:30Z');
const at = now.toISOString();

const rules: Ruleset = rulesetSchema.parse({
  inhibitRules: [
    {
      id: 'node-down',
      name: 'node down mutes its disks',
      sourceMatchers: [{ label: 'alertname', op: '=', value: 'NodeDown' }],
      targetMatchers: [{ label: 'alertname', op: '=', value: 'DiskFull' }],
      equal: ['instance'],
    },
  ],
  storm: { maxIncidentsPerMinute: 2 },
});

const service = (id: string, dependsOn: string[] = []): Service => ({
  id,
  name: `${id} service`,
  teamId: 'team-db',
  tier: 3,
  slaTarget: 99.9,
  dependsOn,
  version: 1,
  createdAt: at,
  updatedAt: at,
});
const services = new Map([
  ['db', service('db', ['storage'])],
  ['storage', service('storage')],
]);

function alert(over: Partial<AlertSnapshot> = {}): AlertSnapshot {
  return {
    id: 'alert-1',
    integrationId: 'int-1',
    source: 'alertmanager',
    dedupKey: 'dk-1',
    status: 'firing',
    severity: 'critical',
    summary: 'Disk full on db-1',
    service: 'db',
    labels: { alertname: 'DiskFull', instance: 'db-1' },
    links: [],
    startsAt: '2026-11-21T03:00:00Z',
    count: 1,
    firstReceivedAt: at,
    lastReceivedAt: at,
    revision: 1,
    ...over,
  };
}

const facts = (over: Partial<AlertSnapshot> = {}, replaces?: string): PlacementFacts =>
  placementFacts(alert(over), rules, services, now, replaces);

const silence: Silence = {
  id: 'sil-1',
  matchers: [{ label: 'instance', op: '=', value: 'db-1' }],
  startsAt: '2026-11-21T00:00:00Z',
  endsAt: '2026-11-22T00:00:00Z',
  comment: 'known issue',
  createdBy: 't',
  createdAt: '2026-11-21T00:00:00Z',
};
const maintenance = {
  id: 'mw-1',
  kind: 'one-off',
  serviceId: 'db',
  name: 'upgrade',
  startsAt: '2026-11-21T02:00:00Z',
  endsAt: '2026-11-21T04:00:00Z',
  createdBy: 't',
  createdAt: 'x',
} as unknown as MaintenanceWindow;

const empty: PlacementSnapshot = { silences: [], maintenance: [] };
const loaded: PlacementSnapshot = { ...empty, related: {} };
const grouping = { groupWaitSeconds: 30, groupIntervalSeconds: 300, autoResolve: true, reopenWindowMinutes: 30 };

function incident(over: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    number: 7,
    title: 'db service: DiskFull',
    status: 'triggered',
    severity: 'P3',
    serviceId: 'db',
    teamId: 'team-db',
    detectedAt: '2026-11-21T02:50:00Z',
    openedAt: '2026-11-21T02:50:00Z',
    alertCount: 2,
    openAlertCount: 1,
    relatedAlertCount: 0,
    flapping: false,
    storm: false,
    mergedFrom: [],
    routeId: 'default',
    groupKey: 'service=db,alertname=DiskFull',
    groupHash: 'gh',
    grouping,
    revision: 3,
    ...over,
  };
}

const kind = (p: Plan) => p.kind;

describe('placementFacts', () => {
  it('routes the alert, rates its severity and lists its upstream services', () => {
    const f = facts();
    expect(f.decision).toMatchObject({ routeId: 'default', serviceId: 'db', teamId: 'team-db' });
    expect(f.severity).toBe('P1');
    expect(f.upstreamServices).toEqual(['storage']);
    expect(f.serviceName).toBe('db service');
    expect(f.at).toBe(at);
  });
});

describe('groupWindowStart', () => {
  it("starts a new incident's group window at the alert's receipt, not when the engine got to it", () => {
    expect(groupWindowStart(facts({ lastReceivedAt: '2026-11-21T03:00:29.150Z' })).toISOString()).toBe(
      '2026-11-21T03:00:29.150Z',
    );
  });

  it('never starts later than now, and starts now for a re-placed alert or an unknown receipt', () => {
    expect(groupWindowStart(facts({ lastReceivedAt: '2026-11-21T03:00:31Z' }))).toEqual(now);
    expect(groupWindowStart(facts({ lastReceivedAt: '2026-11-21T02:00:00Z' }, 'upstream-incident'))).toEqual(now);
    expect(groupWindowStart({ ...facts(), alert: { ...facts().alert, lastReceivedAt: undefined } })).toEqual(now);
  });
});

describe('decide: silence, maintenance, inhibition, correlation', () => {
  it('silences first, before maintenance, and loads nothing more', () => {
    const p = decide(facts(), { silences: [silence], maintenance: [maintenance] });
    expect(p).toEqual({
      kind: 'silenced',
      reason: 'silenced by sil-1 (known issue)',
      placed: {
        disposition: {
          alertId: 'alert-1',
          integrationId: 'int-1',
          dedupKey: 'dk-1',
          at,
          kind: 'silenced',
          silenceId: 'sil-1',
          reason: 'silenced by sil-1 (known issue)',
        },
        replaces: undefined,
      },
    });
  });

  it('silences a service in its maintenance window', () => {
    const p = decide(facts(), { silences: [], maintenance: [maintenance] });
    expect(p.kind).toBe('silenced');
    expect(p.kind === 'silenced' && p.placed.disposition).toMatchObject({ maintenanceId: 'mw-1' });
  });

  it('asks for inhibition and dependencies next: buckets to register in, to look up, upstream services', () => {
    const target = decide(facts(), empty);
    expect(target).toMatchObject({ kind: 'load-related', register: [], upstreamServices: ['storage'] });
    expect(target.kind === 'load-related' && target.lookup.map((k) => k.ruleId)).toEqual(['node-down']);
    const source = decide(facts({ labels: { alertname: 'NodeDown', instance: 'db-1' } }), empty);
    expect(source.kind === 'load-related' && source.register.map((k) => k.ruleId)).toEqual(['node-down']);
    expect(source.kind === 'load-related' && source.lookup).toEqual([]);
    // The same `equal` labels give the same bucket for source and target.
    expect(source.kind === 'load-related' && target.kind === 'load-related' && source.register[0]!.key).toBe(
      target.kind === 'load-related' && target.lookup[0]!.key,
    );
  });

  it('inhibits when a source fires, unless a silence applies first', () => {
    const related = { inhibitor: { alertId: 'node-1', ruleId: 'node-down' } };
    const p = decide(facts(), { ...empty, related });
    expect(p.kind).toBe('inhibited');
    expect(p.kind === 'inhibited' && p.placed.disposition).toMatchObject({
      kind: 'inhibited',
      inhibitedBy: 'node-1',
      ruleId: 'node-down',
      reason: 'inhibited by alert node-1 (rule node-down)',
    });
    expect(decide(facts(), { ...empty, silences: [silence], related }).kind).toBe('silenced');
  });

  it('correlates to an open upstream incident, but never again to the one it is re-placed from', () => {
    const related = { upstream: { serviceId: 'storage', incidentId: 'inc-up' } };
    expect(decide(facts(), { ...empty, related })).toEqual({
      kind: 'correlated',
      incidentId: 'inc-up',
      reason: 'upstream storage has incident open',
    });
    expect(decide(facts({}, 'inc-up'), { ...empty, related })).toEqual({
      kind: 'load-group',
      groupHash: expect.any(String),
    });
  });

  it('names the resolved upstream in the disposition of a re-placed alert, and replaces only that correlation', () => {
    const p = decide(facts({}, 'inc-up'), { silences: [silence], maintenance: [] });
    expect(p.kind === 'silenced' && p.placed).toEqual({
      disposition: expect.objectContaining({
        reason: 'upstream incident inc-up resolved while it still fired; silenced by sil-1 (known issue)',
      }),
      replaces: 'inc-up',
    });
  });
});

describe('decide: the group', () => {
  const f = facts();

  it('joins the open incident of its group atomically, with the incident as read', () => {
    const current = incident();
    const p = decide(f, { ...loaded, group: { pointsAt: 'inc-1', current } });
    expect(p).toMatchObject({
      kind: 'join',
      incidentId: 'inc-1',
      known: current,
      counters: { alerts: 1, open: 1 },
      dedupKey: 'dk-1',
      quietLimit: rules.flapping.transitions,
      outcome: 'joined',
      placed: { disposition: { kind: 'incident', incidentId: 'inc-1', reason: `grouped by ${f.decision.groupKey}` } },
      link: { alertId: 'alert-1', relation: 'member', status: 'firing', joinedAt: at, labels: f.labels },
      timeline: {
        kind: 'alert',
        message: 'Alert joined: Disk full on db-1',
        actor: { type: 'rule', id: 'route:default' },
      },
    });
    expect(p.kind === 'join' && p.group).toBeUndefined();
  });

  it('with only the pointer read, joins blind: conditional on the incident being at least as severe', () => {
    const p = decide(f, { ...loaded, group: { pointsAt: 'inc-1', unread: true } });
    expect(p).toMatchObject({ kind: 'join', incidentId: 'inc-1', counters: { alerts: 1, open: 1 }, outcome: 'joined' });
    expect(p.kind === 'join' && p.known).toBeUndefined();
    expect(p.kind === 'join' && p.blind).toEqual({
      severities: ['P1', 'P2', 'P3', 'P4', 'P5'].filter((s) => s <= f.severity),
    });
    // Refused, the incident is read: an ordinary join with the incident as read, no condition on it.
    const read = decide(f, { ...loaded, group: { pointsAt: 'inc-1', current: incident() } });
    expect(read.kind === 'join' && read.blind).toBeUndefined();
    // A group pointing nowhere opens, as before (behind the storm guard).
    expect(kind(decide(f, { ...loaded, group: { pointsAt: null, unread: true } }))).toBe('load-storm');
  });

  it('follows a merge: the group points at the merged incident, the join goes to its target', () => {
    const target = incident({ id: 'inc-target' });
    expect(decide(f, { ...loaded, group: { pointsAt: 'inc-merged', current: target } })).toMatchObject({
      kind: 'join',
      incidentId: 'inc-target',
    });
  });

  it('reopens a resolved incident within its reopen window, and opens a new one after it', () => {
    const within = incident({ status: 'resolved', resolvedAt: '2026-11-21T02:40:00Z' });
    expect(decide(f, { ...loaded, group: { pointsAt: 'inc-1', current: within } })).toEqual({
      kind: 'reopen',
      incidentId: 'inc-1',
    });
    const after = incident({ status: 'resolved', resolvedAt: '2026-11-21T02:20:00Z' });
    expect(decide(f, { ...loaded, group: { pointsAt: 'inc-1', current: after } })).toEqual({
      kind: 'load-storm',
      teamId: 'team-db',
      previousMinute: '2026-11-21T02:59',
    });
  });

  it('never reopens a storm incident or a merged one', () => {
    for (const current of [
      incident({ status: 'resolved', resolvedAt: '2026-11-21T02:59:00Z', storm: true }),
      incident({ status: 'resolved', resolvedAt: '2026-11-21T02:59:00Z', mergedInto: 'inc-9' }),
    ])
      expect(kind(decide(f, { ...loaded, group: { pointsAt: 'inc-1', current } }))).toBe('load-storm');
  });
});

describe('decide: a new group behind the storm guard', () => {
  const f = facts();
  const group = { pointsAt: null, current: undefined };
  const quietStorm = { pointsAt: null, previousMinuteGroups: new Set<string>() };

  it('takes a slot in the minute, counting the previous minute’s other groups', () => {
    expect(decide(f, { ...loaded, group, storm: quietStorm })).toEqual({
      kind: 'take-slot',
      teamId: 'team-db',
      minute: '2026-11-21T03:00',
      groupHash: f.decision.groupHash,
      allowed: 2,
      expiresAt: Math.floor(now.getTime() / 1000) + 86400,
    });
    const busy = { ...quietStorm, previousMinuteGroups: new Set(['other', f.decision.groupHash]) };
    expect(decide(f, { ...loaded, group, storm: busy })).toMatchObject({ kind: 'take-slot', allowed: 1 });
  });

  it('with a slot, asks for ids, then opens the incident with everything it writes', () => {
    expect(decide(f, { ...loaded, group, storm: quietStorm, slot: 'taken' })).toEqual({ kind: 'mint-ids' });
    const p = decide(f, {
      ...loaded,
      group: { pointsAt: 'inc-old', current: undefined },
      storm: quietStorm,
      slot: 'taken',
      ids: { incidentId: 'inc-new', number: 42 },
    });
    expect(p).toMatchObject({
      kind: 'open',
      incident: {
        id: 'inc-new',
        number: 42,
        title: 'db service: DiskFull',
        status: 'triggered',
        severity: 'P1',
        serviceId: 'db',
        teamId: 'team-db',
        detectedAt: '2026-11-21T03:00:00Z',
        openedAt: at,
        alertCount: 1,
        openAlertCount: 1,
        lastTransitionAt: at,
        flapping: false,
        storm: false,
        revision: 1,
      },
      group: { incidentId: 'inc-new', previous: 'inc-old', groupHash: f.decision.groupHash },
      placed: { disposition: { kind: 'incident', incidentId: 'inc-new' } },
      serviceOpen: true,
    });
    expect(p.kind === 'open' && p.timeline[0]!.message).toBe(
      'Opened for Disk full on db-1; routed by default route to team-db; severity P1 (source severity critical)',
    );
  });

  it('collapses into the open storm incident, moving the group pointer to it', () => {
    const storm = incident({ id: 'inc-storm', storm: true, stormSize: 3 });
    const p = decide(f, {
      ...loaded,
      group,
      storm: { pointsAt: 'inc-storm', incident: storm, previousMinuteGroups: [] },
    });
    expect(p).toMatchObject({
      kind: 'storm-join',
      incidentId: 'inc-storm',
      known: storm,
      counters: { alerts: 1, open: 1, storm: 1 },
      group: { incidentId: 'inc-storm', previous: null },
      outcome: 'storm',
      placed: { disposition: { reason: `storm guard: group ${f.decision.groupKey} collapsed` } },
    });
  });

  it('past the limit (or with its slot refused) opens the team’s storm incident first', () => {
    const full = { pointsAt: 'inc-old-storm', previousMinuteGroups: ['a', 'b'] };
    expect(decide(f, { ...loaded, group, storm: full })).toEqual({ kind: 'mint-ids' });
    expect(decide(f, { ...loaded, group, storm: quietStorm, slot: 'refused' })).toEqual({ kind: 'mint-ids' });
    const p = decide(f, { ...loaded, group, storm: full, ids: { incidentId: 'inc-storm', number: 9 } });
    expect(p).toMatchObject({
      kind: 'storm-open',
      teamId: 'team-db',
      previous: 'inc-old-storm',
      incident: {
        id: 'inc-storm',
        number: 9,
        storm: true,
        stormSize: 0,
        alertCount: 0,
        groupKey: 'storm:team-db',
        grouping: { autoResolve: true },
        title: 'Alert storm: team team-db is getting more than 2 new incidents a minute',
      },
    });
  });
});

describe('decide: staged loading from nothing to a plan', () => {
  it('asks for exactly what it needs, in order, for a new group with room in the minute', () => {
    const f = facts();
    let s: PlacementSnapshot = empty;
    const asked: string[] = [];
    let plan = decide(f, s);
    for (let step = 0; step < 10 && !['open', 'join', 'storm-join', 'storm-open'].includes(plan.kind); step++) {
      asked.push(plan.kind);
      if (plan.kind === 'load-related') s = { ...s, related: {} };
      else if (plan.kind === 'load-group') s = { ...s, group: { pointsAt: null } };
      else if (plan.kind === 'load-storm') s = { ...s, storm: { pointsAt: null, previousMinuteGroups: [] } };
      else if (plan.kind === 'take-slot') s = { ...s, slot: 'taken' };
      else if (plan.kind === 'mint-ids') s = { ...s, ids: { incidentId: 'inc-new', number: 1 } };
      plan = decide(f, s);
    }
    expect(asked).toEqual(['load-related', 'load-group', 'load-storm', 'take-slot', 'mint-ids']);
    expect(plan.kind).toBe('open');
  });

  it('a join asks for no storm state and mints nothing', () => {
    const f = facts();
    const s: PlacementSnapshot = { ...loaded, group: { pointsAt: 'inc-1', current: incident() } };
    expect(decide(f, s).kind).toBe('join');
  });
});

describe('incident changes the engine applies', () => {
  const f = facts();

  it('correlateInto counts the related alert, links it and records the disposition', () => {
    const m = correlateInto(incident({ id: 'inc-up' }), f, 'upstream storage has incident open')!;
    expect(m.incident.relatedAlertCount).toBe(1);
    expect(m.effects).toMatchObject({
      placed: { disposition: { kind: 'correlated', incidentId: 'inc-up' } },
      link: { relation: 'related', reason: 'correlated: upstream storage has incident open' },
    });
    expect(correlateInto(incident({ status: 'resolved' }), f, 'x')).toBeUndefined();
  });

  it('reopenJoin reopens within the window, joins, raises severity and re-adds the service index', () => {
    const cur = incident({
      status: 'resolved',
      resolvedAt: '2026-11-21T02:45:00Z',
      notifiedAt: '2026-11-21T02:51:00Z',
    });
    const m = reopenJoin(cur, [], f)!;
    expect(m.incident).toMatchObject({ status: 'triggered', alertCount: 3, openAlertCount: 2, severity: 'P1' });
    expect(m.incident.resolvedAt).toBeUndefined();
    expect(m.timeline!.map((e) => e.kind)).toEqual(['reopened', 'alert', 'severity']);
    expect(m.change).toMatchObject({ kind: 'reopened', notify: true });
    expect(m.effects).toMatchObject({ serviceOpen: 'add', keyChange: 'dk-1', link: { relation: 'member' } });
  });

  it('reopenJoin holds the reopen notification when the key starts flapping', () => {
    const cur = incident({
      status: 'resolved',
      resolvedAt: '2026-11-21T02:59:00Z',
      notifiedAt: '2026-11-21T02:51:00Z',
    });
    const history = ['2026-11-21T02:56:00Z', '2026-11-21T02:57:00Z', '2026-11-21T02:58:00Z', '2026-11-21T02:59:00Z'];
    const m = reopenJoin(cur, history, f)!;
    expect(m.incident.flapping).toBe(true);
    expect(m.change).toMatchObject({ kind: 'reopened', notify: false });
  });

  it('reopenJoin leaves alone an incident that is open again, a storm, a merged one, or one past its window', () => {
    expect(reopenJoin(incident(), [], f)).toBeUndefined();
    const resolved = { status: 'resolved' as const, resolvedAt: '2026-11-21T02:59:00Z' };
    expect(reopenJoin(incident({ ...resolved, storm: true }), [], f)).toBeUndefined();
    expect(reopenJoin(incident({ ...resolved, mergedInto: 'x' }), [], f)).toBeUndefined();
    expect(reopenJoin(incident({ ...resolved, resolvedAt: '2026-11-21T02:00:00Z' }), [], f)).toBeUndefined();
  });

  it('reviewChange raises severity (an event once announced) and starts flapping', () => {
    const cfg = rules.flapping;
    const cur = incident({ notifiedAt: '2026-11-21T02:51:00Z' });
    expect(needsReview(cur, [], cfg)).toBe(false);
    expect(needsReview(cur, [], cfg, { severity: 'P1' })).toBe(true);
    expect(needsReview(cur, ['a', 'b', 'c', 'd', 'e'], cfg)).toBe(true);
    const raised = reviewChange(cur, [], cfg, at, { severity: 'P1', reason: 'because' });
    expect(raised.incident.severity).toBe('P1');
    expect(raised.change).toMatchObject({ kind: 'severityChanged', notify: true, reason: 'because' });
    const flapping = reviewChange(cur, ['a', 'b', 'c', 'd', 'e'], cfg, at);
    expect(flapping.incident.flapping).toBe(true);
    expect(flapping.change).toBeUndefined();
    expect(flapping.timeline!.map((e) => e.kind)).toEqual(['flapping']);
  });
});

describe('changes the engine makes on its own', () => {
  it('announces once the group window closes, held while flapping, never twice or after resolving', () => {
    const m = announceChange(incident(), at)!;
    expect(m.incident.notifiedAt).toBe(at);
    expect(m.change).toMatchObject({
      kind: 'opened',
      notify: true,
      reason: 'group window of 30s closed with 2 alert(s)',
    });
    expect(announceChange(incident({ flapping: true }), at)!.change!.notify).toBe(false);
    expect(announceChange(incident({ storm: true, stormSize: 12 }), at)!.change!.reason).toBe(
      'storm guard collapsed 12 incidents',
    );
    expect(announceChange(incident({ notifiedAt: at }), at)).toBeUndefined();
    expect(announceChange(incident({ status: 'resolved' }), at)).toBeUndefined();
  });

  it('resolves an incident inhibited at announce time without an event', () => {
    const m = inhibitedAtAnnounce(incident(), { alertId: 'node-1', ruleId: 'node-down' }, at)!;
    expect(m.incident.status).toBe('resolved');
    expect(m.change).toBeUndefined();
    expect(m.timeline![0]!.reason).toBe('inhibited by alert node-1 (rule node-down)');
  });

  it('auto-resolves when no alert is open, and drops the service index entry', () => {
    expect(autoResolve(incident(), at)).toBeUndefined();
    const m = autoResolve(incident({ openAlertCount: 0, notifiedAt: at }), at)!;
    expect(m.incident).toMatchObject({ status: 'resolved', resolvedBy: { id: 'auto-resolve' } });
    expect(m.change).toMatchObject({ kind: 'resolved', notify: true, reason: 'all 2 alert(s) resolved' });
    expect(m.effects).toEqual({ serviceOpen: 'remove' });
  });

  it('releases flapping after K stable minutes, with the state people missed', () => {
    const flapping = incident({ flapping: true, flapStableMinutes: 15, lastTransitionAt: '2026-11-21T02:50:00Z' });
    expect(flapRelease(flapping, now)).toBeUndefined();
    const later = new Date('2026-11-21T03:05:00Z');
    const quiet = flapRelease(flapping, later)!;
    expect(quiet.incident).toMatchObject({ flapping: false, transitionsResetAt: later.toISOString() });
    expect(quiet.change).toBeUndefined();
    const heard = flapRelease({ ...flapping, notifiedAt: at, status: 'resolved' }, later)!;
    expect(heard.change).toMatchObject({ kind: 'resolved', notify: true, reason: 'flapping stopped' });
    expect(flapRelease(incident(), later)).toBeUndefined();
  });
});

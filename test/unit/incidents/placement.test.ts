// The placement rules with plain values: every branch, no store, no clock.
import { groupPlan, quietPlan, stormPlan, type QuietSnapshot } from '../../../shared/domain/incidents/placement';
import {
  isStable,
  keyHistory,
  quietHistoryLimit,
  recordFlap,
  recordTransition,
  trimHistory,
} from '../../../shared/domain/incidents/flapping';
import type { Incident } from '../../../shared/domain/incidents/model';
import type { Silence, MaintenanceWindow } from '../../../shared/domain/incidents/silences';

const now = new Date('2026-11-21T03:00:00Z');
const silence: Silence = {
  id: 'sil-1',
  matchers: [{ label: 'alertname', op: '=', value: 'Noisy' }],
  startsAt: '2026-11-21T00:00:00Z',
  endsAt: '2026-11-22T00:00:00Z',
  comment: 'known issue',
  createdBy: 't',
  createdAt: '2026-11-21T00:00:00Z',
};
const mw = {
  id: 'mw-1',
  kind: 'one-off',
  serviceId: 'db',
  name: 'upgrade',
  startsAt: '2026-11-21T02:00:00Z',
  endsAt: '2026-11-21T04:00:00Z',
  createdBy: 't',
  createdAt: 'x',
} as unknown as MaintenanceWindow;
const base: QuietSnapshot = {
  labels: { alertname: 'Disk', service: 'db' },
  serviceId: 'db',
  silences: [silence],
  maintenance: [],
};
const grouping = { groupWaitSeconds: 30, groupIntervalSeconds: 300, autoResolve: true, reopenWindowMinutes: 30 };

describe('quietPlan', () => {
  it('silences an alert a silence matches, before anything else', () => {
    const plan = quietPlan(
      { ...base, labels: { alertname: 'Noisy' }, inhibitor: { alertId: 'a', ruleId: 'r' }, maintenance: [mw] },
      now,
    );
    expect(plan).toEqual({ kind: 'silenced', silenceId: 'sil-1', reason: 'silenced by sil-1 (known issue)' });
  });

  it('silences a service in its maintenance window, and not after it', () => {
    expect(quietPlan({ ...base, maintenance: [mw] }, now)).toEqual({
      kind: 'silenced',
      maintenanceId: 'mw-1',
      reason: 'maintenance window mw-1 (upgrade) on db',
    });
    expect(quietPlan({ ...base, maintenance: [mw] }, new Date('2026-11-21T04:00:01Z'))).toBeUndefined();
  });

  it('inhibits a target whose source fires (source first; the target-first order is decided at announce time)', () => {
    expect(quietPlan({ ...base, inhibitor: { alertId: 'host-down', ruleId: 'host-down-rule' } }, now)).toEqual({
      kind: 'inhibited',
      inhibitedBy: 'host-down',
      ruleId: 'host-down-rule',
      reason: 'inhibited by alert host-down (rule host-down-rule)',
    });
  });

  it('correlates to an open upstream incident, but never again to the one it is re-placed from', () => {
    const upstream = { serviceId: 'db', incidentId: 'inc-up' };
    expect(quietPlan({ ...base, upstream }, now)).toEqual({
      kind: 'correlated',
      incidentId: 'inc-up',
      reason: 'upstream db has incident open',
    });
    expect(quietPlan({ ...base, upstream, replaces: 'inc-up' }, now)).toBeUndefined();
  });

  it('leaves an alert nothing explains to grouping', () => {
    expect(quietPlan(base, now)).toBeUndefined();
  });
});

describe('groupPlan', () => {
  const inc = (over: object) => ({ id: 'inc-1', status: 'triggered' as const, storm: false, grouping, ...over });

  it('opens a new incident for a group with none', () => {
    expect(groupPlan(undefined, null, now)).toEqual({ kind: 'open', previousIncidentId: null });
  });

  it('joins the group’s open incident', () => {
    expect(groupPlan(inc({ status: 'acknowledged' }), 'inc-1', now)).toEqual({ kind: 'join', incidentId: 'inc-1' });
  });

  it('reopens within the reopen window, opens a new one after it', () => {
    expect(groupPlan(inc({ status: 'resolved', resolvedAt: '2026-11-21T02:40:00Z' }), 'inc-1', now)).toEqual({
      kind: 'reopen',
      incidentId: 'inc-1',
    });
    expect(groupPlan(inc({ status: 'resolved', resolvedAt: '2026-11-21T02:29:59Z' }), 'inc-1', now)).toEqual({
      kind: 'open',
      previousIncidentId: 'inc-1',
    });
  });

  it('never reopens a merged incident or a resolved storm incident', () => {
    expect(
      groupPlan(inc({ status: 'resolved', resolvedAt: '2026-11-21T02:59:00Z', mergedInto: 'x' }), 'inc-1', now).kind,
    ).toBe('open');
    expect(
      groupPlan(inc({ status: 'resolved', resolvedAt: '2026-11-21T02:59:00Z', storm: true }), 'storm-1', now),
    ).toEqual({ kind: 'open', previousIncidentId: 'storm-1' });
  });
});

describe('stormPlan', () => {
  it('sends every new group to the open storm incident', () => {
    expect(
      stormPlan({ stormOpen: true, previousMinuteGroups: [], groupHash: 'g', maxIncidentsPerMinute: 5 }).kind,
    ).toBe('storm-join');
  });

  it('counts the previous minute’s other groups against the limit', () => {
    expect(
      stormPlan({ stormOpen: false, previousMinuteGroups: ['a', 'b'], groupHash: 'g', maxIncidentsPerMinute: 5 }),
    ).toEqual({ kind: 'take-slot', allowed: 3 });
    expect(
      stormPlan({ stormOpen: false, previousMinuteGroups: ['a', 'b', 'g'], groupHash: 'g', maxIncidentsPerMinute: 3 }),
    ).toEqual({ kind: 'take-slot', allowed: 1 });
    expect(
      stormPlan({ stormOpen: false, previousMinuteGroups: ['a', 'b', 'c'], groupHash: 'g', maxIncidentsPerMinute: 3 })
        .kind,
    ).toBe('storm-join');
  });
});

describe('flapping', () => {
  const cfg = { transitions: 4, windowMinutes: 10, stableMinutes: 15 };
  it('flaps past N changes within M minutes, and is stable again after K quiet minutes', () => {
    let history: string[] = [];
    let flapping = false;
    for (let i = 0; i < 5; i++)
      ({ history, flapping } = recordTransition(history, new Date(now.getTime() + i * 60_000), cfg));
    expect(flapping).toBe(true);
    expect(recordTransition([], now, cfg).flapping).toBe(false);
    const last = history.at(-1)!;
    expect(isStable(last, new Date(Date.parse(last) + 14 * 60_000), cfg)).toBe(false);
    expect(isStable(last, new Date(Date.parse(last) + 15 * 60_000), cfg)).toBe(true);
  });
  it('keeps each key apart from the incident: changes before the last reset do not count', () => {
    const minutes = (m: number) => new Date(now.getTime() + m * 60_000).toISOString();
    const history = [minutes(-3), minutes(-2), minutes(-1), minutes(0)];
    const incident = { flapping: false } as Incident;
    // Four changes recorded, a fifth flaps (N = 4)...
    const flapped = recordFlap(incident, history, new Date(minutes(1)), cfg);
    expect(flapped).toMatchObject({
      startedFlapping: true,
      incident: { flapping: true, lastTransitionAt: minutes(1) },
    });
    expect(flapped.history).toHaveLength(5);
    expect(flapped.timeline.map((e) => e.kind)).toEqual(['flapping']);
    // ...unless the incident became stable after the second of them.
    const reset = { ...incident, transitionsResetAt: minutes(-2) };
    expect(keyHistory(history, reset.transitionsResetAt)).toEqual([minutes(-1), minutes(0)]);
    expect(recordFlap(reset, history, new Date(minutes(1)), cfg).startedFlapping).toBe(false);
  });
  it('appends blindly only while one more change can neither flap nor need a trim', () => {
    const limit = quietHistoryLimit(cfg);
    const times = Array.from({ length: limit - 1 }, (_, i) => new Date(now.getTime() + i * 1000).toISOString());
    expect(recordTransition(times, new Date(now.getTime() + 60_000), cfg).flapping).toBe(false);
    expect(trimHistory([...times, now.toISOString()], now, cfg)).toHaveLength(limit);
    const old = new Date(now.getTime() - 11 * 60_000).toISOString();
    expect(trimHistory([old, ...times], now, cfg)).toEqual(times);
  });
});

// The incident engine against DynamoDB Local, with an injected clock: grouping windows,
// auto-resolve and reopen, silences, maintenance, inhibition, dependency correlation,
// flapping, storms, and concurrency.
import { announce, mergeInto, onAlertOpened, onAlertResolved } from '../../shared/app/incidents/engine';
import { getDisposition } from '../../shared/store/dispositions';
import { StoreUnavailableError } from '../../shared/store/errors';
import { inhibitorKeys } from '../../shared/domain/incidents/decide';
import { matchLabels } from '../../shared/domain/incidents/labels';
import { commitOpen, registerInhibitor, removeInhibitor } from '../../shared/store/incident-plans';
import { getRules } from '../../shared/store/rules';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { addDynamoClientConfigurer, documentClient, tableName } from '../../shared/store/client';
import { incidentKeys } from '../../shared/store/keys';
import { sizeOf } from '../../shared/store/item-size';
import { countInhibitorSources } from '../../shared/store/migrations';
import { getIncident, getIncidentDetail } from '../../shared/store/incidents';
import { invalidateQuietRules, maintenanceWindows, silences } from '../../shared/store/silences';
import { at, givenServicePair, givenServices, resolvedOf, setRules, snap, sweepAt } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

const T = '2026-11-21T03:00:00.000Z';

/** Every item of an incident's partition, as stored. */
const partitionOf = (incidentId: string) =>
  documentClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': incidentKeys.incident(incidentId).pk },
      ConsistentRead: true,
    }),
  );

beforeAll(async () => {
  await givenServices();
  await setRules({
    routes: [
      {
        id: 'billing',
        name: 'billing',
        matchers: [{ label: 'service', op: '=~', value: '(checkout|billing-.*)' }],
        groupWaitSeconds: 30,
        reopenWindowMinutes: 30,
      },
    ],
    inhibitRules: [
      {
        id: 'host-down',
        name: 'host down',
        sourceMatchers: [{ label: 'alertname', op: '=', value: 'HostDown' }],
        targetMatchers: [{ label: 'alertname', op: '!=', value: 'HostDown' }],
        equal: ['host'],
      },
    ],
    storm: { maxIncidentsPerMinute: 1000 },
  });
});

let n = 0;
const unique = (p: string) => `${p}-${n++}`;

describe('grouping and lifecycle', () => {
  it('groups alerts of one group into one incident and announces it when the window closes', async () => {
    const alertname = unique('Latency');
    const a = snap({ labels: { alertname, instance: 'api-1' }, service: 'checkout' });
    const b = snap({ labels: { alertname, instance: 'api-2' }, service: 'checkout' });
    const ra = await onAlertOpened(a, new Date(T));
    const rb = await onAlertOpened(b, at(T, 10));
    expect(ra.kind).toBe('incident');
    expect(rb.incidentId).toBe(ra.incidentId);
    let inc = await getIncident(ra.incidentId!);
    expect(inc).toMatchObject({
      alertCount: 2,
      openAlertCount: 2,
      status: 'triggered',
      serviceId: 'checkout',
      teamId: 'platform',
      severity: 'P1',
    });
    expect(inc!.notifiedAt).toBeUndefined();
    await sweepAt(at(T, 29).toISOString());
    expect((await getIncident(ra.incidentId!))!.notifiedAt).toBeUndefined();
    await sweepAt(at(T, 31).toISOString());
    inc = await getIncident(ra.incidentId!);
    expect(inc!.notifiedAt).toBeDefined();
    expect(inc!.lastChange).toMatchObject({ kind: 'opened', notify: true });
  });

  it('records an alert that fires and resolves inside the window but notifies no one', async () => {
    const a = snap({ labels: { alertname: unique('Blip') }, service: 'checkout' });
    const r = await onAlertOpened(a, new Date(T));
    await onAlertResolved(resolvedOf(a, at(T, 5).toISOString()), at(T, 5));
    await sweepAt(at(T, 40).toISOString());
    const inc = await getIncident(r.incidentId!);
    expect(inc).toMatchObject({ status: 'resolved', alertCount: 1, openAlertCount: 0 });
    expect(inc!.notifiedAt).toBeUndefined();
    expect(inc!.lastChange?.notify).toBe(false);
  });

  it('auto-resolves when every alert resolved, reopens within the window, opens a new one after it', async () => {
    const alertname = unique('Errors');
    const a = snap({ labels: { alertname }, service: 'checkout' });
    const first = await onAlertOpened(a, new Date(T));
    await sweepAt(at(T, 31).toISOString());
    await onAlertResolved(resolvedOf(a), at(T, 120));
    expect(await getIncident(first.incidentId!)).toMatchObject({
      status: 'resolved',
      lastChange: { kind: 'resolved', notify: true },
    });

    const again = snap({ labels: { alertname }, service: 'checkout', dedupKey: a.dedupKey });
    const r2 = await onAlertOpened(again, at(T, 600));
    expect(r2.incidentId).toBe(first.incidentId);
    expect(await getIncident(first.incidentId!)).toMatchObject({
      status: 'triggered',
      lastChange: { kind: 'reopened', notify: true },
    });

    await onAlertResolved(resolvedOf(again), at(T, 700));
    const late = snap({ labels: { alertname }, service: 'checkout', dedupKey: a.dedupKey });
    const r3 = await onAlertOpened(late, at(T, 700 + 31 * 60));
    expect(r3.kind).toBe('incident');
    expect(r3.incidentId).not.toBe(first.incidentId);
  });

  it('is idempotent: a redelivered event changes nothing', async () => {
    const a = snap({ labels: { alertname: unique('Dup') }, service: 'checkout' });
    const r1 = await onAlertOpened(a, new Date(T));
    const r2 = await onAlertOpened(a, new Date(T));
    expect(r2.kind).toBe('duplicate');
    expect((await getIncident(r1.incidentId!))!.alertCount).toBe(1);
    await onAlertResolved(resolvedOf(a), at(T, 5));
    const again = await onAlertResolved(resolvedOf(a), at(T, 6));
    expect(again.kind).toBe('duplicate');
    expect((await getIncident(r1.incidentId!))!.openAlertCount).toBe(0);
  });

  it('shows each join on the timeline in time order, joins stored before decision 0094 included', async () => {
    const alertname = unique('Timeline');
    const a = snap({ labels: { alertname, instance: 'api-1' }, service: 'checkout', summary: 'first' });
    const b = snap({ labels: { alertname, instance: 'api-2' }, service: 'checkout', summary: 'second' });
    const { incidentId } = await onAlertOpened(a, new Date(T));
    // A join as it was stored before decision 0094: a timeline item of its own.
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...incidentKeys.timeline(incidentId!, at(T, 5).toISOString(), '0badcafe'),
          type: 'IncidentTimeline',
          incidentId,
          at: at(T, 5).toISOString(),
          actor: { type: 'rule', id: 'route:billing', name: 'billing' },
          kind: 'alert',
          message: 'Alert joined: stored before',
          reason: 'group earlier',
        },
      }),
    );
    await onAlertOpened(b, at(T, 10));
    await onAlertOpened(b, at(T, 11)); // redelivered: no second line
    await onAlertResolved(resolvedOf(b), at(T, 20));

    const detail = (await getIncidentDetail(incidentId!))!;
    expect(detail.timeline.map((e) => [e.at, e.kind, e.message.split(' for ')[0]])).toEqual([
      [T, 'opened', 'Opened'],
      [at(T, 5).toISOString(), 'alert', 'Alert joined: stored before'],
      [at(T, 10).toISOString(), 'alert', 'Alert joined: second'],
      [at(T, 20).toISOString(), 'alert-resolved', 'Alert resolved: second'],
    ]);
    expect(detail.timeline[2]).toEqual({
      incidentId,
      at: at(T, 10).toISOString(),
      actor: { type: 'rule', id: 'route:billing', name: 'billing' },
      kind: 'alert',
      message: 'Alert joined: second',
      reason: expect.stringMatching(/^group /),
    });
    // The alerts are shown as before: the line they carry is not one of their fields.
    for (const l of detail.alerts) expect(l).not.toHaveProperty('line');
    expect(detail.alerts.find((l) => l.alertId === b.id)).toMatchObject({
      status: 'resolved',
      joinedAt: at(T, 10).toISOString(),
    });
  });

  it('writes an opening’s timeline entry on its first alert’s link, not as a timeline item, and reads it as before', async () => {
    const a = snap({ labels: { alertname: unique('Opening') }, service: 'checkout', summary: 'checkout is down' });
    const { incidentId } = await onAlertOpened(a, new Date(T));
    const partition = await partitionOf(incidentId!);
    const sks = (partition.Items ?? []).map((i) => String(i.sk));
    expect(sks.filter((sk) => sk.startsWith(incidentKeys.timelinePrefix()))).toEqual([]);
    expect(sks).toContain(incidentKeys.link(incidentId!, a.id).sk);

    const detail = (await getIncidentDetail(incidentId!))!;
    expect(detail.timeline).toEqual([
      {
        incidentId,
        at: T,
        actor: { type: 'rule', id: 'route:billing', name: 'billing' },
        kind: 'opened',
        message: expect.stringMatching(/^Opened for checkout is down; routed by billing to platform; severity P1 /),
        reason: expect.stringMatching(/^group /),
      },
    ]);
    expect(detail.alerts).toEqual([expect.not.objectContaining({ line: expect.anything() })]);
  });

  it('keeps an opening’s timeline entry an item of its own when its alert’s link would pass 1 KB with it', async () => {
    // Many long labels: the link alone is over 730 bytes, the opening entry takes it past 1 KB.
    const labels = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`label_${i}`, `a-long-label-value-of-forty-characters-${i}`]),
    );
    const a = snap({ labels: { alertname: unique('Wide'), ...labels }, service: 'checkout', summary: 'wide' });
    const { incidentId } = await onAlertOpened(a, new Date(T));
    const partition = await partitionOf(incidentId!);
    const items = partition.Items ?? [];
    expect(items.filter((i) => String(i.sk).startsWith(incidentKeys.timelinePrefix()))).toHaveLength(1);
    const link = items.find((i) => i.sk === incidentKeys.link(incidentId!, a.id).sk)!;
    expect(link.line).toBeUndefined();
    expect(sizeOf(link)).toBeGreaterThan(730);
    expect((await getIncidentDetail(incidentId!))!.timeline).toEqual([
      expect.objectContaining({
        incidentId,
        at: T,
        kind: 'opened',
        message: expect.stringMatching(/^Opened for wide; /),
      }),
    ]);
  });

  it('tells a redelivered opening from a lost race on the group, whatever the opening’s timeline', async () => {
    const a = snap({ labels: { alertname: unique('Reopening') }, service: 'checkout' });
    const first = (await onAlertOpened(a, new Date(T)))!.incidentId!;
    const inc = (await getIncident(first))!;
    const opened = (await getIncidentDetail(first))!.timeline[0]!;
    const entry = { at: T, actor: opened.actor, kind: opened.kind, message: opened.message, reason: opened.reason };
    let again = 0;
    const plan = (alert: typeof a, previous: string | null, timeline = [entry]) => {
      const id = `${first}-again-${again++}`;
      return {
        kind: 'open' as const,
        incident: { ...inc, id },
        timeline,
        group: { groupHash: inc.groupHash, incidentId: id, routeId: inc.routeId, groupKey: inc.groupKey, previous },
        placed: {
          disposition: {
            alertId: alert.id,
            integrationId: alert.integrationId,
            dedupKey: alert.dedupKey,
            kind: 'incident' as const,
            incidentId: id,
            reason: 'opened',
            at: T,
          },
        },
        link: {
          alertId: alert.id,
          integrationId: alert.integrationId,
          dedupKey: alert.dedupKey,
          summary: alert.summary,
          severity: alert.severity,
          status: 'firing' as const,
          relation: 'member' as const,
          joinedAt: T,
          labels: alert.labels,
        },
        serviceOpen: true,
        dedupKey: alert.dedupKey,
        at: T,
      };
    };
    // The same alert, decided before the first opening committed: only its disposition refuses.
    expect(await commitOpen(plan(a, first))).toBe('duplicate');
    expect(await commitOpen(plan(a, first, [entry, { ...entry, kind: 'note', message: 'another' }]))).toBe('duplicate');
    // Another alert of the group, decided before the group pointed anywhere: go round and join.
    const b = snap({ labels: a.labels, service: 'checkout' });
    expect(await commitOpen(plan(b, null))).toBe('raced');
    expect(await commitOpen(plan(b, null, [entry, { ...entry, kind: 'note', message: 'another' }]))).toBe('raced');
    for (let i = 0; i < again; i++) expect(await getIncident(`${first}-again-${i}`)).toBeUndefined();
  });

  it('shows an alert resolved after its incident merged on the timeline of the incident it merged into', async () => {
    const a = snap({ labels: { alertname: unique('Merged') }, service: 'checkout', summary: 'merged away' });
    const b = snap({ labels: { alertname: unique('Kept') }, service: 'checkout', summary: 'kept' });
    const from = (await onAlertOpened(a, new Date(T))).incidentId!;
    const into = (await onAlertOpened(b, at(T, 1))).incidentId!;
    await mergeInto(from, into, { type: 'user', id: 'u-1' }, at(T, 2), 'same outage');
    await onAlertResolved(resolvedOf(a), at(T, 3));

    const resolvedLines = async (id: string) =>
      (await getIncidentDetail(id))!.timeline.filter((e) => e.kind === 'alert-resolved').map((e) => e.message);
    expect(await resolvedLines(into)).toEqual(['Alert resolved: merged away']);
    expect(await resolvedLines(from)).toEqual([]);
    expect((await getIncidentDetail(from))!.alerts).toEqual([
      expect.objectContaining({ alertId: a.id, status: 'resolved', resolvedAt: at(T, 3).toISOString() }),
    ]);
  });

  it('handles a resolve that overtakes its open (events are unordered)', async () => {
    const a = snap({ labels: { alertname: unique('Race') }, service: 'checkout' });
    const r = await onAlertResolved(resolvedOf(a), new Date(T));
    expect(r.incidentId).toBeDefined();
    expect(await getIncident(r.incidentId!)).toMatchObject({ status: 'resolved', alertCount: 1, openAlertCount: 0 });
    expect((await onAlertOpened(a, at(T, 1))).kind).toBe('duplicate');
  });

  it('announces on one read of the incident, and a join between that read and the commit is not lost', async () => {
    // Reads of incident items (`INCIDENT`) while armed; `onRead` runs once after the first one returns.
    let reads = 0;
    let onRead: (() => Promise<unknown>) | undefined;
    const stop = addDynamoClientConfigurer((c) =>
      c.middlewareStack.add(
        (next, context) => async (args) => {
          // The document client's input: marshalled or not, depending on where in `initialize` this runs.
          const sk = (args.input as { Key?: { sk?: string | { S?: string } } }).Key?.sk;
          const incidentRead =
            context.commandName === 'GetItemCommand' && (typeof sk === 'string' ? sk : sk?.S) === 'INCIDENT';
          const out = await next(args);
          if (incidentRead) {
            reads++;
            const race = onRead;
            onRead = undefined;
            await race?.();
          }
          return out;
        },
        { step: 'initialize', name: 'countIncidentReads' },
      ),
    );
    try {
      const alertname = unique('Announce');
      const first = snap({ labels: { alertname, instance: 'api-1' }, service: 'checkout' });
      const quiet = await onAlertOpened(first, new Date(T));
      reads = 0;
      await announce(quiet.incidentId!, at(T, 31));
      expect(reads).toBe(1);
      expect(await getIncident(quiet.incidentId!)).toMatchObject({
        alertCount: 1,
        notifiedAt: at(T, 31).toISOString(),
      });

      const other = unique('Announce');
      const raced = await onAlertOpened(
        snap({ labels: { alertname: other, instance: 'api-1' }, service: 'checkout' }),
        new Date(T),
      );
      // A second alert joins right after the announcement read the incident: its revision check fails,
      // it reads again, and the incident it announces counts both alerts.
      onRead = () =>
        onAlertOpened(snap({ labels: { alertname: other, instance: 'api-2' }, service: 'checkout' }), at(T, 20));
      reads = 0;
      await announce(raced.incidentId!, at(T, 31));
      expect(reads).toBe(2);
      const inc = await getIncident(raced.incidentId!);
      expect(inc).toMatchObject({ alertCount: 2, openAlertCount: 2, notifiedAt: at(T, 31).toISOString() });
    } finally {
      stop();
    }
  });
});

describe('quiet rules', () => {
  it('records a silenced alert with the silence id and opens no incident', async () => {
    const alertname = unique('Silenced');
    await silences.create(
      {
        id: unique('sil'),
        matchers: [{ label: 'alertname', op: '=', value: alertname }],
        startsAt: '2026-11-21T00:00:00Z',
        endsAt: '2026-11-22T00:00:00Z',
        comment: 'known issue',
        createdBy: 't',
      },
      T,
    );
    invalidateQuietRules();
    const a = snap({ labels: { alertname }, service: 'checkout' });
    const r = await onAlertOpened(a, new Date(T));
    expect(r.kind).toBe('silenced');
    expect(await getDisposition(a.id)).toMatchObject({
      kind: 'silenced',
      reason: expect.stringContaining('known issue'),
    });
  });

  it('silences a service in a maintenance window', async () => {
    const { db } = await givenServicePair(unique('mw'));
    await maintenanceWindows.create(
      {
        id: unique('mw'),
        kind: 'one-off',
        serviceId: db,
        name: 'upgrade',
        startsAt: '2026-11-21T02:00:00Z',
        endsAt: '2026-11-21T04:00:00Z',
        createdBy: 't',
      } as never,
      T,
    );
    invalidateQuietRules();
    const a = snap({ labels: { alertname: unique('DbSlow') }, service: db });
    const r = await onAlertOpened(a, new Date(T));
    expect(r).toMatchObject({ kind: 'silenced', reason: expect.stringContaining('maintenance window') });
    const after = snap({ labels: { alertname: unique('DbSlow') }, service: db });
    expect((await onAlertOpened(after, new Date('2026-11-21T04:00:01Z'))).kind).toBe('incident');
  });

  it('silences a service in a recurring maintenance window, in the window’s zone', async () => {
    const { db } = await givenServicePair(unique('mwr'));
    // Mondays 03:30 in Tokyo for an hour: Sunday 2026-11-22, 18:30Z to 19:30Z.
    await maintenanceWindows.create(
      {
        id: unique('mwr'),
        kind: 'recurring',
        serviceId: db,
        name: 'patching',
        cron: '30 3 * * 1',
        timezone: 'Asia/Tokyo',
        durationMinutes: 60,
        createdBy: 't',
      } as never,
      T,
    );
    invalidateQuietRules();
    const during = snap({ labels: { alertname: unique('DbSlow') }, service: db });
    expect(await onAlertOpened(during, new Date('2026-11-22T18:45:00Z'))).toMatchObject({ kind: 'silenced' });
    invalidateQuietRules();
    const after = snap({ labels: { alertname: unique('DbSlow') }, service: db });
    expect((await onAlertOpened(after, new Date('2026-11-22T19:31:00Z'))).kind).toBe('incident');
  });

  it('inhibits a target when its source is firing (source first)', async () => {
    const host = unique('host');
    await onAlertOpened(snap({ labels: { alertname: 'HostDown', host }, service: 'infra' }), new Date(T));
    const target = snap({ labels: { alertname: unique('Disk'), host }, service: 'infra' });
    const r = await onAlertOpened(target, at(T, 1));
    expect(r).toMatchObject({ kind: 'inhibited', reason: expect.stringContaining('host-down') });
  });

  it('counts each source once: inhibits while any source fires, not after the last resolves', async () => {
    const host = unique('host');
    const source = (instance: string) => snap({ labels: { alertname: 'HostDown', host, instance }, service: 'infra' });
    const target = () => snap({ labels: { alertname: unique('Disk'), host }, service: 'infra' });
    const [a, b] = [source('a'), source('b')];
    await onAlertOpened(a, new Date(T));
    await onAlertOpened(b, at(T, 1));
    // A registration or a removal delivered twice counts once.
    const { rules } = await getRules({ fresh: true });
    const bucket = (s: typeof a) => inhibitorKeys(rules, matchLabels(s)).sources;
    await registerInhibitor(bucket(a), a.id, T);

    await onAlertResolved(resolvedOf(a, at(T, 2).toISOString()), at(T, 2));
    expect(await onAlertOpened(target(), at(T, 3))).toMatchObject({
      kind: 'inhibited',
      reason: expect.stringContaining(b.id),
    });
    await onAlertResolved(resolvedOf(b, at(T, 4).toISOString()), at(T, 4));
    await removeInhibitor(bucket(b), b.id);
    expect(await onAlertOpened(target(), at(T, 5))).toMatchObject({ kind: 'incident' });

    const c = source('c');
    await onAlertOpened(c, at(T, 6));
    expect(await onAlertOpened(target(), at(T, 7))).toMatchObject({
      kind: 'inhibited',
      reason: expect.stringContaining(c.id),
    });
  });

  it('counts a source registered before the counts once migration 0092 ran, and once only', async () => {
    const host = unique('host');
    const old = snap({ labels: { alertname: 'HostDown', host }, service: 'infra' });
    const target = () => snap({ labels: { alertname: unique('Disk'), host }, service: 'infra' });
    const { rules } = await getRules({ fresh: true });
    const sources = inhibitorKeys(rules, matchLabels(old)).sources;
    // As registered before decision 0092: the source item alone, in no count.
    await documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...incidentKeys.inhibitor(sources[0]!.ruleId, sources[0]!.key, old.id),
          type: 'Inhibitor',
          alertId: old.id,
          at: T,
        },
      }),
    );
    expect(await onAlertOpened(target(), at(T, 1))).toMatchObject({ kind: 'incident' });

    await countInhibitorSources();
    await countInhibitorSources();
    expect(await onAlertOpened(target(), at(T, 2))).toMatchObject({
      kind: 'inhibited',
      reason: expect.stringContaining(old.id),
    });
    await removeInhibitor(sources, old.id);
    expect(await onAlertOpened(target(), at(T, 3))).toMatchObject({ kind: 'incident' });
  });

  it('inhibits at announce time when the source arrives after the target (target first)', async () => {
    const host = unique('host');
    const target = snap({ labels: { alertname: unique('Disk'), host }, service: 'infra2' });
    const rt = await onAlertOpened(target, new Date(T));
    expect(rt.kind).toBe('incident');
    await onAlertOpened(snap({ labels: { alertname: 'HostDown', host }, service: 'infra' }), at(T, 5));
    await sweepAt(at(T, 31).toISOString());
    const inc = await getIncident(rt.incidentId!);
    expect(inc).toMatchObject({ status: 'resolved' });
    expect(inc!.notifiedAt).toBeUndefined();
    const detail = await getIncidentDetail(rt.incidentId!);
    expect(detail!.timeline.map((e) => e.reason ?? '')).toEqual(
      expect.arrayContaining([expect.stringContaining('inhibited by alert')]),
    );
  });

  it('correlates alerts of a dependent service with the open upstream incident', async () => {
    const pair = await givenServicePair(unique('corr'));
    const db = snap({ labels: { alertname: unique('PostgresDown') }, service: pair.db });
    const up = await onAlertOpened(db, new Date(T));
    expect(up.kind).toBe('incident');
    const api = snap({ labels: { alertname: unique('ApiErrors') }, service: pair.api });
    const r = await onAlertOpened(api, at(T, 3));
    expect(r).toMatchObject({ kind: 'correlated', incidentId: up.incidentId });
    expect((await getIncident(up.incidentId!))!.relatedAlertCount).toBe(1);
  });
});

describe('flapping', () => {
  it('marks the incident flapping, holds notifications, and releases them once stable', async () => {
    const alertname = unique('Flappy');
    const dedupKey = unique('flap-key');
    let incidentId: string | undefined;
    let t = 0;
    for (let i = 0; i < 4; i++) {
      const a = snap({ labels: { alertname }, service: 'checkout', dedupKey });
      const r = await onAlertOpened(a, at(T, t));
      incidentId ??= r.incidentId;
      if (i === 0) await sweepAt(at(T, 31).toISOString());
      t += 45;
      await onAlertResolved(resolvedOf(a), at(T, t));
      t += 45;
    }
    const inc = await getIncident(incidentId!);
    expect(inc!.flapping).toBe(true);
    expect(inc!.lastChange?.notify).toBe(false);
    await sweepAt(at(T, t + 14 * 60).toISOString());
    expect((await getIncident(incidentId!))!.flapping).toBe(true);
    await sweepAt(at(T, t + 16 * 60).toISOString());
    const stable = await getIncident(incidentId!);
    expect(stable!.flapping).toBe(false);
    expect(stable!.lastChange).toMatchObject({ kind: 'resolved', notify: true, reason: 'flapping stopped' });
  });
});

describe('concurrency', () => {
  it('turns 50 concurrent deliveries of one alert into one incident with one alert', async () => {
    const a = snap({ labels: { alertname: unique('Same') }, service: 'checkout' });
    // Delivered at least once, as the engine's event is: a delivery the store could not serve (DynamoDB
    // Local gives up waiting for a lock when the machine is busy) is delivered again.
    const deliver = async (attempt = 1): Promise<Awaited<ReturnType<typeof onAlertOpened>>> => {
      try {
        return await onAlertOpened(a, new Date(T));
      } catch (err) {
        if (err instanceof StoreUnavailableError && attempt < 5) return deliver(attempt + 1);
        throw err;
      }
    };
    const rs = await Promise.all(Array.from({ length: 50 }, () => deliver()));
    const ids = new Set(rs.filter((r) => r.incidentId).map((r) => r.incidentId));
    expect(ids.size).toBe(1);
    expect((await getIncident([...ids][0]!))!.alertCount).toBe(1);
  });

  it('puts two alerts of one group arriving at the same instant into one incident', async () => {
    const alertname = unique('Twin');
    const [r1, r2] = await Promise.all([
      onAlertOpened(snap({ labels: { alertname, instance: 'a' }, service: 'checkout' }), new Date(T)),
      onAlertOpened(snap({ labels: { alertname, instance: 'b' }, service: 'checkout' }), new Date(T)),
    ]);
    expect(r1.incidentId).toBe(r2.incidentId);
    expect((await getIncident(r1.incidentId!))!.alertCount).toBe(2);
  });
});

// The on-call ops API, action links, stakeholder updates and the response report, through their
// Lambda handlers against DynamoDB Local.
import type { Notification, Notifier } from '../../shared/adapters/notifier';
import { setNotifier } from '../../shared/adapters/notifier';
import { incidentEventFor } from '../../shared/store/outbox/incident-events';
import { signLink } from '../../shared/domain/oncall/links';
import { onAlertOpened } from '../../shared/app/incidents/engine';
import { acknowledgeIncident, changeIncidentSeverity, resolveIncident } from '../../shared/app/incidents/actions';
import { startEscalation } from '../../shared/app/oncall/escalation';
import { publishStakeholderUpdate } from '../../shared/app/oncall/stakeholder-updates';
import { getIncident, getIncidentDetail, type Incident } from '../../shared/store/incidents';
import { incidentEventDetailSchema, type IncidentEventDetail } from '../../events/incidents';
import { handler as ops } from '../../functions/ops-oncall/handler';
import { handler as act } from '../../functions/act/handler';
import { handler as report } from '../../functions/reports-response/handler';
import { call } from '../support/http-event';
import { at, givenServices, setRules, snap } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

const SECRET = 'api-test-secret';
const sent: Notification[] = [];
const recorder: Notifier = {
  async publish(n) {
    sent.push(n);
    return { messageId: `m${sent.length}` };
  },
};
const previous = process.env.ACT_LINK_SECRET;

beforeAll(async () => {
  process.env.ACT_LINK_SECRET = SECRET;
  setNotifier(recorder);
  await givenServices();
  await setRules({
    routes: [{ id: 'all', name: 'all', matchers: [{ label: 'service', op: '=~', value: '.+' }], groupWaitSeconds: 0 }],
    storm: { maxIncidentsPerMinute: 10000 },
  });
});
afterAll(() => {
  setNotifier(undefined);
  process.env.ACT_LINK_SECRET = previous;
});

const admin = { role: 'admin' as const };
const viewer = { role: 'viewer' as const };

async function givenOncall(): Promise<void> {
  const alice = {
    id: 'alice',
    name: 'Alice',
    contactMethods: [
      { id: 'phone', type: 'sms', address: '+15555550101' },
      { id: 'mail', type: 'email', address: 'alice@example.com' },
    ],
  };
  expect((await call(ops, { routeKey: 'POST /users', body: alice, ...admin })).status).toBe(201);
  await call(ops, {
    routeKey: 'POST /users',
    body: { id: 'bob', name: 'Bob', contactMethods: [{ id: 'phone', type: 'sms', address: '+15555550102' }] },
    ...admin,
  });
  const schedule = {
    id: 'primary',
    name: 'Primary',
    timeZone: 'America/New_York',
    layers: [
      {
        id: 'weekly',
        participants: ['alice', 'bob'],
        rotation: { every: 1, unit: 'weeks' },
        start: '2026-11-16T09:00',
      },
    ],
  };
  expect((await call(ops, { routeKey: 'POST /schedules', body: schedule, ...admin })).status).toBe(201);
  const policy = {
    id: 'default',
    name: 'Default',
    levels: [
      { targets: [{ type: 'schedule', id: 'primary' }], delayMinutes: 5 },
      { targets: [{ type: 'team', id: 'platform' }], delayMinutes: 5 },
    ],
  };
  expect((await call(ops, { routeKey: 'POST /escalation-policies', body: policy, ...admin })).status).toBe(201);
  expect(
    (
      await call(ops, {
        routeKey: 'PUT /teams/{id}/oncall',
        params: { id: 'platform' },
        body: { members: ['alice', 'bob'], escalationPolicyId: 'default' },
        ...admin,
      })
    ).status,
  ).toBe(201);
}

let n = 0;
async function openIncident(now: Date, service = 'checkout'): Promise<Incident> {
  const r = await onAlertOpened(
    snap({
      service,
      labels: { alertname: `Api${n++}` },
      summary: 'Checkout errors',
      lastReceivedAt: now.toISOString(),
    }),
    now,
  );
  return (await getIncident(r.incidentId!))!;
}

const detailOf = (i: Incident): IncidentEventDetail =>
  incidentEventDetailSchema.parse(
    incidentEventFor(undefined, { ...i, type: 'Incident' } as unknown as Record<string, unknown>)!.detail,
  );

describe('ops API', () => {
  beforeAll(givenOncall);

  it('validates users: E.164 numbers, emails, rules that name a method; viewers read, only admins write', async () => {
    const bad = await call(ops, {
      routeKey: 'POST /users',
      body: {
        id: 'zed',
        name: 'Zed',
        contactMethods: [
          { id: 'p', type: 'sms', address: '0123' },
          { id: 'm', type: 'email', address: 'nope' },
        ],
      },
      ...admin,
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'contactMethods.0.address',
      'contactMethods.1.address',
    ]);
    const rule = await call(ops, {
      routeKey: 'POST /users',
      body: { id: 'zed', name: 'Zed', notificationRules: [{ contactMethodId: 'x', delayMinutes: 0 }] },
      ...admin,
    });
    expect(rule.body.errors).toEqual([
      { field: 'notificationRules.0.contactMethodId', message: 'no contact method x' },
    ]);
    expect((await call(ops, { routeKey: 'POST /users', body: { id: 'zed', name: 'Zed' }, ...viewer })).status).toBe(
      403,
    );
    const list = await call(ops, { routeKey: 'GET /users', ...viewer });
    expect(list.body.items.map((u: { id: string }) => u.id).sort()).toEqual(['alice', 'bob']);
    const patched = await call(ops, {
      routeKey: 'PATCH /users/{id}',
      params: { id: 'bob' },
      body: { notificationRules: [{ contactMethodId: 'phone', delayMinutes: 1 }] },
      ...admin,
    });
    expect(patched).toMatchObject({
      status: 200,
      body: { version: 2, notificationRules: [{ contactMethodId: 'phone', delayMinutes: 1 }] },
    });
    const inUse = await call(ops, { routeKey: 'DELETE /users/{id}', params: { id: 'alice' }, ...admin });
    expect(inUse.status).toBe(422);
    expect(inUse.body.errors[0].message).toBe('used by schedule primary, team platform');
  });

  it('checks references of schedules, policies and team configs', async () => {
    const s = await call(ops, {
      routeKey: 'POST /schedules',
      body: {
        id: 'x',
        name: 'X',
        timeZone: 'Europe/Lndon',
        layers: [{ id: 'l', participants: ['ghost'], rotation: { every: 1, unit: 'days' }, start: '2026-01-01T09:00' }],
      },
      ...admin,
    });
    expect(s.body.errors.map((e: { field: string }) => e.field)).toEqual(['timeZone']);
    const s2 = await call(ops, {
      routeKey: 'POST /schedules',
      body: {
        id: 'x',
        name: 'X',
        timeZone: 'Europe/London',
        layers: [{ id: 'l', participants: ['ghost'], rotation: { every: 1, unit: 'days' }, start: '2026-01-01T09:00' }],
      },
      ...admin,
    });
    expect(s2.body.errors).toEqual([{ field: 'layers.0.participants.0', message: 'no user ghost' }]);
    const p = await call(ops, {
      routeKey: 'POST /escalation-policies',
      body: {
        id: 'p',
        name: 'P',
        levels: [
          {
            targets: [
              { type: 'schedule', id: 'nope' },
              { type: 'team', id: 'nope' },
            ],
            delayMinutes: 0,
          },
        ],
      },
      ...admin,
    });
    expect(p.body.errors.map((e: { field: string }) => e.field)).toEqual(['levels.0.delayMinutes']);
    const p2 = await call(ops, {
      routeKey: 'POST /escalation-policies',
      body: {
        id: 'p',
        name: 'P',
        levels: [
          {
            targets: [
              { type: 'schedule', id: 'nope' },
              { type: 'team', id: 'nope' },
            ],
            delayMinutes: 5,
          },
        ],
      },
      ...admin,
    });
    expect(p2.body.errors).toEqual([
      { field: 'levels.0.targets.0.id', message: 'no schedule nope' },
      { field: 'levels.0.targets.1.id', message: 'no team nope' },
    ]);
    const t = await call(ops, {
      routeKey: 'PUT /teams/{id}/oncall',
      params: { id: 'platform' },
      body: { members: ['ghost'], escalationPolicyId: 'nope' },
      ...admin,
    });
    expect(t.body.errors.map((e: { field: string }) => e.field)).toEqual(['members.0']);
    expect(
      (
        await call(ops, {
          routeKey: 'PUT /teams/{id}/oncall',
          params: { id: 'no-team' },
          body: { members: [] },
          ...admin,
        })
      ).status,
    ).toBe(404);
    expect(
      (await call(ops, { routeKey: 'DELETE /escalation-policies/{id}', params: { id: 'default' }, ...admin })).status,
    ).toBe(422);
    expect(
      (await call(ops, { routeKey: 'GET /teams/{id}/oncall', params: { id: 'platform' }, ...viewer })).body,
    ).toMatchObject({ members: ['alice', 'bob'], escalationPolicyId: 'default' });
  });

  it('answers who is on call and the final shifts, with overrides, in the schedule zone', async () => {
    const now = await call(ops, {
      routeKey: 'GET /schedules/{id}/oncall',
      params: { id: 'primary' },
      query: { at: '2026-11-20T12:00:00Z' },
      ...viewer,
    });
    expect(now.body.onCall).toMatchObject({
      userId: 'alice',
      userName: 'Alice',
      start: '2026-11-16T14:00:00.000Z',
      startLocal: '2026-11-16T09:00:00-05:00',
    });
    const o = await call(ops, {
      routeKey: 'POST /schedules/{id}/overrides',
      params: { id: 'primary' },
      body: { id: 'dentist', userId: 'bob', start: '2026-11-20T10:00:00Z', end: '2026-11-20T14:00:00Z' },
      role: 'responder',
    });
    expect(o.status).toBe(201);
    const shifts = await call(ops, {
      routeKey: 'GET /schedules/{id}/shifts',
      params: { id: 'primary' },
      query: { from: '2026-11-20T00:00:00Z', to: '2026-11-24T00:00:00Z' },
      ...viewer,
    });
    expect(shifts.body.shifts.map((s: { userId: string; start: string }) => [s.userId, s.start])).toEqual([
      ['alice', '2026-11-20T00:00:00.000Z'],
      ['bob', '2026-11-20T10:00:00.000Z'],
      ['alice', '2026-11-20T14:00:00.000Z'],
      ['bob', '2026-11-23T14:00:00.000Z'],
    ]);
    expect(
      (
        await call(ops, {
          routeKey: 'GET /schedules/{id}/shifts',
          params: { id: 'primary' },
          query: { from: '2026-11-20T00:00:00Z', to: '2027-11-24T00:00:00Z' },
          ...viewer,
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await call(ops, {
          routeKey: 'DELETE /schedules/{id}/overrides/{overrideId}',
          params: { id: 'primary', overrideId: 'dentist' },
          role: 'responder',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call(ops, {
          routeKey: 'DELETE /schedules/{id}/overrides/{overrideId}',
          params: { id: 'primary', overrideId: 'dentist' },
          role: 'responder',
        })
      ).status,
    ).toBe(404);
  });
});

describe('action links', () => {
  const token = (
    action: 'acknowledge' | 'resolve',
    incidentId: string,
    expiresAt = new Date(Date.now() + 3600000),
    secret = SECRET,
  ) => signLink({ action, incidentId, userId: 'alice', expiresAt }, [secret]);

  it('GET shows a confirmation page and changes nothing; POST acknowledges as the person paged; a second POST is a conflict', async () => {
    const i = await openIncident(new Date());
    const t = token('acknowledge', i.id);
    const page = await call(act, { routeKey: 'GET /act/{token}', params: { token: t } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('<form method="post">');
    expect(page.body).toContain('Acknowledge as Alice');
    expect((await getIncident(i.id))!.status).toBe('triggered');

    const done = await call(act, { routeKey: 'POST /act/{token}', params: { token: t } });
    expect(done).toMatchObject({
      status: 200,
      body: { action: 'acknowledge', incident: { id: i.id, status: 'acknowledged' } },
    });
    const detail = (await getIncidentDetail(i.id))!;
    expect(detail.incident.acknowledgedBy).toEqual({ type: 'user', id: 'alice', name: 'Alice' });
    const again = await call(act, { routeKey: 'POST /act/{token}', params: { token: t } });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toBe('application/problem+json');
    expect((await call(act, { routeKey: 'GET /act/{token}', params: { token: t } })).body).toContain(
      'is already acknowledged',
    );

    const browser = await call(act, {
      routeKey: 'POST /act/{token}',
      params: { token: token('resolve', i.id) },
      headers: { accept: 'text/html,*/*' },
    });
    expect(browser.status).toBe(200);
    expect(browser.body).toContain(`Incident #${i.number} resolved`);
    expect((await getIncident(i.id))!).toMatchObject({
      status: 'resolved',
      resolutionNote: 'resolved from a page link',
    });
  });

  it('refuses tampered, foreign, expired and malformed links with problem+json, and acts on nothing', async () => {
    const i = await openIncident(new Date());
    const good = token('acknowledge', i.id);
    const cases: Array<[string, number]> = [
      [good.replace(/^a\./, 'r.'), 403],
      [good.replace('alice', 'bob'), 403],
      [token('acknowledge', i.id, undefined, 'another-secret'), 403],
      [token('acknowledge', i.id, new Date(Date.now() - 1000)), 410],
      ['hello', 400],
    ];
    for (const [t, status] of cases) {
      for (const routeKey of ['GET /act/{token}', 'POST /act/{token}']) {
        const r = await call(act, { routeKey, params: { token: t } });
        expect([routeKey, r.status, r.headers['content-type']]).toEqual([routeKey, status, 'application/problem+json']);
        expect(r.body.detail).toBeTruthy();
      }
    }
    expect((await getIncident(i.id))!.status).toBe('triggered');
    expect(
      (
        await call(act, {
          routeKey: 'POST /act/{token}',
          params: { token: token('acknowledge', '01NOSUCHINCIDENT0000000000') },
        })
      ).status,
    ).toBe(404);
  });
});

describe('stakeholder updates', () => {
  it('tells each subscriber of the service once when its incident opens, changes severity and resolves', async () => {
    const sub = await call(ops, {
      routeKey: 'POST /services/{id}/subscriptions',
      params: { id: 'billing-api' },
      body: { name: 'Finance', subscriber: { type: 'email', address: 'finance@example.com' } },
      ...admin,
    });
    expect(sub.status).toBe(201);
    await call(ops, {
      routeKey: 'POST /services/{id}/subscriptions',
      params: { id: 'billing-api' },
      body: { subscriber: { type: 'user', userId: 'alice', channels: ['sms', 'email'] }, events: ['opened'] },
      ...admin,
    });
    await call(ops, {
      routeKey: 'POST /services/{id}/subscriptions',
      params: { id: 'billing-api' },
      body: { subscriber: { type: 'webhook', address: 'https://status.example.com/hook' } },
      ...admin,
    });
    expect(
      (
        await call(ops, {
          routeKey: 'POST /services/{id}/subscriptions',
          params: { id: 'billing-api' },
          body: { subscriber: { type: 'email', address: 'finance@example.com' } },
          ...admin,
        })
      ).status,
    ).toBe(409);
    expect(
      (await call(ops, { routeKey: 'GET /services/{id}/subscriptions', params: { id: 'billing-api' }, ...viewer })).body
        .items,
    ).toHaveLength(3);

    const i = await openIncident(new Date(), 'billing-api');
    const before = sent.length;
    const opened = detailOf(i);
    expect(await publishStakeholderUpdate('opened', opened, new Date())).toEqual({ sent: 4, skipped: 0 });
    expect(await publishStakeholderUpdate('opened', opened, new Date())).toEqual({ sent: 0, skipped: 4 });
    const raised = await changeIncidentSeverity(i.id, 'P2', { type: 'user', id: 'u' }, new Date());
    await publishStakeholderUpdate('severityChanged', detailOf(raised), new Date());
    const resolved = await resolveIncident(i.id, { type: 'user', id: 'u' }, new Date());
    await publishStakeholderUpdate('resolved', detailOf(resolved), new Date());
    const updates = sent.slice(before).filter((m) => m.topic === 'stakeholders');
    expect(
      updates.map((m) => `${m.attributes!.event}:${m.attributes!.channel}:${m.attributes!.address}`).sort(),
    ).toEqual(
      [
        'opened:email:finance@example.com',
        'opened:sms:+15555550101',
        'opened:email:alice@example.com',
        'opened:webhook:https://status.example.com/hook',
        'severityChanged:email:finance@example.com',
        'severityChanged:webhook:https://status.example.com/hook',
        'resolved:email:finance@example.com',
        'resolved:webhook:https://status.example.com/hook',
      ].sort(),
    );
    expect(updates).toHaveLength(8);
    expect(
      updates.find((m) => m.attributes!.event === 'severityChanged' && m.attributes!.channel === 'email')!.subject,
    ).toMatch(/severity P1 → P2/);
    expect(
      JSON.parse(JSON.parse(updates.find((m) => m.attributes!.channel === 'webhook')!.message).https),
    ).toMatchObject({ type: 'nocturne.status-update', event: 'opened', service: { id: 'billing-api' } });
  });
});

describe('page log and response report', () => {
  it('lists the page attempts and escalation state of an incident', async () => {
    // Alice's week of the weekly rotation that starts 2026-11-16 09:00 New York (Alice, Bob, Alice, ...):
    // the test's clock, not today's date, decides who is on call.
    const T = new Date('2026-11-18T15:00:00Z');
    const i = await openIncident(T);
    await startEscalation(i.id, i.revision, T);
    const r = await call(ops, { routeKey: 'GET /incidents/{id}/pages', params: { id: i.id }, ...viewer });
    expect(r.status).toBe(200);
    expect(r.body.escalation).toMatchObject({ policyId: 'default', status: 'active', next: { round: 1, level: 2 } });
    expect(
      r.body.pages
        .map(
          (p: { userId: string; channel: string; status: string; level: number }) =>
            `${p.level}:${p.userId}:${p.channel}:${p.status}`,
        )
        .sort(),
    ).toEqual(['1:alice:email:sent', '1:alice:sms:sent']);
    expect(r.body.pages[0].message).toBeUndefined();
    expect((await call(ops, { routeKey: 'GET /incidents/{id}/pages', params: { id: 'nope' }, ...viewer })).status).toBe(
      404,
    );
    await resolveIncident(i.id, { type: 'user', id: 'u' }, at(T.toISOString(), 60));
  });

  it('reports counts, mean and p90 MTTA/MTTR and acknowledgements within target, grouped', async () => {
    const base = '2026-06-10T10:00:00.000Z';
    const ids: string[] = [];
    for (let k = 0; k < 4; k++) {
      const i = await openIncident(at(base, k * 3600), k < 3 ? 'checkout' : 'billing-api');
      ids.push(i.id);
      if (k < 3) {
        await acknowledgeIncident(i.id, { type: 'user', id: 'u' }, at(base, k * 3600 + (k + 1) * 120));
      }
      await resolveIncident(i.id, { type: 'user', id: 'u' }, at(base, k * 3600 + 1800));
    }
    const r = await call(report, {
      routeKey: 'GET /reports/response',
      query: { from: '2026-06-10T00:00:00Z', to: '2026-06-11T00:00:00Z', groupBy: 'service', incidents: 'true' },
      ...viewer,
    });
    expect(r.status).toBe(200);
    expect(r.body.total).toMatchObject({
      incidents: 4,
      acknowledged: 3,
      resolved: 4,
      timeToAcknowledge: { count: 3, meanSeconds: 240, p90Seconds: 360 },
      timeToResolve: { meanSeconds: 1800 },
    });
    expect(r.body.groups.map((g: { key: string; incidents: number }) => [g.key, g.incidents])).toEqual([
      ['billing-api', 1],
      ['checkout', 3],
    ]);
    // P1 target is 5 minutes: the 2- and 4-minute acknowledgements are within it, the 6-minute one is not.
    expect(r.body.groups[1].acknowledgedWithinTarget).toEqual({ count: 2, ratio: 0.6667 });
    expect(r.body.incidents).toHaveLength(4);
    expect(
      (await call(report, { routeKey: 'GET /reports/response', query: { groupBy: 'planet' }, ...viewer })).body
        .errors[0].field,
    ).toBe('groupBy');
    expect((await call(report, { routeKey: 'GET /reports/response', role: null })).status).toBe(401);
  });
});

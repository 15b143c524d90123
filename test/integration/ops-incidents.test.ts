// The incidents, services and rules ops API: actions, conflicts, roles, validation.
import { handler as ops } from '../../functions/ops-incidents/handler';
import { handler as opsServices } from '../../functions/ops-services/handler';
import { handler as opsRules } from '../../functions/ops-rules/handler';
import { onAlertOpened } from '../../shared/app/incidents/engine';
import { call, type Handler } from '../support/http-event';
import { givenServices, setRules, snap, sweepAt } from '../support/incidents';
import { useOwnTable } from '../support/store';
import { handler as ticketIncidents } from '../../functions/ticket-incidents/handler';
import { seedTicketDemo } from '../../infra/local/demo/tickets';
import openedExample from '../../events/examples/incident-opened.json';

useOwnTable();
beforeAll(async () => {
  await givenServices();
  await setRules({ storm: { maxIncidentsPerMinute: 1000 } });
});

type Role = 'viewer' | 'responder' | 'admin';
const api = (
  h: unknown,
  routeKey: string,
  opts: { id?: string; body?: unknown; role?: Role | null; query?: Record<string, string> } = {},
) =>
  call(h as Handler, {
    routeKey,
    params: opts.id ? { id: opts.id } : undefined,
    body: opts.body as object,
    role: opts.role === undefined ? 'responder' : opts.role,
    query: opts.query,
  });

let n = 0;
async function givenIncident(): Promise<string> {
  const r = await onAlertOpened(snap({ labels: { alertname: `ops-${n++}` }, service: 'checkout' }), new Date());
  return r.incidentId!;
}

describe('incident actions', () => {
  it('acknowledges, then resolves with a note, then refuses further actions with 409', async () => {
    const id = await givenIncident();
    const ack = await api(ops, 'POST /incidents/{id}/acknowledge', { id, body: {} });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: { type: 'user', id: 'user-responder' } });
    expect((await api(ops, 'POST /incidents/{id}/acknowledge', { id, body: {} })).status).toBe(409);
    const res = await api(ops, 'POST /incidents/{id}/resolve', { id, body: { note: 'restarted the pod' } });
    expect(res.body).toMatchObject({ status: 'resolved', resolutionNote: 'restarted the pod' });
    for (const [route, body] of [
      ['POST /incidents/{id}/acknowledge', {}],
      ['POST /incidents/{id}/resolve', {}],
      ['POST /incidents/{id}/severity', { severity: 'P1' }],
      ['POST /incidents/{id}/reassign', { teamId: 'dba' }],
    ] as const) {
      const r = await api(ops, route, { id, body });
      expect(r.status).toBe(409);
      expect(r.headers['content-type']).toBe('application/problem+json');
    }
    const detail = await api(ops, 'GET /incidents/{id}', { id, role: 'viewer' });
    expect(detail.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['opened', 'acknowledged', 'resolved']),
    );
    expect(detail.body.alerts).toHaveLength(1);
  });

  it('shows the incident’s tickets, its follow-up marked, in GET /incidents/{id}', async () => {
    await seedTicketDemo(new Date().toISOString());
    const id = await givenIncident();
    const detail = { ...openedExample, incident: { ...openedExample.incident, id, severity: 'P1' } };
    const event = {
      version: '0',
      id: `ev-${id}`,
      'detail-type': 'Incident Opened',
      source: 'nocturne.incidents',
      account: '0',
      time: '',
      region: 'us-east-1',
      resources: [],
      detail,
    };
    expect(await ticketIncidents(event as never)).toMatch(/opened ticket/);
    const r = await api(ops, 'GET /incidents/{id}', { id, role: 'viewer' });
    expect(r.status).toBe(200);
    expect(r.body.tickets).toEqual([
      expect.objectContaining({ ticketId: expect.any(String), ticketNumber: expect.any(Number), followUp: true }),
    ]);
  });

  it('rejects an action on a stale version with 409 and applies it on the current one', async () => {
    const id = await givenIncident();
    const current = (await api(ops, 'GET /incidents/{id}', { id, role: 'viewer' })).body;
    await api(ops, 'POST /incidents/{id}/notes', { id, body: { text: 'looking' } });
    const stale = await api(ops, 'POST /incidents/{id}/severity', {
      id,
      body: { severity: 'P3', version: current.revision },
    });
    expect(stale.status).toBe(409);
    const fresh = (await api(ops, 'GET /incidents/{id}', { id, role: 'viewer' })).body;
    const ok = await api(ops, 'POST /incidents/{id}/severity', {
      id,
      body: { severity: 'P3', version: fresh.revision, reason: 'internal only' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.lastChange).toMatchObject({
      kind: 'severityChanged',
      change: { severity: { from: 'P1', to: 'P3' } },
    });
  });

  it('of two concurrent acknowledgements one wins and one gets 409', async () => {
    const id = await givenIncident();
    const rs = await Promise.all([1, 2].map(() => api(ops, 'POST /incidents/{id}/acknowledge', { id, body: {} })));
    expect(rs.map((r) => r.status).sort()).toEqual([200, 409]);
  });

  it('reassigns to an existing team only, and merges one incident into another', async () => {
    const a = await givenIncident();
    const b = await givenIncident();
    expect((await api(ops, 'POST /incidents/{id}/reassign', { id: a, body: { teamId: 'nope' } })).status).toBe(404);
    expect((await api(ops, 'POST /incidents/{id}/reassign', { id: a, body: { teamId: 'dba' } })).body.teamId).toBe(
      'dba',
    );
    const merged = await api(ops, 'POST /incidents/{id}/merge', { id: a, body: { into: b, reason: 'same outage' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ id: b, alertCount: 2, mergedFrom: [a] });
    const source = (await api(ops, 'GET /incidents/{id}', { id: a, role: 'viewer' })).body;
    expect(source).toMatchObject({ status: 'resolved', mergedInto: b });
    expect((await api(ops, 'POST /incidents/{id}/merge', { id: b, body: { into: b } })).status).toBe(409);
  });

  it('lists and filters incidents, validates the query, and enforces roles', async () => {
    const id = await givenIncident();
    await sweepAt(new Date(Date.now() + 60_000).toISOString());
    const list = await api(ops, 'GET /incidents', {
      role: 'viewer',
      query: { service: 'checkout', status: 'triggered', limit: '200' },
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(id);
    expect(list.body.items[0].transitions).toBeUndefined();
    expect((await api(ops, 'GET /incidents', { role: 'viewer', query: { severity: 'P9' } })).status).toBe(422);
    expect((await api(ops, 'GET /incidents/{id}', { id: 'missing', role: 'viewer' })).status).toBe(404);
    expect((await api(ops, 'POST /incidents/{id}/acknowledge', { id, body: {}, role: 'viewer' })).status).toBe(403);
    expect((await api(ops, 'GET /incidents', { role: null })).status).toBe(401);
    expect((await api(ops, 'POST /incidents/{id}/resolve', { id, body: { colour: 'red' } })).status).toBe(422);
    expect((await api(ops, 'POST /incidents/{id}/resolve', { id, body: '{' })).status).toBe(400);
  });
});

describe('services and rules', () => {
  it('creates services with dependencies and refuses unknown teams, unknown dependencies and cycles', async () => {
    const mk = (body: object) => api(opsServices, 'POST /services', { body, role: 'admin' });
    expect((await mk({ id: 'svc-a', name: 'A', teamId: 'platform' })).status).toBe(201);
    expect((await mk({ id: 'svc-b', name: 'B', teamId: 'platform', dependsOn: ['svc-a'] })).status).toBe(201);
    expect((await mk({ id: 'svc-c', name: 'C', teamId: 'ghosts' })).body.errors[0].field).toBe('teamId');
    expect((await mk({ id: 'svc-d', name: 'D', teamId: 'platform', dependsOn: ['svc-zz'] })).body.errors[0].field).toBe(
      'dependsOn',
    );
    const cycle = await api(opsServices, 'PATCH /services/{id}', {
      id: 'svc-a',
      body: { dependsOn: ['svc-b'] },
      role: 'admin',
    });
    expect(cycle.status).toBe(422);
    expect(cycle.body.detail).toContain('cycle');
    expect((await api(opsServices, 'DELETE /services/{id}', { id: 'svc-a', role: 'admin' })).status).toBe(422);
    expect((await mk({ id: 'svc-e', name: 'E', teamId: 'platform' })).status).toBe(201);
    expect(
      (
        await api(opsServices, 'POST /services', {
          body: { id: 'svc-f', name: 'F', teamId: 'platform' },
          role: 'responder',
        })
      ).status,
    ).toBe(403);
  });

  it('versions the rules: validates them, stores a new version, and refuses a stale one', async () => {
    const current = (await api(opsRules, 'GET /rules', { role: 'viewer' })).body;
    const bad = await api(opsRules, 'PUT /rules', {
      role: 'admin',
      body: {
        version: current.version,
        rules: { routes: [{ id: 'x', name: 'x', matchers: [{ label: 'a', op: '=~', value: '(' }] }] },
      },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('rules.routes.0.matchers.0.value');
    const ok = await api(opsRules, 'PUT /rules', {
      role: 'admin',
      body: { version: current.version, rules: { storm: { maxIncidentsPerMinute: 50 } }, comment: 'raise storm limit' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(current.version + 1);
    const stale = await api(opsRules, 'PUT /rules', { role: 'admin', body: { version: current.version, rules: {} } });
    expect(stale.status).toBe(409);
    const history = await api(opsRules, 'GET /rules', { role: 'viewer', query: { history: 'true' } });
    expect(history.body.history[0]).toMatchObject({ version: current.version + 1, comment: 'raise storm limit' });
  });

  it('creates and expires silences and validates maintenance windows', async () => {
    const s = await api(opsRules, 'POST /silences', {
      body: {
        matchers: [{ label: 'service', op: '=', value: 'checkout' }],
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        comment: 'deploy',
      },
    });
    expect(s.status).toBe(201);
    expect(s.body.createdBy).toBe('responder@example.com');
    const active = await api(opsRules, 'GET /silences', { role: 'viewer', query: { active: 'true' } });
    expect(active.body.items.map((x: { id: string }) => x.id)).toContain(s.body.id);
    expect((await api(opsRules, 'POST /silences/{id}/expire', { id: s.body.id })).status).toBe(200);
    expect((await api(opsRules, 'POST /silences/{id}/expire', { id: s.body.id })).status).toBe(409);
    const past = await api(opsRules, 'POST /silences', {
      body: { matchers: [{ label: 'a', op: '=', value: 'b' }], endsAt: '2020-01-01T00:00:00Z', comment: 'x' },
    });
    expect(past.body.errors[0].field).toBe('endsAt');
    const badPattern = await api(opsRules, 'POST /silences', {
      body: {
        matchers: [
          { label: 'a', op: '=', value: 'b' },
          { label: 'a', op: '=~', value: '(a)\\1' },
        ],
        endsAt: new Date(Date.now() + 3600_000).toISOString(),
        comment: 'x',
      },
    });
    expect(badPattern.status).toBe(422);
    expect(badPattern.body.errors[0].field).toBe('matchers.1.value');
    const mw = await api(opsRules, 'POST /maintenance-windows', {
      body: {
        kind: 'recurring',
        serviceId: 'checkout',
        name: 'patching',
        cron: '0 2 * * SUN',
        timezone: 'Europe/London',
        durationMinutes: 90,
      },
    });
    expect(mw.status).toBe(201);
    const badMw = await api(opsRules, 'POST /maintenance-windows', {
      body: {
        kind: 'recurring',
        serviceId: 'checkout',
        name: 'p',
        cron: '0 2 * * SUN',
        timezone: 'Nowhere/Land',
        durationMinutes: 90,
      },
    });
    expect(badMw.body.errors[0].field).toBe('timezone');
    const badCron = await api(opsRules, 'POST /maintenance-windows', {
      body: {
        kind: 'recurring',
        serviceId: 'checkout',
        name: 'p',
        cron: 'every sunday',
        timezone: 'Europe/London',
        durationMinutes: 90,
      },
    });
    expect(badCron.status).toBe(422);
    expect(badCron.body.errors).toEqual([{ field: 'cron', message: 'not a valid cron expression' }]);
  });
});

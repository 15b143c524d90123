// SLOs against DynamoDB Local, through the ops handler and the evaluation tick: CRUD with bad
// input answered 422 naming the field, pushed counts idempotent by (source, minute), the status
// and history, and a burn-rate page that fires through `nocturne-slo` and resolves after recovery.
import { ensureTables } from '../../infra/local/tables';
import { handler as opsSlo } from '../../functions/ops-slo/handler';
import { handler as sloEvaluator } from '../../functions/slo-evaluator/handler';
import { SLO_INTEGRATION_ID } from '../../shared/domain/slo/model';
import { getLiveAlert } from '../../shared/store/alerts';
import { getSloTicketState } from '../../shared/store/slo';
import { listComments, listRequesterTickets, requireTicket } from '../../shared/store/tickets';
import { call } from '../support/http-event';

jest.setTimeout(60_000);

const previousTable = process.env.TABLE_NAME;
beforeAll(async () => {
  const name = `nocturne-slo-${process.pid}-${Date.now().toString(36)}`;
  await ensureTables(process.env.AWS_ENDPOINT_URL_DYNAMODB!, { main: name, idempotency: `${name}-idem` });
  process.env.TABLE_NAME = name;
});
afterAll(() => {
  process.env.TABLE_NAME = previousTable;
});

const MIN = 60_000;
// Ten minutes back: the recovery pushes minutes up to T0 + 7 min, which must not be in the future.
const T0 = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
const iso = (t: number) => new Date(t).toISOString();

const sloBody = {
  id: 'checkout-success',
  name: 'Checkout success',
  service: 'billing-api',
  objective: 99.9,
  window: { kind: 'rolling', days: 30 },
  sli: { kind: 'ratio', good: 'HTTP 2xx/3xx', total: 'all requests' },
};

/** `perMinute` events each minute in [from, to), `bad` failing, in batches the API accepts. */
async function push(id: string, from: number, to: number, perMinute: number, bad = 0, source = 'checkout-web') {
  for (let start = from; start < to; start += 1440 * MIN) {
    const events = [];
    for (let t = start; t < Math.min(to, start + 1440 * MIN); t += MIN)
      events.push({ minute: iso(t), good: perMinute - bad, total: perMinute });
    const r = await call(opsSlo, {
      routeKey: 'POST /slos/{id}/events',
      params: { id },
      role: 'responder',
      body: { source, events },
    });
    expect(r.status).toBe(200);
  }
}

/** One evaluation tick at `at`; what it sent for `id`'s alerts. */
const tick = async (at: number, id: string) =>
  (await sloEvaluator({ time: iso(at) })).sent.filter((s) => s.dedupKey.startsWith(`slo:${id}:`));

describe('SLO definitions', () => {
  it.each([
    [{ objective: 100 }, 'objective'],
    [{ objective: 0 }, 'objective'],
    [{ timeZone: 'Europe/Atlantis' }, 'timeZone'],
    [{ window: { kind: 'calendar', unit: 'week' } }, 'window.unit'],
    [{ window: { kind: 'rolling', days: 0 } }, 'window.days'],
  ])('%p is a 422 naming %s, and nothing is stored', async (over, field) => {
    const r = await call(opsSlo, {
      routeKey: 'POST /slos',
      role: 'admin',
      body: { ...sloBody, id: 'bad-one', ...over },
    });
    expect(r.status).toBe(422);
    expect(r.headers['content-type']).toMatch(/problem\+json/);
    expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect((await call(opsSlo, { routeKey: 'GET /slos/{id}', params: { id: 'bad-one' }, role: 'viewer' })).status).toBe(
      404,
    );
  });

  it('creates, reads, changes with the version read (409 when stale) and lists', async () => {
    const created = await call(opsSlo, { routeKey: 'POST /slos', role: 'admin', body: { ...sloBody, id: 'crud-slo' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'crud-slo',
      version: 1,
      timeZone: 'UTC',
      alerting: { enabled: true, minEvents: 50 },
    });
    expect((await call(opsSlo, { routeKey: 'POST /slos', role: 'viewer', body: sloBody })).status).toBe(403);
    const changed = await call(opsSlo, {
      routeKey: 'PATCH /slos/{id}',
      params: { id: 'crud-slo' },
      role: 'admin',
      body: { version: 1, objective: 99.5 },
    });
    expect(changed.body).toMatchObject({ objective: 99.5, version: 2 });
    const stale = await call(opsSlo, {
      routeKey: 'PATCH /slos/{id}',
      params: { id: 'crud-slo' },
      role: 'admin',
      body: { version: 1, objective: 99 },
    });
    expect(stale.status).toBe(409);
    const list = await call(opsSlo, { routeKey: 'GET /slos', role: 'viewer' });
    expect(list.body.items.map((s: { id: string }) => s.id)).toContain('crud-slo');
    const got = await call(opsSlo, { routeKey: 'GET /slos/{id}', params: { id: 'crud-slo' }, role: 'viewer' });
    expect(got.body.evaluation).toMatchObject({ status: 'no-data', budgetRemaining: 1 });
    expect(
      (await call(opsSlo, { routeKey: 'DELETE /slos/{id}', params: { id: 'crud-slo' }, role: 'admin' })).status,
    ).toBe(204);
    expect(
      (await call(opsSlo, { routeKey: 'GET /slos/{id}', params: { id: 'crud-slo' }, role: 'viewer' })).status,
    ).toBe(404);
  });
});

describe('pushed counts', () => {
  beforeAll(async () => {
    await call(opsSlo, { routeKey: 'POST /slos', role: 'admin', body: { ...sloBody, id: 'counts-slo' } });
  });

  it('a repeat of (source, minute) replaces the counts; another source adds to them', async () => {
    const minute = T0 - 10 * MIN;
    const send = (source: string, good: number, total: number) =>
      call(opsSlo, {
        routeKey: 'POST /slos/{id}/events',
        params: { id: 'counts-slo' },
        role: 'responder',
        body: { source, events: [{ minute: iso(minute + 17_000), good, total }] },
      });
    expect((await send('web', 90, 100)).body).toMatchObject({ minutes: 1, from: iso(minute) });
    await send('web', 90, 100);
    await send('web', 95, 100); // the corrected count for the same minute
    await send('mobile', 10, 10);
    const h = await call(opsSlo, {
      routeKey: 'GET /slos/{id}/history',
      params: { id: 'counts-slo' },
      role: 'viewer',
      query: { from: iso(minute), to: iso(minute + MIN), stepMinutes: '1' },
    });
    expect(h.status).toBe(200);
    expect(h.body.points).toEqual([expect.objectContaining({ good: 105, total: 110 })]);
  });

  it('bad counts are a 422 naming the field and store nothing', async () => {
    const bad = async (events: unknown[], field: string) => {
      const r = await call(opsSlo, {
        routeKey: 'POST /slos/{id}/events',
        params: { id: 'counts-slo' },
        role: 'responder',
        body: { source: 'web', events },
      });
      expect(r.status).toBe(422);
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    await bad([{ minute: iso(T0 - 5 * MIN), good: 11, total: 10 }], 'events.0.good');
    await bad(
      [
        { minute: iso(T0 - 5 * MIN), good: 1, total: 1 },
        { minute: iso(T0 + 3_600_000), good: 1, total: 1 },
      ],
      'events[1].minute',
    );
    const h = await call(opsSlo, {
      routeKey: 'GET /slos/{id}/history',
      params: { id: 'counts-slo' },
      role: 'viewer',
      query: { from: iso(T0 - 5 * MIN), to: iso(T0 - 4 * MIN), stepMinutes: '1' },
    });
    expect(h.body.points[0].total).toBe(0);
  });
});

describe('burn-rate alerts', () => {
  const id = 'outage-slo';
  beforeAll(async () => {
    await call(opsSlo, { routeKey: 'POST /slos', role: 'admin', body: { ...sloBody, id } });
    await push(id, T0 - 3 * 1440 * MIN, T0, 100);
  });

  it('an outage pages at the next tick, and the page resolves once the short window is clean', async () => {
    expect(await tick(T0 - MIN + 30_000, id)).toEqual([]);
    await push(id, T0, T0 + MIN, 100, 100);
    const firing = await tick(T0 + 30_000, id);
    expect(firing).toEqual([expect.objectContaining({ dedupKey: `slo:${id}:page`, action: 'trigger' })]);
    const live = await getLiveAlert(SLO_INTEGRATION_ID, `slo:${id}:page`);
    expect(live).toMatchObject({
      severity: 'critical',
      labels: expect.objectContaining({ slo: id, slo_alert: 'page' }),
    });
    // A repeated tick changes nothing.
    expect(await tick(T0 + 40_000, id)).toEqual([]);

    await push(id, T0 + MIN, T0 + 6 * MIN, 100);
    expect(await tick(T0 + 4 * MIN + 30_000, id)).toEqual([]); // the failing minute is still in the 5m window
    const resolved = await tick(T0 + 5 * MIN + 30_000, id);
    expect(resolved).toEqual([expect.objectContaining({ dedupKey: `slo:${id}:page`, action: 'resolve' })]);
    expect(await getLiveAlert(SLO_INTEGRATION_ID, `slo:${id}:page`)).toBeUndefined();
  });
});

describe('the slow burn tickets', () => {
  const id = 'slow-burn-slo';
  // Eight hours back: three days at 2x, then six clean hours and an hour at 10x, all in the past.
  const B = Math.floor(Date.now() / MIN) * MIN - 8 * 60 * MIN;
  const ticketsOf = async () =>
    (await listRequesterTickets('slo@nocturne.local', 100)).items.filter((t) => t.description.includes(`(${id})`));
  beforeAll(async () => {
    await call(opsSlo, { routeKey: 'POST /slos', role: 'admin', body: { ...sloBody, id, team: 'platform' } });
    await push(id, B - 3 * 1440 * MIN, B, 1000, 2);
  });

  it('opens one ticket and no alert; repeated and concurrent ticks keep it; recovery resolves it; a new burn opens another', async () => {
    const ticks = await Promise.all([tick(B, id), tick(B + 1000, id), tick(B + 2000, id)]);
    expect(ticks.flat()).toEqual([]); // nothing enters the alert pipeline: no incident, no page
    expect(await getLiveAlert(SLO_INTEGRATION_ID, `slo:${id}:ticket`)).toBeUndefined();
    expect(await getLiveAlert(SLO_INTEGRATION_ID, `slo:${id}:page`)).toBeUndefined();
    const state = await getSloTicketState(id);
    expect(state).toMatchObject({ episode: 1, state: 'open', ticketId: expect.any(String) });
    const first = await ticketsOf();
    expect(first.map((t) => t.id)).toEqual([state!.ticketId]);
    expect(first[0]).toMatchObject({
      categoryId: 'slo-burn',
      priority: 'P3',
      subject: 'SLO Checkout success (99.9%) burns its error budget slowly',
    });
    expect(await tick(B + 30_000, id)).toEqual([]);
    expect((await ticketsOf()).length).toBe(1);

    const status = await call(opsSlo, { routeKey: 'GET /slos/{id}', params: { id }, role: 'viewer' });
    expect(status.body.ticket).toMatchObject({ episode: 1, state: 'open', ticketId: state!.ticketId });

    // Recovery: six clean hours empty the 6h window; the ticket gets a comment and is resolved.
    await push(id, B, B + 361 * MIN, 1000);
    expect(await tick(B + 360 * MIN + 30_000, id)).toEqual([]);
    const resolved = await requireTicket(state!.ticketId!);
    expect(resolved.status).toBe('resolved');
    const comments = (await listComments(resolved.id, 10)).items;
    expect(comments).toEqual([
      expect.objectContaining({ body: expect.stringMatching(/^Resolved automatically at .*slow burn stopped/) }),
    ]);
    expect(await getSloTicketState(id)).toMatchObject({ episode: 1, state: 'resolved', reason: 'recovered' });
    await tick(B + 361 * MIN, id); // a late or repeated tick comments nothing more
    expect((await listComments(resolved.id, 10)).items.length).toBe(1);

    // A later slow burn (an hour at 10x: the 3d and 6h windows above 1x, no page) opens a new ticket.
    await push(id, B + 361 * MIN, B + 421 * MIN, 1000, 10);
    expect(await tick(B + 420 * MIN + 30_000, id)).toEqual([]);
    const second = await getSloTicketState(id);
    expect(second).toMatchObject({ episode: 2, state: 'open' });
    expect(second!.ticketId).not.toBe(state!.ticketId);
    expect((await ticketsOf()).length).toBe(2);
  });

  it('deleting the SLO resolves its open ticket', async () => {
    const before = await getSloTicketState(id);
    expect(before?.state).toBe('open');
    expect((await call(opsSlo, { routeKey: 'DELETE /slos/{id}', params: { id }, role: 'admin' })).status).toBe(204);
    expect((await requireTicket(before!.ticketId!)).status).toBe('resolved');
    expect(await getSloTicketState(id)).toMatchObject({ state: 'resolved', reason: 'deleted' });
  });
});

describe('OpenSLO', () => {
  const bundle = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: imported-slo
  displayName: Imported SLO
  annotations:
    nocturne.io/team: platform
spec:
  service: billing-api
  indicator:
    metadata: { name: imported-sli }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: nocturne-events } }
        total: { metricSource: { type: nocturne-events } }
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar: { startTime: "2026-01-01 00:00:00", timeZone: Europe/Berlin }
  budgetingMethod: Occurrences
  objectives: [{ target: 0.995 }]
`;
  const post = (body: string) =>
    call(opsSlo, {
      routeKey: 'POST /slos/openslo',
      role: 'admin',
      headers: { 'content-type': 'application/yaml' },
      body,
    });

  it('a bundle that does not validate is a 422 naming the field, and nothing is stored', async () => {
    const r = await post(bundle.replace('target: 0.995', 'target: 1.2'));
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'documents[0].spec.objectives[0].target' })]);
    expect(
      (await call(opsSlo, { routeKey: 'GET /slos/{id}', params: { id: 'imported-slo' }, role: 'viewer' })).status,
    ).toBe(404);
  });

  it('imports YAML, exports it again, and the export imports to the same SLO', async () => {
    const created = await post(bundle);
    expect(created.status).toBe(201);
    expect(created.body.items[0]).toMatchObject({
      id: 'imported-slo',
      team: 'platform',
      objective: 99.5,
      timeZone: 'Europe/Berlin',
      window: { kind: 'calendar', unit: 'month' },
    });
    expect((await post(bundle)).status).toBe(409);
    const exported = await call(opsSlo, {
      routeKey: 'GET /slos/{id}/openslo',
      params: { id: 'imported-slo' },
      role: 'viewer',
    });
    expect(exported.headers['content-type']).toBe('application/yaml');
    expect(exported.body).toContain('kind: SLO');
    await call(opsSlo, { routeKey: 'DELETE /slos/{id}', params: { id: 'imported-slo' }, role: 'admin' });
    const again = await post(exported.body);
    expect(again.status).toBe(201);
    const { createdAt: _a, updatedAt: _b, ...first } = created.body.items[0];
    const { createdAt: _c, updatedAt: _d, ...second } = again.body.items[0];
    expect(second).toEqual(first);
  });
});

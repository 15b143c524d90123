// Reading alerts through the ops API: filters, time window, pagination, roles.
import { handler as ingest } from '../../functions/ingest/handler';
import { handler as opsAlerts } from '../../functions/ops-alerts/handler';
import { call, type Handler } from '../support/http-event';
import { givenIntegration } from '../support/store';
import { placeAlert } from '../../shared/app/incidents/engine';
import { invalidateQuietRules, silences } from '../../shared/store/silences';

const list = (query: Record<string, string>, role: 'viewer' | null = 'viewer') =>
  call(opsAlerts as Handler, { routeKey: 'GET /alerts', query, role });

describe('GET /alerts', () => {
  it('lists an integration’s alerts newest first, filters by status, and pages without loss', async () => {
    const { id, token } = await givenIntegration('generic');
    const send = (body: object) =>
      call(ingest as Handler, {
        routeKey: 'POST /hooks/{integrationId}',
        params: { integrationId: id },
        headers: { authorization: `Bearer ${token}` },
        body,
      });
    for (let i = 0; i < 7; i++) await send({ dedupKey: `a${i}`, summary: `alert ${i}` });
    await send({ dedupKey: 'a0', summary: 'x', status: 'resolved' });

    const all: Array<{ dedupKey: string; status: string }> = [];
    let cursor: string | undefined;
    do {
      const r = await list({ integration: id, limit: '3', ...(cursor ? { cursor } : {}) });
      expect(r.status).toBe(200);
      all.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(all.map((a) => a.dedupKey)).toEqual(['a6', 'a5', 'a4', 'a3', 'a2', 'a1', 'a0']);

    const resolved = await list({ integration: id, status: 'resolved' });
    expect(resolved.body.items.map((a: { dedupKey: string }) => a.dedupKey)).toEqual(['a0']);
    const firing = await list({ integration: id, status: 'firing' });
    expect(firing.body.items).toHaveLength(6);
  });

  it('validates the query and the role', async () => {
    expect((await list({ status: 'open' })).status).toBe(422);
    expect((await list({ since: 'yesterday' })).status).toBe(422);
    expect((await list({ since: '2020-01-01T00:00:00Z' })).status).toBe(422);
    expect((await list({}, null)).status).toBe(401);
  });

  it('answers 404 problem+json for an unknown alert id', async () => {
    const r = await call(opsAlerts as Handler, {
      routeKey: 'GET /alerts/{id}',
      params: { id: 'NOPE' },
      role: 'viewer',
    });
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain('NOPE');
  });
});

describe('why an alert opened no incident', () => {
  it('GET /alerts/{id} says what became of the alert, and GET /alerts filters by it', async () => {
    const { id, token } = await givenIntegration('generic');
    const send = (body: object) =>
      call(ingest as Handler, {
        routeKey: 'POST /hooks/{integrationId}',
        params: { integrationId: id },
        headers: { authorization: `Bearer ${token}` },
        body,
      });
    const tag = `disp-${Date.now()}`;
    const now = new Date();
    await silences.create(
      {
        id: `${tag}-sil`,
        matchers: [{ label: 'quiet', op: '=', value: tag }],
        startsAt: new Date(now.getTime() - 60_000).toISOString(),
        endsAt: new Date(now.getTime() + 3600_000).toISOString(),
        comment: 'known noise',
        createdBy: 't',
      },
      now.toISOString(),
    );
    invalidateQuietRules();
    const quiet = (await send({ dedupKey: `${tag}-q`, summary: 'noisy', labels: { quiet: tag } })).body.alerts[0]
      .alertId as string;
    const loud = (await send({ dedupKey: `${tag}-l`, summary: 'real', labels: { alertname: tag } })).body.alerts[0]
      .alertId as string;
    const waiting = (await send({ dedupKey: `${tag}-w`, summary: 'not placed yet' })).body.alerts[0].alertId as string;
    await placeAlert(quiet, new Date());
    await placeAlert(loud, new Date());

    const q = await call(opsAlerts as Handler, { routeKey: 'GET /alerts/{id}', params: { id: quiet }, role: 'viewer' });
    expect(q.body.disposition).toMatchObject({
      kind: 'silenced',
      silenceId: `${tag}-sil`,
      reason: expect.stringContaining('silenced by'),
    });
    const l = await call(opsAlerts as Handler, { routeKey: 'GET /alerts/{id}', params: { id: loud }, role: 'viewer' });
    expect(l.body.disposition).toMatchObject({ kind: 'incident', incidentId: expect.any(String) });
    const w = await call(opsAlerts as Handler, {
      routeKey: 'GET /alerts/{id}',
      params: { id: waiting },
      role: 'viewer',
    });
    expect(w.body.disposition).toMatchObject({ kind: 'pending' });

    const silenced = await list({ integration: id, disposition: 'silenced' });
    expect(silenced.status).toBe(200);
    expect(silenced.body.items.map((a: { id: string }) => a.id)).toEqual([quiet]);
    expect(silenced.body.items[0].disposition).toMatchObject({ kind: 'silenced' });
    expect(
      (await list({ integration: id, disposition: 'pending' })).body.items.map((a: { id: string }) => a.id),
    ).toEqual([waiting]);
    expect((await list({ disposition: 'nonsense' })).status).toBe(422);
  });
});

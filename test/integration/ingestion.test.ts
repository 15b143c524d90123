// Alert ingestion against DynamoDB Local: storage semantics, idempotency, concurrency and the
// error answers of POST /hooks/{integrationId}.
import { handler as ingest } from '../../functions/ingest/handler';
import { handler as opsAlerts } from '../../functions/ops-alerts/handler';
import { getLiveAlert } from '../../shared/store/alerts';
import { updateIntegration } from '../../shared/store/integrations';
import { call, type Handler } from '../support/http-event';
import { givenIntegration } from '../support/store';

const hook = (id: string, token: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
  call(ingest as Handler, {
    routeKey: 'POST /hooks/{integrationId}',
    params: { integrationId: id },
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body as object,
  });

const generic = (dedupKey: string, extra: Record<string, unknown> = {}) => ({
  dedupKey,
  summary: `Problem ${dedupKey}`,
  severity: 'critical',
  ...extra,
});

describe('POST /hooks/{integrationId} stores alerts', () => {
  it('creates an alert on first firing, counts repeats, and archives it on resolve', async () => {
    const { id, token } = await givenIntegration('generic', { service: 'billing-api' });

    const first = await hook(id, token, generic('disk-full', { labels: { host: 'db-1' } }));
    expect(first.status).toBe(202);
    expect(first.body.alerts).toEqual([expect.objectContaining({ dedupKey: 'disk-full', outcome: 'created' })]);
    const alertId = first.body.alerts[0].alertId as string;

    const second = await hook(id, token, generic('disk-full', { summary: 'Disk 99% full' }));
    expect(second.body.alerts[0]).toMatchObject({ outcome: 'repeated', alertId });
    const live = await getLiveAlert(id, 'disk-full');
    expect(live).toMatchObject({
      id: alertId,
      count: 2,
      summary: 'Disk 99% full',
      service: 'billing-api',
      status: 'firing',
    });

    const resolved = await hook(id, token, generic('disk-full', { status: 'resolved' }));
    expect(resolved.body.alerts[0]).toMatchObject({ outcome: 'resolved', alertId });
    expect(await getLiveAlert(id, 'disk-full')).toBeUndefined();

    const read = await call(opsAlerts as Handler, {
      routeKey: 'GET /alerts/{id}',
      params: { id: alertId },
      role: 'viewer',
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: alertId, status: 'resolved', count: 2 });
    expect(JSON.parse(read.body.rawPayload.body)).toMatchObject({ dedupKey: 'disk-full', labels: { host: 'db-1' } });
  });

  it('starts a new alert when the same key fires again after resolving', async () => {
    const { id, token } = await givenIntegration('generic');
    const a = await hook(id, token, generic('cpu'));
    await hook(id, token, generic('cpu', { status: 'resolved' }));
    const b = await hook(id, token, generic('cpu', { summary: 'again' }));
    expect(b.body.alerts[0].outcome).toBe('created');
    expect(b.body.alerts[0].alertId).not.toBe(a.body.alerts[0].alertId);
  });

  it('drops a resolve for a key with no open alert and stores nothing for it', async () => {
    const { id, token } = await givenIntegration('generic');
    const r = await hook(id, token, generic('never-fired', { status: 'resolved' }));
    expect(r.status).toBe(202);
    expect(r.body.alerts[0]).toMatchObject({ outcome: 'dropped', reason: 'no-open-alert' });
  });

  it('treats a retried delivery of the same body as a retry: nothing changes', async () => {
    const { id, token } = await givenIntegration('generic');
    const body = generic('retry-me');
    const first = await hook(id, token, body);
    const again = await hook(id, token, body);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ status: 'duplicate', payloadId: first.body.payloadId, alerts: [] });
    expect((await getLiveAlert(id, 'retry-me'))?.count).toBe(1);
  });

  it('opens a new alert for a byte-identical trigger after a resolve (a retry only while nothing changed)', async () => {
    const { id, token } = await givenIntegration('generic');
    const trigger = generic('again-and-again');
    const first = await hook(id, token, trigger);
    const firstId = first.body.alerts[0].alertId as string;
    expect((await hook(id, token, generic('again-and-again', { status: 'resolved' }))).body.alerts[0].outcome).toBe(
      'resolved',
    );

    const second = await hook(id, token, trigger);
    expect(second.status).toBe(202);
    expect(second.body.alerts[0]).toMatchObject({ outcome: 'created' });
    expect(second.body.alerts[0].alertId).not.toBe(firstId);
    // A true retry of that delivery, with nothing in between, still changes nothing.
    expect((await hook(id, token, trigger)).body).toMatchObject({ status: 'duplicate', alerts: [] });
    expect(await getLiveAlert(id, 'again-and-again')).toMatchObject({ id: second.body.alerts[0].alertId, count: 1 });

    // The identical resolve after the new trigger resolves the new alert too.
    const resolvedAgain = await hook(id, token, generic('again-and-again', { status: 'resolved' }));
    expect(resolvedAgain.body.alerts[0]).toMatchObject({ outcome: 'resolved', alertId: second.body.alerts[0].alertId });
  });

  it('counts a byte-identical repeat after a different delivery of the same alert (something changed in between)', async () => {
    const { id, token } = await givenIntegration('generic');
    const a = generic('abab', { summary: 'A' });
    await hook(id, token, a);
    await hook(id, token, generic('abab', { summary: 'B' }));
    const again = await hook(id, token, a);
    expect(again.body.alerts[0]).toMatchObject({ outcome: 'repeated' });
    expect(await getLiveAlert(id, 'abab')).toMatchObject({ count: 3, summary: 'A' });
  });

  it('makes 50 concurrent deliveries of one body a single alert counted once', async () => {
    const { id, token } = await givenIntegration('generic');
    const body = generic('storm');
    const answers = await Promise.all(Array.from({ length: 50 }, () => hook(id, token, body)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    const live = await getLiveAlert(id, 'storm');
    expect(live?.count).toBe(1);
    const ids = new Set(answers.flatMap((a) => a.body.alerts.map((x: { alertId: string }) => x.alertId)));
    expect([...ids]).toEqual([live!.id]);
  });

  it('counts 30 concurrent distinct deliveries of one alert exactly 30 times (no lost update)', async () => {
    const { id, token } = await givenIntegration('generic');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => hook(id, token, generic('busy', { details: { n: i } }))),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    expect(answers.filter((a) => a.body.alerts[0].outcome === 'created')).toHaveLength(1);
    expect((await getLiveAlert(id, 'busy'))?.count).toBe(30);
  });

  it('accepts many alerts in one request', async () => {
    const { id, token } = await givenIntegration('generic');
    const alerts = Array.from({ length: 40 }, (_, i) => generic(`k${i}`));
    const r = await hook(id, token, { alerts });
    expect(r.status).toBe(202);
    expect(r.body.alerts).toHaveLength(40);
    expect(new Set(r.body.alerts.map((a: { outcome: string }) => a.outcome))).toEqual(new Set(['created']));
  });

  it('accepts the token from X-Nocturne-Token and from ?token=', async () => {
    const { id, token } = await givenIntegration('generic');
    expect((await hook(id, undefined, generic('h'), { 'x-nocturne-token': token })).status).toBe(202);
    const q = await call(ingest as Handler, {
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: id },
      query: { token },
      body: generic('q'),
    });
    expect(q.status).toBe(202);
  });
});

describe('POST /hooks/{integrationId} rejects bad input with problem+json and stores nothing', () => {
  it('answers 401 for a missing or wrong token', async () => {
    const { id, token } = await givenIntegration('generic');
    for (const t of [undefined, `${token}x`, 'short']) {
      const r = await hook(id, t, generic('nope'));
      expect(r.status).toBe(401);
      expect(r.headers['content-type']).toBe('application/problem+json');
    }
    expect(await getLiveAlert(id, 'nope')).toBeUndefined();
  });

  it('answers 404 for an unknown or disabled integration', async () => {
    expect((await hook('no-such-integration', 'x', generic('a'))).status).toBe(404);
    const { id, token } = await givenIntegration('generic');
    await updateIntegration(id, { enabled: false }, new Date().toISOString());
    const r = await hook(id, token, generic('a'));
    expect(r.status).toBe(404);
    expect(r.body.detail).toContain(id);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const { id, token } = await givenIntegration('generic');
    const r = await hook(id, token, JSON.stringify(generic('big', { details: { blob: 'x'.repeat(1024 * 1024) } })));
    expect(r.status).toBe(413);
    expect(await getLiveAlert(id, 'big')).toBeUndefined();
  });

  it('answers 400 for malformed JSON and 422 naming the field for a wrong shape', async () => {
    const { id, token } = await givenIntegration('generic');
    const bad = await hook(id, token, '{"dedupKey": ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ status: 400, title: 'Bad request' });
    const wrong = await hook(id, token, { dedupKey: 'x', summary: 42, severity: 'apocalyptic' });
    expect(wrong.status).toBe(422);
    const fields = wrong.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['summary', 'severity']));
    expect(await getLiveAlert(id, 'x')).toBeUndefined();
  });
});

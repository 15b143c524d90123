// The integrations ops API against DynamoDB Local: CRUD, token handling, roles, optimistic locking.
import { handler as ingest } from '../../functions/ingest/handler';
import { handler as ops } from '../../functions/ops-integrations/handler';
import { getIntegration } from '../../shared/store/integrations';
import { call, type Handler } from '../support/http-event';

const api = (
  routeKey: string,
  opts: {
    id?: string;
    body?: unknown;
    role?: 'viewer' | 'responder' | 'admin' | null;
    query?: Record<string, string>;
  } = {},
) =>
  call(ops as Handler, {
    routeKey,
    params: opts.id ? { id: opts.id } : undefined,
    body: opts.body as object,
    role: opts.role === undefined ? 'admin' : opts.role,
    query: opts.query,
  });

const uniq = () => `it-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

describe('integrations ops API', () => {
  it('creates an integration, shows its token once and stores only its hash', async () => {
    const id = uniq();
    const r = await api('POST /integrations', {
      body: { id, type: 'alertmanager', name: 'Prod Alertmanager', service: 'billing-api' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.location).toBe(`/integrations/${id}`);
    expect(r.body).toMatchObject({ id, type: 'alertmanager', enabled: true, webhookPath: `/hooks/${id}` });
    expect(r.body.token).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body.tokenHash).toBeUndefined();
    const stored = await getIntegration(id);
    expect(JSON.stringify(stored)).not.toContain(r.body.token);

    const read = await api('GET /integrations/{id}', { id });
    expect(read.status).toBe(200);
    expect(read.body.token).toBeUndefined();
    expect(read.body.tokenHint).toBe(r.body.token.slice(-4));
  });

  it('rejects a duplicate id with 409 and invalid fields with 422 naming them', async () => {
    const id = uniq();
    expect((await api('POST /integrations', { body: { id, type: 'generic', name: 'a' } })).status).toBe(201);
    expect((await api('POST /integrations', { body: { id, type: 'generic', name: 'b' } })).status).toBe(409);
    const bad = await api('POST /integrations', { body: { id: 'Bad Id!', type: 'splunk', name: '' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['id', 'name', 'type']);
  });

  it('rotates the token: the old one stops working, the new one works', async () => {
    const id = uniq();
    const created = await api('POST /integrations', { body: { id, type: 'generic', name: 'rot' } });
    const rotated = await api('POST /integrations/{id}/rotate-token', { id });
    expect(rotated.status).toBe(200);
    expect(rotated.body.token).not.toBe(created.body.token);
    const send = (token: string) =>
      call(ingest as Handler, {
        routeKey: 'POST /hooks/{integrationId}',
        params: { integrationId: id },
        headers: { authorization: `Bearer ${token}` },
        body: { dedupKey: `k-${token}`, summary: 's' },
      });
    expect((await send(created.body.token)).status).toBe(401);
    expect((await send(rotated.body.token)).status).toBe(202);
  });

  it('patches with optimistic locking: a stale version gets 409 and changes nothing', async () => {
    const id = uniq();
    await api('POST /integrations', { body: { id, type: 'generic', name: 'v1' } });
    const ok = await api('PATCH /integrations/{id}', { id, body: { name: 'v2', version: 1 } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'v2', version: 2 });
    const stale = await api('PATCH /integrations/{id}', { id, body: { name: 'v3', version: 1 } });
    expect(stale.status).toBe(409);
    expect((await getIntegration(id))?.name).toBe('v2');
    expect((await api('PATCH /integrations/{id}', { id, body: { colour: 'red' } })).status).toBe(422);
    expect((await api('PATCH /integrations/{id}', { id: 'nope-404', body: { name: 'x' } })).status).toBe(404);
  });

  it('deletes an integration and its webhook then answers 404', async () => {
    const id = uniq();
    const created = await api('POST /integrations', { body: { id, type: 'generic', name: 'del' } });
    expect((await api('DELETE /integrations/{id}', { id })).status).toBe(204);
    expect((await api('GET /integrations/{id}', { id })).status).toBe(404);
    const r = await call(ingest as Handler, {
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: id },
      headers: { authorization: `Bearer ${created.body.token}` },
      body: { dedupKey: 'k', summary: 's' },
    });
    expect(r.status).toBe(404);
    expect((await api('DELETE /integrations/{id}', { id })).status).toBe(404);
  });

  it('lists with cursor pagination', async () => {
    for (let i = 0; i < 3; i++)
      await api('POST /integrations', { body: { id: uniq(), type: 'generic', name: `p${i}` } });
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await api('GET /integrations', { query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      for (const i of r.body.items) {
        expect(seen.has(i.id)).toBe(false);
        seen.add(i.id);
      }
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 200);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    expect((await api('GET /integrations', { query: { cursor: 'not-a-cursor' } })).status).toBe(400);
    const forged = Buffer.from(JSON.stringify({ pk: 1 })).toString('base64url');
    expect((await api('GET /integrations', { query: { cursor: forged } })).status).toBe(400);
    expect((await api('GET /integrations', { query: { limit: '0' } })).status).toBe(422);
  });

  it('requires the admin role: 401 without a principal, 403 for viewer and responder', async () => {
    expect((await api('GET /integrations', { role: null })).status).toBe(401);
    for (const role of ['viewer', 'responder'] as const) {
      const r = await api('POST /integrations', { role, body: { type: 'generic', name: 'x' } });
      expect(r.status).toBe(403);
      expect(r.headers['content-type']).toBe('application/problem+json');
    }
  });
});

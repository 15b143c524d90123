// Monthly operations and SLA reports end to end through the local runtime (one runtime): the demo
// has last month's report; an on-demand report of the demo month names the demo services in its
// HTML, its PDF parses back, and the notifications topic got exactly one message for it, also when
// the request is retried; the files come through presigned S3 links (a 303 to a link that downloads
// without a token, the link as JSON, a week-long link in the delivered message); subscribers CRUD;
// bad input is a 4xx naming the field.
import { PDFDocument } from 'pdf-lib';
import { previousMonth, monthAt } from '../../shared/domain/reports/month';
import { startTestRuntime, type TestRuntime } from '../support/local';

jest.setTimeout(120_000);

const ADMIN = 'demo-admin-token';
const VIEWER = 'demo-viewer-token';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let rt: TestRuntime;
const started = new Date();

beforeAll(async () => {
  rt = await startTestRuntime({ seedDemo: true });
}, 120_000);
afterAll(async () => {
  await rt?.stop();
});

const call = async (method: string, path: string, token: string, body?: unknown) => {
  const r = await rt.request(method, path, { token, body });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Json };
};
const reportMessages = (id: string) =>
  rt.snsMessages().filter((m) => m.topic === 'notifications' && m.attributes?.report === id);

it("the demo has last month's complete report", async () => {
  const last = previousMonth(started, 'UTC');
  const list = await call('GET', `/reports?month=${last}`, VIEWER);
  expect(list.status).toBe(200);
  expect(list.body.items).toEqual([
    expect.objectContaining({ id: `${last}-utc`, month: last, timeZone: 'UTC', complete: true, trigger: 'schedule' }),
  ]);
});

it('generates the demo month on demand: HTML with the demo services, a PDF that parses, one notification', async () => {
  const month = monthAt(started, 'UTC');
  const id = `${month}-utc`;
  const made = await call('POST', '/reports', ADMIN, { month, timeZone: 'UTC' });
  expect(made.status).toBe(201);
  expect(made.headers.get('location')).toBe(`/reports/${id}`);
  expect(made.body).toMatchObject({ id, month, complete: false, trigger: 'demand', revision: 1 });
  expect(made.body.delivery).toEqual({ sent: ['topic:notifications'], skipped: [] });
  expect(made.body.summary.services).toBeGreaterThanOrEqual(4);

  const html = await call('GET', `/reports/${id}/html`, VIEWER);
  expect(html.status).toBe(200);
  expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  for (const name of ['Billing API', 'Billing database', 'Rating engine', 'OCS adaptor'])
    expect(html.text).toContain(name);
  expect(html.text).toContain('<svg');

  const pdf = await rt.request('GET', `/reports/${id}/pdf`, { token: VIEWER });
  expect(pdf.status).toBe(200);
  expect(pdf.headers.get('content-type')).toBe('application/pdf');
  const bytes = new Uint8Array(await pdf.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
  const parsed = await PDFDocument.load(bytes);
  expect(parsed.getPageCount()).toBeGreaterThanOrEqual(1);
  expect(parsed.getTitle()).toMatch(/^Operations and SLA report: /);

  const messages = reportMessages(id);
  expect(messages).toHaveLength(1);
  expect(messages[0]!.message).toContain(`/reports/${id}/html`);

  // The same figures again (nothing happened meanwhile): a new revision, no second message.
  const again = await call('POST', '/reports', ADMIN, { month, timeZone: 'UTC' });
  expect(again.status).toBe(201);
  expect(again.body.revision).toBe(2);
  if (again.body.digest === made.body.digest) {
    expect(again.body.delivery).toEqual({ sent: [], skipped: ['topic:notifications'] });
    expect(reportMessages(id)).toHaveLength(1);
  }

  const one = await call('GET', `/reports/${id}`, VIEWER);
  expect(one.body).toMatchObject({ id, revision: 2, links: { pdf: expect.stringContaining(`/reports/${id}/pdf`) } });
});

it('serves the files through presigned S3 links that download without a token', async () => {
  const id = `${previousMonth(started, 'UTC')}-utc`;
  const res = await fetch(`${rt.url}/reports/${id}/pdf`, {
    headers: { authorization: `Bearer ${VIEWER}` },
    redirect: 'manual',
  });
  expect(res.status).toBe(303);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const location = res.headers.get('location')!;
  expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Expires=900&.*X-Amz-Signature=[0-9a-f]{64}/);
  const body = (await res.json()) as Json;
  expect(body).toMatchObject({ url: location, contentType: 'application/pdf', bytes: expect.any(Number) });
  const lifetime = Date.parse(body.expiresAt) - Date.now();
  expect(lifetime).toBeGreaterThan(14 * 60_000);
  expect(lifetime).toBeLessThanOrEqual(15 * 60_000);

  const file = await fetch(location); // no token: the link is the permission
  expect(file.status).toBe(200);
  expect(file.headers.get('content-type')).toBe('application/pdf');
  expect(file.headers.get('content-disposition')).toBe(`inline; filename="nocturne-report-${id}.pdf"`);
  const bytes = Buffer.from(await file.arrayBuffer());
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(bytes.length).toBe(body.bytes);

  // ?link=true: the link as JSON (e.g. for the board to open in a new tab).
  const link = await call('GET', `/reports/${id}/html?link=true`, VIEWER);
  expect(link.status).toBe(200);
  expect(link.body).toMatchObject({ contentType: 'text/html; charset=utf-8', url: expect.stringContaining('X-Amz-') });
  const html = await fetch(link.body.url);
  expect(html.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await html.text()).toContain('<svg');

  // The delivered message carries week-long links that download as well.
  const month = monthAt(started, 'UTC');
  const [message] = reportMessages(`${month}-utc`);
  const pdfLink = /PDF: +(http:\/\/127\.0\.0\.1\S+)/.exec(message!.message)?.[1];
  expect(pdfLink).toMatch(/X-Amz-Expires=604800&/);
  const mailed = await fetch(pdfLink!);
  expect(
    Buffer.from(await mailed.arrayBuffer())
      .subarray(0, 5)
      .toString('latin1'),
  ).toBe('%PDF-');

  // Unknown report: 404 problem+json; a bad link value: 400 naming it; no token: 401.
  const missing = await call('GET', '/reports/2026-01-nowhere/pdf', VIEWER);
  expect(missing.status).toBe(404);
  expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
  const badLink = await call('GET', `/reports/${id}/pdf?link=yes`, VIEWER);
  expect([400, 422]).toContain(badLink.status);
  expect(badLink.body.errors.map((e: Json) => e.field)).toContain('link');
  expect((await fetch(`${rt.url}/reports/${id}/pdf`, { redirect: 'manual' })).status).toBe(401);
});

it('keeps subscribers (admin only) and refuses bad input with the field named', async () => {
  const created = await call('POST', '/reports/subscribers', ADMIN, {
    email: 'cfo@example.com',
    timeZone: 'Europe/Berlin',
  });
  expect(created.status).toBe(201);
  const sid = created.body.id as string;
  expect((await call('GET', '/reports/subscribers', VIEWER)).body.items.map((s: Json) => s.id)).toContain(sid);
  expect((await call('POST', '/reports/subscribers', VIEWER, { email: 'x@example.com' })).status).toBe(403);
  const updated = await call('PUT', `/reports/subscribers/${sid}`, ADMIN, { version: 1, name: 'CFO' });
  expect(updated.body).toMatchObject({ name: 'CFO', version: 2 });
  expect((await call('PUT', `/reports/subscribers/${sid}`, ADMIN, { version: 1, name: 'x' })).status).toBe(409);
  expect((await call('DELETE', `/reports/subscribers/${sid}`, ADMIN)).status).toBe(204);
  expect((await call('GET', `/reports/subscribers/${sid}`, VIEWER)).status).toBe(404);

  const bad = [
    [{ month: '2026-13' }, 'month'],
    [{ month: '2999-01' }, 'month'],
    [{ month: '2026-01', timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ month: '2026-01', extra: 1 }, ''],
  ] as const;
  for (const [body, field] of bad) {
    const r = await call('POST', '/reports', ADMIN, body);
    expect([400, 422]).toContain(r.status);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    if (field) expect(r.body.errors.map((e: Json) => e.field)).toContain(field);
  }
  expect((await call('POST', '/reports/subscribers', ADMIN, { email: 'not-an-address' })).status).toBe(422);
  expect((await call('GET', '/reports/2026-01-nowhere', VIEWER)).status).toBe(404);
  expect((await call('GET', `/reports/${'x'.repeat(300)}/pdf`, VIEWER)).status).toBe(404);
});

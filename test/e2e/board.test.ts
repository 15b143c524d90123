// The command board in real Chromium (Debian's, driven by playwright-core) against the whole
// local runtime with the demo configuration: sign in with an ops token; an alert posted to a
// webhook shows up as an incident without a reload; acknowledging it on the page stops its
// escalation; a status update posted on the page reaches the public status page and the
// service's stakeholder subscribers once; the Services view shows SLO budget charts and the latest
// revenue-assurance run. Screenshots of every view land in
// test-output/board/ (git-ignored); axe-core finds no serious or critical violation.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { amPayload } from '../support/alertmanager';
import { startTestRuntime, type TestRuntime } from '../support/local';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
const OUT = path.resolve(__dirname, '..', '..', 'test-output', 'board');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const RESPONDER = 'demo-responder-token';

let rt: TestRuntime;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let incidentId: string;
let ticketId: string | undefined;

beforeAll(async () => {
  if (!CHROMIUM)
    throw new Error('Chromium not found: apt-get install chromium (npm test installs it) or set CHROMIUM_PATH');
  mkdirSync(OUT, { recursive: true });
  [rt, browser] = await Promise.all([
    startTestRuntime({ seedDemo: true }),
    chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] }),
  ]);
  await rt.warmBoard();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.stop();
});

async function sweepAhead(seconds: number): Promise<void> {
  await rt.settle();
  await sweepOnce(() => new Date(Date.now() + seconds * 1000), { handlers: timerHandlers });
  await rt.settle();
}
const pagesFor = (id: string) => rt.snsMessages().filter((m) => m.topic === 'pages' && m.attributes.incident === id);

async function shot(name: string, p: Page = page): Promise<void> {
  await p.screenshot({ path: path.join(OUT, `${name}.png`), fullPage: true });
}

/** axe-core in the page: serious and critical violations (ids and the first offending nodes). */
async function axeViolations(p: Page = page): Promise<string[]> {
  const result = (await p.evaluate(`${AXE}\n;axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }>;
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

it('signs in with an ops token and shows the Now view', async () => {
  await page.goto(`${rt.url}/`);
  await page.getByLabel('Ops API token').fill(RESPONDER);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: /Open incidents/ }).waitFor();
  await page.getByRole('heading', { name: 'On call now' }).waitFor();
  expect(page.url()).toBe(`${rt.url}/board/`);
  expect(await axeViolations()).toEqual([]);
});

it('shows a new incident live, without a reload, after an alert is posted to a webhook', async () => {
  const title = 'Invoice run stalled on the board';
  const hook = await rt.request('POST', '/hooks/demo-alertmanager', {
    token: 'demo-alertmanager-token',
    body: amPayload([
      {
        labels: {
          alertname: 'InvoiceRunStalled',
          service: 'billing-api',
          instance: 'billing-api-7',
          severity: 'critical',
        },
        summary: title,
      },
    ]),
  });
  expect(hook.status).toBe(202);
  const accepted = Date.now();
  const row = page.locator('[data-testid=open-incidents] tr', { hasText: 'InvoiceRunStalled' });
  await row.waitFor({ timeout: 10_000 });
  const shownAfterMs = Date.now() - accepted;
  incidentId = (await row.getAttribute('data-incident'))!;
  await expect(row.textContent()).resolves.toMatch(/P1 critical.*billing-api.*platform.*triggered/);
  console.log(JSON.stringify({ board: 'incident shown after 202', ms: shownAfterMs }));
  await shot('now');
});

it('acknowledges the incident from its page, and the escalation stops', async () => {
  await sweepAhead(31); // the group window closes: the on-call person is paged
  const paged = pagesFor(incidentId).length;
  expect(paged).toBeGreaterThan(0);
  await page.locator(`a[href="#/incidents/${incidentId}"]`).click();
  await page.getByTestId('escalation').filter({ hasText: 'active' }).waitFor();
  await page.getByRole('button', { name: 'Acknowledge' }).click();
  await page.locator('.incident-head .status', { hasText: 'acknowledged' }).waitFor();
  await page.getByTestId('escalation').filter({ hasText: 'stopped, acknowledged' }).waitFor({ timeout: 10_000 });
  // The next levels fall due: nobody is paged again.
  await sweepAhead(6 * 60);
  await sweepAhead(20 * 60);
  expect(pagesFor(incidentId)).toHaveLength(paged);
  await page.getByRole('listitem').filter({ hasText: 'Acknowledged by' }).first().waitFor();
  const detail = (await (await rt.request('GET', `/incidents/${incidentId}`, { token: RESPONDER })).json()) as {
    status: string;
    tickets: Array<{ ticketId: string }>;
  };
  expect(detail.status).toBe('acknowledged');
  ticketId = detail.tickets[0]?.ticketId;
  await shot('incident');
  expect(await axeViolations()).toEqual([]);
});

it('posts a status update that shows on the public page and reaches subscribers once', async () => {
  // A stakeholder subscribes to billing-api's status updates.
  const sub = await rt.request('POST', '/services/billing-api/subscriptions', {
    token: 'demo-admin-token',
    body: { subscriber: { type: 'email', address: 'cfo@example.com' }, events: ['statusUpdate'] },
  });
  expect(sub.status).toBe(201);
  const form = page.locator('form', { has: page.getByRole('button', { name: 'Post status update' }) });
  await form.getByLabel('Status').selectOption('identified');
  await form.getByLabel(/Impact on/).selectOption('major_outage');
  await form.getByLabel('Message').fill('Invoices are delayed; we found the stuck job and are restarting it.');
  await form.getByRole('button', { name: 'Post status update' }).click();
  await form.getByRole('status').filter({ hasText: 'done' }).waitFor();
  await page.getByText('Invoices are delayed; we found the stuck job').waitFor();

  const pub = await context.newPage();
  await pub.goto(`${rt.url}/status`);
  await pub.getByText('Invoices are delayed; we found the stuck job').waitFor();
  expect(await pub.locator('.banner').textContent()).toBe('Major System Outage');
  expect(await pub.locator('ul.components li', { hasText: 'Billing API' }).textContent()).toContain('Major outage');
  await shot('status-page', pub);
  expect(await axeViolations(pub)).toEqual([]);
  const summary = (await (await rt.request('GET', '/api/v2/summary.json')).json()) as {
    status: { indicator: string };
    incidents: Array<{ id: string; status: string; incident_updates: Array<{ body: string }> }>;
  };
  expect(summary.status.indicator).toBe('critical');
  expect(summary.incidents).toEqual([expect.objectContaining({ id: incidentId, status: 'identified' })]);
  await pub.close();

  const toCfo = () =>
    rt.snsMessages().filter((m) => m.topic === 'stakeholders' && m.attributes.address === 'cfo@example.com');
  expect(toCfo()).toHaveLength(1);
  expect(toCfo()[0]!.attributes).toMatchObject({ kind: 'status-update', event: 'statusUpdate', incident: incidentId });

  // The same update twice with one Idempotency-Key: published once.
  const post = () =>
    rt.request('POST', `/incidents/${incidentId}/status-updates`, {
      token: RESPONDER,
      headers: { 'idempotency-key': 'board-e2e-monitoring' },
      body: { status: 'monitoring', body: 'The job is running again; we are watching it.' },
    });
  const [first, second] = [await post(), await post()];
  expect([first.status, second.status]).toEqual([201, 201]);
  expect(await second.json()).toEqual(await first.json());
  expect(toCfo()).toHaveLength(2);
  const updates = (await (
    await rt.request('GET', `/incidents/${incidentId}/status-updates`, { token: RESPONDER })
  ).json()) as {
    items: Array<{ status: string }>;
  };
  expect(updates.items.map((u) => u.status)).toEqual(['monitoring', 'identified']);
});

it('shows SLO budget charts and the latest RA run with its findings on the Services view', async () => {
  // The demo delivered and loaded yesterday's usage files; a responder runs its reconciliation.
  const period = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const started = await rt.request('POST', '/ra/runs', { token: RESPONDER, body: { period } });
  expect(started.status).toBe(202);
  const runId = ((await started.json()) as { id: string }).id;
  await rt.stepFunctions.service.idle();
  const run = (await (await rt.request('GET', `/ra/runs/${runId}`, { token: RESPONDER })).json()) as {
    status: string;
    summary: { counts: Record<string, number> };
  };
  expect(run.status).toBe('succeeded');

  await page.goto(`${rt.url}/board/#/services`);
  await page.getByRole('heading', { name: 'Service level objectives' }).waitFor();
  // Each demo SLO with a status in words and its budget left; a real chart per SLO.
  const checkout = page.locator('[data-testid=slos] tr[data-slo=demo-checkout-success]');
  await checkout.waitFor({ timeout: 60_000 });
  expect(await checkout.textContent()).toMatch(
    /billing-api.*Checkout requests succeed.*(OK|Burning|No data).*-?\d+\.\d %/,
  );
  await page.locator('[data-testid=slos] tr[data-slo=demo-rating-success]').waitFor();
  await page.locator('[data-testid=slos] .chart canvas').first().waitFor();
  expect(await page.locator('[data-testid=slos] .chart[role=img]').count()).toBeGreaterThanOrEqual(2);
  // The RA run: leakage, findings per class as the API counts them, the largest findings.
  const ra = page.getByTestId('ra');
  await ra.waitFor({ timeout: 60_000 });
  expect(await ra.textContent()).toContain(`Run of ${period}`);
  for (const c of ['missing_in_billing', 'duplicate', 'rating_error'])
    expect(await page.locator(`[data-testid=ra-classes] tr[data-class=${c}] td`).nth(1).textContent()).toBe(
      String(run.summary.counts[c] ?? 0),
    );
  expect(await page.locator('[data-testid=ra-top] tbody tr').count()).toBeGreaterThan(0);
  await shot('services-slo-ra');
  expect(await axeViolations()).toEqual([]);
  // By keyboard: the CSV download is a focusable button that works with Enter.
  await page.getByRole('button', { name: 'Download all findings (CSV)' }).focus();
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  expect(download.suggestedFilename()).toBe(`findings-${runId}.csv`);
  // A phone-sized window: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('[data-testid=slos] .chart canvas').first().waitFor();
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  expect(overflow).toBeLessThanOrEqual(0);
  await shot('services-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

it('shows the on-call, tickets and services views, also in a phone-sized window, without serious a11y violations', async () => {
  for (const [name, hash, ready] of [
    ['oncall', '#/oncall', 'Add an override'],
    ['tickets', '#/tickets', 'Queues'],
    ['services', '#/services', 'Last six months'],
  ] as const) {
    await page.goto(`${rt.url}/board/${hash}`);
    await page.getByRole('heading', { name: ready }).waitFor();
    if (name === 'services') await page.locator('.chart canvas').first().waitFor();
    if (name === 'oncall') await page.locator('ol.calendar li.day').first().waitFor();
    await shot(name);
    expect(await axeViolations()).toEqual([]);
  }
  if (ticketId) {
    await page.goto(`${rt.url}/board/#/tickets/${ticketId}`);
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await shot('ticket');
    expect(await axeViolations()).toEqual([]);
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${rt.url}/board/#/now`);
  await page.reload();
  await page.getByRole('heading', { name: /Open incidents/ }).waitFor();
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
  expect(overflow).toBeLessThanOrEqual(0);
  await shot('now-phone');
  // Keyboard: the skip link is the first stop, then the views.
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.textContent')).toBe('Now');
});

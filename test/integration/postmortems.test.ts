// Postmortems against DynamoDB Local, through the API handler and the draft function: a resolved P1
// gets its draft generated from the incident's record; bad analyses (a 2-level why-chain, an item
// without owner) are 422s that change nothing; action items become tickets linked both ways with
// reminders; draft → in review → published with illegal moves refused; complete only when every
// item is done or accepted; the overdue report; Markdown export.
import type { EventBridgeEvent } from 'aws-lambda';
import { handler as ops } from '../../functions/ops-postmortems/handler';
import { handler as drafts } from '../../functions/postmortem-drafts/handler';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import resolvedExample from '../../events/examples/incident-resolved.json';
import { givenResolvedP1Incident, POSTMORTEM_CATEGORY } from '../../infra/local/demo/postmortems';
import { setNotifier, type Notification } from '../../shared/adapters/notifier';
import { overdueActionItems } from '../../shared/app/postmortems/commands';
import { reminderTimerId } from '../../shared/app/postmortems/reminders';
import { changeTicket } from '../../shared/app/tickets/commands';
import { getPostmortem } from '../../shared/store/postmortems';
import { ensureConfig } from '../../shared/store/ticket-config';
import { getTicket, ticketsOfIncident } from '../../shared/store/tickets';
import { callAs, uniq, viewer } from '../unit/tickets/support';

interface PmBody {
  version: number;
  status: string;
  complete: boolean;
  openActionItems: number;
  facts: {
    incidentNumber: number;
    milestones: Array<{ name: string }>;
    paged: unknown[];
    alerts: unknown[];
    notes: unknown[];
    metrics: Record<string, number>;
  };
  actionItems: Array<{ key: string; ticketId: string; state: string }>;
}

const sent: Notification[] = [];
const DAY = 86400_000;
const dayOffset = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
// A service of its own, so no other suite's incident lists or availability see these incidents.
const SERVICE = 'pm-test-service';
const owner = { id: 'alice', name: 'Alice Adams', email: 'alice@nocturne.test' };

const resolvedEvent = (incident: Record<string, unknown>): EventBridgeEvent<string, never> =>
  ({
    version: '0',
    id: uniq('ev'),
    'detail-type': 'Incident Resolved',
    source: 'nocturne.incidents',
    account: '0',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: { ...resolvedExample, incident: { ...resolvedExample.incident, ...incident } },
  }) as never;

const chain = (n: number, leaf: Record<string, unknown>) =>
  Array.from({ length: n }, (_, i) => ({
    id: `w${i + 1}`,
    ...(i ? { parent: `w${i}` } : {}),
    because: `cause ${i + 1}`,
    ...(i === n - 1 ? leaf : {}),
  }));

const analysis = (version: number, over: Record<string, unknown> = {}) => ({
  version,
  summary: 'Invoices failed for 40 minutes.',
  impact: 'All invoice requests failed.',
  whyTree: {
    problem: 'Why did invoice requests fail?',
    whys: [
      ...chain(3, { actionItem: 'pool-alarm' }),
      { id: 'x1', parent: 'w1', because: 'the release skipped load tests' },
      { id: 'x2', parent: 'x1', because: 'load tests take 3 hours', actionItem: 'faster-load-tests' },
    ],
  },
  contributingFactors: ['Friday evening release'],
  actionItems: [
    { key: 'pool-alarm', title: 'Alarm on pool usage', kind: 'preventive', owner, dueDate: dayOffset(10) },
    { key: 'faster-load-tests', title: 'Load tests under 30 min', kind: 'corrective', owner, dueDate: dayOffset(5) },
  ],
  ...over,
});

const get = (id: string, headers: Record<string, string> = {}) =>
  callAs(ops, { routeKey: 'GET /postmortems/{id}', params: { id }, headers });
const put = (id: string, body: unknown) =>
  callAs(ops, { routeKey: 'PUT /postmortems/{id}/analysis', params: { id }, body });
const move = (id: string, version: number, to: string) =>
  callAs(ops, { routeKey: 'POST /postmortems/{id}/status', params: { id }, body: { version, to } });

beforeAll(async () => {
  setNotifier({ publish: async (n) => (sent.push(n), { messageId: String(sent.length) }) });
  await ensureConfig('category', POSTMORTEM_CATEGORY, new Date().toISOString());
});
afterAll(() => setNotifier(undefined));

describe('postmortems', () => {
  const incidentId = uniq('inc-pm');
  let version = 1;

  it('a resolved P1 gets one draft, generated from its record', async () => {
    const incident = await givenResolvedP1Incident(incidentId, new Date(), { serviceId: SERVICE });
    expect(await drafts(resolvedEvent({ id: incidentId, severity: 'P1', status: 'resolved' }))).toBe('created');
    expect(await drafts(resolvedEvent({ id: incidentId, severity: 'P1', status: 'resolved' }))).toBe('exists');
    const r = await get(incidentId);
    expect(r.status).toBe(200);
    const pm = r.body as PmBody;
    expect(pm).toMatchObject({ status: 'draft', required: true, complete: false, version: 1 });
    expect(pm.facts.incidentNumber).toBe(incident.number);
    expect(pm.facts.milestones.map((m: { name: string }) => m.name)).toEqual([
      'detected',
      'acknowledged',
      'mitigated',
      'resolved',
    ]);
    expect(pm.facts.paged).toEqual([
      expect.objectContaining({ person: 'Alice Adams', channel: 'sms', status: 'sent' }),
    ]);
    expect(pm.facts.alerts).toHaveLength(2);
    expect(pm.facts.notes).toHaveLength(2);
    expect(pm.facts.metrics).toEqual({ ttdSeconds: 120, mttaSeconds: 240, mttmSeconds: 1500, mttrSeconds: 2400 });
  });

  it('a P3 gets no draft by itself; one can be started by hand, once', async () => {
    const id = uniq('inc-p3');
    await givenResolvedP1Incident(id, new Date(), { serviceId: SERVICE });
    expect(await drafts(resolvedEvent({ id, severity: 'P3', status: 'resolved' }))).toBe('not required');
    expect(await getPostmortem(id)).toBeUndefined();
    const created = await callAs(ops, { routeKey: 'POST /incidents/{id}/postmortem', params: { id } });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe(`/postmortems/${id}`);
    const again = await callAs(ops, { routeKey: 'POST /incidents/{id}/postmortem', params: { id } });
    expect(again.status).toBe(409);
    const missing = await callAs(ops, { routeKey: 'POST /incidents/{id}/postmortem', params: { id: uniq('none') } });
    expect(missing.status).toBe(404);
  });

  it('bad analyses are 422s naming the field, and change nothing', async () => {
    const two = await put(
      incidentId,
      analysis(version, { whyTree: { problem: 'p', whys: chain(2, { actionItem: 'pool-alarm' }) } }),
    );
    expect(two.status).toBe(422);
    expect((two.body as { detail: string }).detail).toMatch(/has 2 levels; it needs 3 to 7/);
    expect((two.body as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('whyTree.whys.1');
    const eight = await put(
      incidentId,
      analysis(version, { whyTree: { problem: 'p', whys: chain(8, { actionItem: 'pool-alarm' }) } }),
    );
    expect(eight.status).toBe(422);
    expect((eight.body as { detail: string }).detail).toMatch(/deeper than 7 levels/);
    const noOwner = await put(incidentId, {
      ...analysis(version),
      actionItems: [{ key: 'pool-alarm', title: 'Alarm', kind: 'preventive', dueDate: dayOffset(3) }],
    });
    expect(noOwner.status).toBe(422);
    expect((noOwner.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(
      'actionItems.0.owner',
    );
    const noDue = await put(incidentId, {
      ...analysis(version),
      actionItems: [{ key: 'pool-alarm', title: 'Alarm', kind: 'preventive', owner }],
    });
    expect((noDue.body as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toContain(
      'actionItems.0.dueDate',
    );
    const pm = await getPostmortem(incidentId);
    expect(pm).toMatchObject({ version: 1, actionItems: [] });
    expect(pm!.whyTree).toBeUndefined();
    expect(await ticketsOfIncident(incidentId)).toEqual([]);
  });

  it('a valid analysis opens one ticket per action item, linked both ways, with a reminder', async () => {
    const r = await put(incidentId, analysis(version));
    expect(r.status).toBe(200);
    const pm = r.body as PmBody;
    version = pm.version;
    expect(version).toBe(2);
    expect(pm.actionItems).toHaveLength(2);
    for (const item of pm.actionItems) {
      expect(item).toMatchObject({ state: 'open', overdue: false, ticketStatus: 'open' });
      const ticket = await getTicket(item.ticketId);
      expect(ticket!.links).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'postmortem', ref: incidentId }),
          expect.objectContaining({ kind: 'incident', ref: incidentId }),
        ]),
      );
      expect(ticket!.assignee).toMatchObject({ id: 'alice' });
    }
    expect((await ticketsOfIncident(incidentId)).sort()).toEqual(
      pm.actionItems.map((a: { ticketId: string }) => a.ticketId).sort(),
    );
    // Saving again with the same items reuses their tickets; a stale version is a 409.
    const again = await put(incidentId, analysis(version, { summary: 'Edited.' }));
    expect(again.status).toBe(200);
    version = (again.body as { version: number }).version;
    expect((again.body as PmBody).actionItems.map((a: { ticketId: string }) => a.ticketId)).toEqual(
      pm.actionItems.map((a: { ticketId: string }) => a.ticketId),
    );
    expect((await put(incidentId, analysis(1))).status).toBe(409);
    // Dropping an item that has its ticket is refused.
    const dropped = await put(incidentId, {
      ...analysis(version),
      whyTree: { problem: 'p', whys: chain(3, { acceptedRisk: { reason: 'rare', acceptedBy: 'cto' } }) },
      actionItems: [],
    });
    expect(dropped.status).toBe(409);
  });

  it('reminds the owner before the due date while the item is open', async () => {
    const pm = (await getPostmortem(incidentId))!;
    const item = pm.actionItems.find((a) => a.key === 'faster-load-tests')!;
    const remindAt = new Date(Date.parse(`${item.dueDate}T09:00:00Z`) - 2 * DAY + 1000);
    const before = sent.length;
    await sweepOnce(() => remindAt, { handlers: timerHandlers });
    const reminder = sent.slice(before).find((n) => n.attributes?.kind === 'Postmortem Action Item Due');
    expect(reminder).toMatchObject({
      topic: 'notifications',
      attributes: expect.objectContaining({ recipient: owner.email, ticketId: item.ticketId }),
    });
    expect(reminder!.subject).toContain('Load tests under 30 min');
    expect(reminderTimerId(pm.id, item.key)).toBe(`postmortem-reminder#${pm.id}#faster-load-tests`);
  });

  it('lists items past their due date whose ticket is open', async () => {
    const later = new Date(Date.now() + 7 * DAY);
    const overdue = (await overdueActionItems(later)).filter((o) => o.postmortemId === incidentId);
    expect(overdue.map((o) => [o.key, o.daysOverdue])).toEqual([['faster-load-tests', 2]]);
    const r = await callAs(ops, { routeKey: 'GET /postmortem-action-items/overdue', as: viewer });
    expect(r.status).toBe(200);
  });

  it('moves draft → in review → published, refuses illegal moves, and completes when every item is done or accepted', async () => {
    expect((await move(incidentId, version, 'published')).status).toBe(409);
    const review = await move(incidentId, version, 'in-review');
    expect(review.status).toBe(200);
    version = (review.body as { version: number }).version;
    expect((await move(incidentId, version, 'in-review')).status).toBe(409);
    const published = await move(incidentId, version, 'published');
    expect(published.body).toMatchObject({ status: 'published', complete: false, openActionItems: 2 });
    version = (published.body as { version: number }).version;
    expect((await move(incidentId, version, 'draft')).status).toBe(409);
    expect((await put(incidentId, analysis(version))).status).toBe(409);

    const pm = (await getPostmortem(incidentId))!;
    const agent = { type: 'agent' as const, id: 'alice', name: 'Alice' };
    const [done, accepted] = pm.actionItems;
    const t1 = (await getTicket(done!.ticketId))!;
    await changeTicket(t1, { status: 'resolved', resolution: { code: 'done' } }, agent, new Date(), t1.revision);
    expect((await get(incidentId)).body).toMatchObject({ complete: false, openActionItems: 1 });
    const t2 = (await getTicket(accepted!.ticketId))!;
    await changeTicket(t2, { status: 'resolved', resolution: { code: 'wont-fix' } }, agent, new Date(), t2.revision);
    const final = (await get(incidentId)).body as PmBody;
    expect(final).toMatchObject({ complete: true, openActionItems: 0 });
    expect(final.actionItems.map((a: { state: string }) => a.state)).toEqual(['done', 'accepted']);
  });

  it('exports Markdown with Accept: text/markdown', async () => {
    const r = await get(incidentId, { accept: 'text/markdown' });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/markdown/);
    const md = r.body as string;
    expect(md).toMatch(/^# Postmortem: incident #\d+ Billing API returns 5xx/);
    expect(md).toContain('| acknowledged |');
    expect(md).toContain('Alice Adams');
    expect(md).toContain('- Why? cause 1');
    expect(md).toContain('| pool-alarm | preventive | Alarm on pool usage |');
    expect(md).toContain('published');
  });
});

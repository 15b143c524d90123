// Alert → page without waiting for a poll (decision 0017), against DynamoDB Local with an injected
// clock: the sweeper polls once, sees the incident's group-window timer coming due, sleeps exactly
// until its due time and runs it there. The poll interval is ten minutes, so only the precise
// wake-up can have fired it. The bus is not in the loop: when the announcement commits, the test
// does what the outbox, the bus and the paging function do on Incident Opened (startEscalation).
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { sweepLoop } from '../../functions/timer-sweeper/sweep';
import type { Notification } from '../../shared/adapters/notifier';
import { setNotifier } from '../../shared/adapters/notifier';
import { NOTIFY_TIMER, onAlertOpened } from '../../shared/app/incidents/engine';
import { startEscalation } from '../../shared/app/oncall/escalation';
import { getIncident } from '../../shared/store/incidents';
import { policies, schedules, teamOncall, users } from '../../shared/store/oncall';
import { pagesOf } from '../../shared/store/oncall-pages';
import type { TimerHandler } from '../../shared/store/timers';
import { givenServices, setRules, snap } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

const sent: Array<{ notification: Notification; at: number }> = [];
let clock = 0;
const now = () => new Date(clock);
const previous = { secret: process.env.ACT_LINK_SECRET, base: process.env.PUBLIC_BASE_URL };

beforeAll(async () => {
  process.env.ACT_LINK_SECRET = 'test-act-link-secret';
  process.env.PUBLIC_BASE_URL = 'https://noc.example.com';
  setNotifier({
    async publish(n) {
      sent.push({ notification: n, at: clock });
      return { messageId: `m-${sent.length}` };
    },
  });
  await givenServices();
  await setRules({
    routes: [{ id: 'all', name: 'all', matchers: [{ label: 'service', op: '=~', value: '.+' }], groupWaitSeconds: 30 }],
  });
  const at = new Date().toISOString();
  await users.create(
    {
      id: 'alice',
      name: 'Alice',
      contactMethods: [{ id: 'phone', type: 'sms', address: '+15555550101' }],
      notificationRules: [],
    },
    at,
  );
  await schedules.create(
    {
      id: 'primary',
      name: 'Primary',
      timeZone: 'UTC',
      layers: [
        {
          id: 'w',
          participants: ['alice'],
          rotation: { every: 1, unit: 'weeks' },
          start: '2026-01-05T09:00',
          restrictions: [],
        },
      ],
      overrides: [],
    },
    at,
  );
  await policies.create(
    { id: 'p', name: 'P', levels: [{ targets: [{ type: 'schedule', id: 'primary' }], delayMinutes: 5 }], repeat: 0 },
    at,
  );
  await teamOncall.create({ id: 'platform', members: ['alice'], escalationPolicyId: 'p' }, at);
});

afterAll(() => {
  setNotifier(undefined);
  process.env.ACT_LINK_SECRET = previous.secret;
  process.env.PUBLIC_BASE_URL = previous.base;
});

/** The real handlers; after the group window's announcement, what the paging function does on Incident Opened. */
const handlers: Record<string, TimerHandler> = {
  ...timerHandlers,
  [NOTIFY_TIMER]: async (t, at) => {
    await timerHandlers[NOTIFY_TIMER]!(t, at);
    const i = await getIncident(String(t.payload.incidentId));
    if (i?.lastChange?.kind === 'opened' && i.lastChange.notify) await startEscalation(i.id, i.revision, at);
  },
};

it('with a ten-minute poll, the incident is announced and paged at the end of its group window, not at the next poll', async () => {
  // Prepare: an alert opens an incident at T; its group window ends at T + 30 s.
  const T = Date.parse('2026-11-24T10:00:00.000Z');
  clock = T;
  const opened = await onAlertOpened(
    snap({ service: 'checkout', labels: { alertname: 'CheckoutDown' }, lastReceivedAt: new Date(T).toISOString() }),
    now(),
  );
  const incidentId = opened.incidentId!;
  expect(await getIncident(incidentId)).toMatchObject({ status: 'triggered' });
  expect((await getIncident(incidentId))!.notifiedAt).toBeUndefined();

  // Act: one sweeper invocation that polls every ten minutes for a minute; its sleeps move the clock.
  const sleeps: number[] = [];
  const r = await sweepLoop(now, {
    handlers,
    loopMs: 60_000,
    pollMs: 600_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });

  // Assess: one poll at T saw the timer ahead; one wake-up exactly at its due time ran it.
  expect(r).toMatchObject({ polls: 1, wakes: 1, ran: 1, failed: 0 });
  expect(sleeps).toEqual([30_000]);
  expect((await getIncident(incidentId))!.notifiedAt).toBe(new Date(T + 30_000).toISOString());
  const pages = sent.filter((s) => s.notification.attributes?.incident === incidentId);
  expect(pages.map((p) => [p.notification.attributes?.recipient, p.at])).toEqual([['alice', T + 30_000]]);
  expect((await pagesOf(incidentId)).map((p) => [p.userId, p.status, p.claimedAt])).toEqual([
    ['alice', 'sent', new Date(T + 30_000).toISOString()],
  ]);
});

it('a timer written after a poll and due before the next one runs at that next poll: the limit of the fast path, and the index is the safety net', async () => {
  const T = Date.parse('2026-11-24T11:00:00.000Z');
  clock = T;
  const sleeps: number[] = [];
  let incidentId = '';
  const r = await sweepLoop(now, {
    handlers,
    loopMs: 60_000,
    pollMs: 40_000,
    sleep: async (ms) => {
      // The alert arrives at T + 1 s, while the sweeper sleeps after its first poll; its group
      // window ends at T + 31 s, before the next poll (T + 40 s), which is the first to see it.
      if (!incidentId) {
        clock = T + 1_000;
        const o = await onAlertOpened(
          snap({ service: 'billing-api', labels: { alertname: 'Late' }, lastReceivedAt: now().toISOString() }),
          now(),
        );
        incidentId = o.incidentId!;
        clock = T;
      }
      sleeps.push(ms);
      clock += ms;
    },
  });
  expect(r).toMatchObject({ polls: 2, wakes: 0, failed: 0 });
  expect(sleeps).toEqual([40_000]);
  expect((await getIncident(incidentId))!.notifiedAt).toBe(new Date(T + 40_000).toISOString());
});

// Escalation against DynamoDB Local with an injected clock: first level paged at once, next
// levels on durable timers, notification-rule delays, repeat and ack timeout, levels that reach
// nobody, publish retries, crashes mid-chain, and acknowledgements racing with timers. The bus is
// not in the loop here: the test calls what the paging function calls on each incident event.
import type { Notification, Notifier } from '../../shared/adapters/notifier';
import { setNotifier } from '../../shared/adapters/notifier';
import type { Incident } from '../../shared/domain/incidents/model';
import { acknowledgeIncident, reassignIncident, resolveIncident } from '../../shared/app/incidents/actions';
import { onAlertOpened } from '../../shared/app/incidents/engine';
import { onAcknowledged, startEscalation } from '../../shared/app/oncall/escalation';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { retryPage } from '../../shared/app/oncall/paging';
import { configureDynamoClient, documentClient, tableName } from '../../shared/store/client';
import { oncallKeys } from '../../shared/store/keys';
import { getIncident, getIncidentDetail } from '../../shared/store/incidents';
import { policies, schedules, teamOncall, users } from '../../shared/store/oncall';
import {
  claimPages,
  getEscalation,
  pagesOf,
  setOncallTransactions,
  type PageAttempt,
} from '../../shared/store/oncall-pages';
import { invalidateServiceCache, services, teams } from '../../shared/store/services';
import { verifyLink } from '../../shared/domain/oncall/links';
import { at, givenServices, setRules, snap, sweepAt } from '../support/incidents';
import { useOwnTable } from '../support/store';

useOwnTable();

const SECRET = 'test-act-link-secret';
const ADMIN = { type: 'user' as const, id: 'admin', name: 'Admin' };

/** Records every publish; can be told to fail or to hold the next publishes. */
class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];
  failNext = 0;
  private gate?: { until: Promise<void>; reached: () => void };

  async publish(n: Notification): Promise<{ messageId: string }> {
    if (this.gate) {
      const g = this.gate;
      this.gate = undefined;
      g.reached();
      await g.until;
    }
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' });
    }
    this.sent.push(n);
    return { messageId: `m-${this.sent.length}` };
  }

  /** The next publish waits until the returned release() is called; `reached` resolves when it starts waiting. */
  holdNext(): { reached: Promise<void>; release: () => void } {
    let release!: () => void;
    let reached!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const started = new Promise<void>((r) => (reached = r));
    this.gate = { until, reached };
    return { reached: started, release };
  }

  to(
    incidentId: string,
  ): Array<{ recipient: string; channel: string; address: string; message: string; subject?: string }> {
    return this.sent
      .filter((n) => n.topic === 'pages' && n.attributes?.incident === incidentId)
      .map((n) => ({
        ...(n.attributes as { recipient: string; channel: string; address: string }),
        message: n.message,
        subject: n.subject,
      }));
  }
}

const notifier = new RecordingNotifier();
const previous = { secret: process.env.ACT_LINK_SECRET, base: process.env.PUBLIC_BASE_URL };

beforeAll(async () => {
  process.env.ACT_LINK_SECRET = SECRET;
  process.env.PUBLIC_BASE_URL = 'https://noc.example.com';
  setNotifier(notifier);
  await givenServices();
  const now = new Date().toISOString();
  for (const t of ['race-team', 'ghost-team']) await teams.create({ id: t, name: t }, now);
  for (const [id, teamId] of [
    ['race-svc', 'race-team'],
    ['ghost-svc', 'ghost-team'],
  ])
    await services.create({ id: id!, name: id!, teamId: teamId!, tier: 2, slaTarget: 99.9, dependsOn: [] }, now);
  invalidateServiceCache();
  await setRules({
    routes: [{ id: 'all', name: 'all', matchers: [{ label: 'service', op: '=~', value: '.+' }], groupWaitSeconds: 0 }],
    storm: { maxIncidentsPerMinute: 10000 },
  });

  const phone = (n: number) => `+1555555${String(n).padStart(4, '0')}`;
  await users.create(
    {
      id: 'alice',
      name: 'Alice',
      contactMethods: [
        { id: 'phone', type: 'sms', address: phone(101) },
        { id: 'mail', type: 'email', address: 'alice@example.com' },
      ],
      notificationRules: [],
    },
    now,
  );
  await users.create(
    {
      id: 'bob',
      name: 'Bob',
      contactMethods: [
        { id: 'phone', type: 'sms', address: phone(102) },
        { id: 'mail', type: 'email', address: 'bob@example.com' },
      ],
      notificationRules: [
        { contactMethodId: 'phone', delayMinutes: 0 },
        { contactMethodId: 'mail', delayMinutes: 2 },
      ],
    },
    now,
  );
  await users.create({ id: 'carol', name: 'Carol', contactMethods: [], notificationRules: [] }, now);
  await users.create(
    {
      id: 'dave',
      name: 'Dave',
      contactMethods: [
        { id: 'phone', type: 'sms', address: phone(104) },
        { id: 'mail', type: 'email', address: 'dave@example.com' },
      ],
      notificationRules: [
        { contactMethodId: 'phone', delayMinutes: 0 },
        { contactMethodId: 'mail', delayMinutes: 5 },
      ],
    },
    now,
  );
  await users.create(
    {
      id: 'erin',
      name: 'Erin',
      contactMethods: [{ id: 'phone', type: 'sms', address: phone(105) }],
      notificationRules: [],
    },
    now,
  );

  // Alice is on call from Monday 16 November 09:00 UTC for a week; every test runs on the 21st/22nd.
  await schedules.create(
    {
      id: 'primary',
      name: 'Platform primary',
      timeZone: 'Europe/London',
      layers: [
        {
          id: 'weekly',
          participants: ['alice', 'bob'],
          rotation: { every: 1, unit: 'weeks' },
          start: '2026-11-16T09:00',
          restrictions: [],
        },
      ],
      overrides: [],
    },
    now,
  );
  await schedules.create(
    {
      id: 'empty',
      name: 'Not started',
      timeZone: 'UTC',
      layers: [
        {
          id: 'later',
          participants: ['dave'],
          rotation: { every: 1, unit: 'weeks' },
          start: '2030-01-07T09:00',
          restrictions: [],
        },
      ],
      overrides: [],
    },
    now,
  );
  await policies.create(
    {
      id: 'platform-default',
      name: 'Platform default',
      levels: [
        { targets: [{ type: 'schedule', id: 'primary' }], delayMinutes: 5 },
        { targets: [{ type: 'user', id: 'bob' }], delayMinutes: 10 },
      ],
      repeat: 1,
      ackTimeoutMinutes: 30,
    },
    now,
  );
  await policies.create(
    {
      id: 'race',
      name: 'Race',
      levels: [
        { targets: [{ type: 'user', id: 'dave' }], delayMinutes: 5 },
        { targets: [{ type: 'user', id: 'erin' }], delayMinutes: 5 },
      ],
      repeat: 0,
    },
    now,
  );
  await policies.create(
    {
      id: 'ghosts',
      name: 'Ghosts first',
      levels: [
        { targets: [{ type: 'user', id: 'carol' }], delayMinutes: 5 },
        { targets: [{ type: 'schedule', id: 'empty' }], delayMinutes: 5 },
        { targets: [{ type: 'schedule', id: 'primary' }], delayMinutes: 5 },
      ],
      repeat: 0,
    },
    now,
  );
  await teamOncall.create({ id: 'platform', members: ['alice', 'bob'], escalationPolicyId: 'platform-default' }, now);
  await teamOncall.create({ id: 'race-team', members: ['dave', 'erin'], escalationPolicyId: 'race' }, now);
  await teamOncall.create({ id: 'ghost-team', members: ['carol'], escalationPolicyId: 'ghosts' }, now);
});

afterAll(() => {
  setNotifier(undefined);
  configureDynamoClient(() => {});
  process.env.ACT_LINK_SECRET = previous.secret;
  process.env.PUBLIC_BASE_URL = previous.base;
});

let n = 0;
/** An announced incident (group window 0) of `service`, as the engine opens it at `now`. */
async function openIncident(now: Date, service = 'checkout'): Promise<Incident> {
  const r = await onAlertOpened(
    snap({
      service,
      labels: { alertname: `Err${n++}` },
      summary: `Error rate high #${n}`,
      lastReceivedAt: now.toISOString(),
    }),
    now,
  );
  const incident = (await getIncident(r.incidentId!))!;
  expect(incident).toMatchObject({ status: 'triggered', lastChange: { kind: 'opened', notify: true } });
  return incident;
}

/** What the paging function does on Incident Opened. */
async function announced(now: Date, service = 'checkout'): Promise<Incident> {
  const i = await openIncident(now, service);
  await startEscalation(i.id, i.revision, now);
  return i;
}

/** Acknowledge as the ops API does, then deliver the Acknowledged event to the paging function. */
async function ack(id: string, when: Date): Promise<void> {
  const i = await acknowledgeIncident(id, ADMIN, when);
  await onAcknowledged(id, i.revision, when.toISOString(), when);
}

const who = (pages: Array<{ recipient: string; channel: string }>) => pages.map((p) => `${p.recipient}:${p.channel}`);
const timelineOf = async (id: string) => (await getIncidentDetail(id))!.timeline;

describe('escalation chain', () => {
  it('pages the on-call person of level 1 at once by every channel, logs each attempt and notes it on the timeline', async () => {
    const T = new Date('2026-11-21T01:00:00Z');
    const i = await announced(T);
    const pages = notifier.to(i.id);
    expect(who(pages)).toEqual(['alice:sms', 'alice:email']);
    expect(pages[0]!.address).toBe('+15555550101');
    const sms = JSON.parse(pages[0]!.message) as { default: string; sms: string };
    expect(sms.sms.length).toBeLessThan(160);
    expect(sms.sms).toMatch(new RegExp(`^#${i.number} P\\d Checkout: Error rate high`));
    const token = /\/act\/(\S+)$/.exec(sms.sms)![1]!;
    expect(verifyLink(token, [SECRET], T)).toMatchObject({ action: 'acknowledge', incidentId: i.id, userId: 'alice' });
    const email = JSON.parse(pages[1]!.message) as { email: string };
    expect(pages[1]!.subject).toContain(`#${i.number}`);
    expect(email.email).toContain('Resolve:     https://noc.example.com/act/r.');

    const log = await pagesOf(i.id);
    expect(log.map((p) => [p.level, p.round, p.userId, p.channel, p.status, p.attempts])).toEqual([
      [1, 1, 'alice', 'email', 'sent', 1],
      [1, 1, 'alice', 'sms', 'sent', 1],
    ]);
    expect((await timelineOf(i.id)).find((e) => e.kind === 'escalation')!.message).toMatch(
      /Level 1 of Platform default: paged Alice \(sms sent, email sent\); next: level 2 in 5 min/,
    );
    expect(await getEscalation(i.id)).toMatchObject({
      status: 'active',
      next: { round: 1, level: 2, dueAt: at(T.toISOString(), 300).toISOString() },
    });
    await resolveIncident(i.id, ADMIN, at(T.toISOString(), 60));
  });

  it('escalates after the level delay with an Incident Escalated change, and honours notification-rule delays', async () => {
    const T = '2026-11-21T02:00:00.000Z';
    const i = await announced(new Date(T));
    await sweepAt(at(T, 299).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    await sweepAt(at(T, 300).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
    expect(await getIncident(i.id)).toMatchObject({
      lastChange: { kind: 'escalated', notify: true, change: { level: 2, round: 1, policyId: 'platform-default' } },
    });
    // Bob's rule: email two minutes after he is paged.
    await sweepAt(at(T, 300 + 119).toISOString());
    expect(notifier.to(i.id)).toHaveLength(3);
    await sweepAt(at(T, 300 + 120).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms', 'bob:email']);
    await resolveIncident(i.id, ADMIN, at(T, 500));
  });

  it('acknowledging during a delay stops the next level (and nothing fires before the ack timeout)', async () => {
    const T = '2026-11-21T03:00:00.000Z';
    const i = await announced(new Date(T));
    await ack(i.id, at(T, 120));
    for (const s of [300, 420, 900, 1500, 1919]) await sweepAt(at(T, s).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    expect(await getIncident(i.id)).toMatchObject({ status: 'acknowledged' });
    await resolveIncident(i.id, ADMIN, at(T, 1920));
    await sweepAt(at(T, 4000).toISOString());
    expect(notifier.to(i.id)).toHaveLength(2);
  });

  it('ack timeout: an incident still open 30 minutes after its acknowledgement triggers again and escalation restarts at level 1', async () => {
    const T = '2026-11-21T04:00:00.000Z';
    const i = await announced(new Date(T));
    await ack(i.id, at(T, 60));
    await sweepAt(at(T, 60 + 1799).toISOString());
    expect(await getIncident(i.id)).toMatchObject({ status: 'acknowledged' });
    await sweepAt(at(T, 60 + 1800).toISOString());
    const after = (await getIncident(i.id))!;
    expect(after).toMatchObject({
      status: 'triggered',
      acknowledgedAt: at(T, 60).toISOString(),
      lastChange: { kind: 'escalated', reason: 'acknowledgement timed out after 30 min' },
    });
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'alice:sms', 'alice:email']);
    const log = await pagesOf(i.id);
    expect(new Set(log.map((p) => p.epoch)).size).toBe(2);
    expect((await timelineOf(i.id)).map((e) => e.kind)).toContain('retriggered');
    // The restarted chain escalates as the first did; acknowledging again stops it again.
    await sweepAt(at(T, 60 + 1800 + 300).toISOString());
    expect(who(notifier.to(i.id)).slice(4)).toEqual(['bob:sms']);
    await ack(i.id, at(T, 60 + 1800 + 400));
    await sweepAt(at(T, 60 + 1800 + 1000).toISOString());
    expect(notifier.to(i.id)).toHaveLength(5);
    await resolveIncident(i.id, ADMIN, at(T, 60 + 1800 + 1100));
  });

  it('repeats the whole policy N more times, then stops and records that it is exhausted', async () => {
    const T = '2026-11-21T05:00:00.000Z';
    const i = await announced(new Date(T));
    // Round 1: level 1 at 0, level 2 at 5 min; round 2: level 1 at 15, level 2 at 20; exhausted at 30.
    for (const s of [300, 420, 900, 1200, 1320, 1800, 3600, 7200]) await sweepAt(at(T, s).toISOString());
    expect(who(notifier.to(i.id))).toEqual([
      'alice:sms',
      'alice:email',
      'bob:sms',
      'bob:email',
      'alice:sms',
      'alice:email',
      'bob:sms',
      'bob:email',
    ]);
    const log = await pagesOf(i.id);
    expect(log.map((p) => `${p.round}/${p.level}/${p.userId}/${p.channel}`).sort()).toEqual(
      [
        '1/1/alice/sms',
        '1/1/alice/email',
        '1/2/bob/sms',
        '1/2/bob/email',
        '2/1/alice/sms',
        '2/1/alice/email',
        '2/2/bob/sms',
        '2/2/bob/email',
      ].sort(),
    );
    expect(await getEscalation(i.id)).toMatchObject({ status: 'exhausted', last: { round: 2, level: 2 } });
    expect((await timelineOf(i.id)).at(-1)!.message).toMatch(/the policy is exhausted after 2 round\(s\)/);
    await resolveIncident(i.id, ADMIN, at(T, 7300));
  });

  it('a level whose targets reach nobody moves on at once and says why on the timeline', async () => {
    const T = '2026-11-21T06:00:00.000Z';
    const i = await announced(new Date(T), 'ghost-svc');
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    const messages = (await timelineOf(i.id)).filter((e) => e.kind === 'escalation').map((e) => e.message);
    expect(messages).toEqual([
      expect.stringMatching(
        /^Level 1 of Ghosts first: nobody reachable \(Carol \(directly\) has no contact method\); moving on — next: level 2 now\.$/,
      ),
      expect.stringMatching(
        /^Level 2 of Ghosts first: nobody reachable \(schedule Not started: nobody on call at 2026-11-21T06:00:00\.001Z\); moving on/,
      ),
      expect.stringMatching(/^Level 3 of Ghosts first: paged Alice/),
    ]);
    await resolveIncident(i.id, ADMIN, at(T, 60));
  });

  it('a team without a policy pages nobody and says so; reassigning to a team with one starts its chain', async () => {
    const T = '2026-11-21T07:00:00.000Z';
    await teams.create({ id: 'lonely', name: 'Lonely' }, T).catch(() => undefined);
    const i = await openIncident(new Date(T), 'race-svc');
    const moved = await reassignIncident(i.id, 'lonely', ADMIN, at(T, 10));
    await startEscalation(i.id, moved.revision, at(T, 11));
    expect((await timelineOf(i.id)).at(-1)!.message).toBe(
      'Nobody is paged: team lonely has no default escalation policy.',
    );
    const back = await reassignIncident(i.id, 'platform', ADMIN, at(T, 20));
    await startEscalation(i.id, back.revision, at(T, 20));
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    // The older chain's event arriving late starts nothing.
    await startEscalation(i.id, i.revision, at(T, 30));
    expect(notifier.to(i.id)).toHaveLength(2);
    await resolveIncident(i.id, ADMIN, at(T, 60));
  });
  it('without a link secret (a deployment mistake) the page still goes out, pointing at the incident', async () => {
    const T = '2026-11-21T07:30:00.000Z';
    delete process.env.ACT_LINK_SECRET;
    try {
      const i = await announced(new Date(T));
      const sms = (JSON.parse(notifier.to(i.id)[0]!.message) as { sms: string }).sms;
      expect(sms).toMatch(new RegExp(`Ack: https://noc\\.example\\.com/incidents/${i.id}$`));
      await resolveIncident(i.id, ADMIN, at(T, 60));
    } finally {
      process.env.ACT_LINK_SECRET = SECRET;
    }
  });
});

describe('never twice, never after the ack', () => {
  it('a redelivered start event and re-run sweeps page nobody twice', async () => {
    const T = '2026-11-21T08:00:00.000Z';
    const i = await announced(new Date(T));
    await startEscalation(i.id, i.revision, new Date(T));
    await startEscalation(i.id, i.revision, at(T, 5));
    await sweepAt(at(T, 300).toISOString());
    await sweepAt(at(T, 300).toISOString());
    await sweepAt(at(T, 301).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
    await resolveIncident(i.id, ADMIN, at(T, 400));
  });

  it('two sweepers over the same due steps of many incidents (every shard, many handlers in flight) page each step once', async () => {
    const T = '2026-11-21T08:30:00.000Z';
    const incidents: Incident[] = [];
    for (let k = 0; k < 8; k++) incidents.push(await announced(new Date(T)));
    const before = notifier.sent.length;
    // Level 2 (Bob by SMS; his email waits 2 minutes) is due for all eight at T+5 min.
    await Promise.all([sweepAt(at(T, 300).toISOString()), sweepAt(at(T, 300).toISOString())]);
    await sweepAt(at(T, 301).toISOString());
    expect(notifier.sent.length - before).toBe(8);
    for (const i of incidents) {
      expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
      const steps = (await timelineOf(i.id)).filter((e) => e.kind === 'escalation').map((e) => e.change?.level);
      expect(steps).toEqual([1, 2]);
      expect((await getEscalation(i.id))?.next).toMatchObject({ round: 2, level: 1 });
    }
    for (const i of incidents) await resolveIncident(i.id, ADMIN, at(T, 400));
  });

  it('a failed publish is retried on a timer as the same page, and not at all once the incident is acknowledged', async () => {
    const T = '2026-11-21T09:00:00.000Z';
    notifier.failNext = 1;
    const i = await announced(new Date(T));
    expect(who(notifier.to(i.id))).toEqual(['alice:email']);
    let sms = (await pagesOf(i.id)).find((p) => p.channel === 'sms')!;
    expect(sms).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'ThrottledException: Rate exceeded',
      nextRetryAt: at(T, 30).toISOString(),
    });
    // The log entry keeps what a retry needs to render the page again, not the text itself.
    expect(sms.message).toBeUndefined();
    expect(sms.policyName).toBe('Platform default');
    await sweepAt(at(T, 30).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:email', 'alice:sms']);
    const retried = JSON.parse(notifier.to(i.id)[1]!.message) as { sms: string };
    expect(retried.sms).toMatch(new RegExp(`^#${i.number} P\\d Checkout: Error rate high`));
    expect(retried.sms).toMatch(/\/act\/\S+$/);
    sms = (await pagesOf(i.id)).find((p) => p.channel === 'sms')!;
    expect(sms).toMatchObject({ status: 'sent', attempts: 2 });
    await sweepAt(at(T, 200).toISOString());
    expect(notifier.to(i.id)).toHaveLength(2);

    // Level 2 fails, then the incident is acknowledged before the retry: the retry is cancelled.
    notifier.failNext = 1;
    await sweepAt(at(T, 300).toISOString());
    expect((await pagesOf(i.id)).find((p) => p.userId === 'bob')).toMatchObject({ status: 'failed' });
    await ack(i.id, at(T, 310));
    await sweepAt(at(T, 400).toISOString());
    expect((await pagesOf(i.id)).find((p) => p.userId === 'bob' && p.channel === 'sms')).toMatchObject({
      status: 'cancelled',
    });
    expect(who(notifier.to(i.id))).toEqual(['alice:email', 'alice:sms']);
    await resolveIncident(i.id, ADMIN, at(T, 500));
  });

  it('a failed page stored with its text (before pages were stored without it) is retried with that text', async () => {
    const T = '2026-11-21T09:30:00.000Z';
    notifier.failNext = 1;
    const i = await announced(new Date(T));
    const sms = (await pagesOf(i.id)).find((p) => p.channel === 'sms')!;
    expect(sms.status).toBe('failed');
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: oncallKeys.page(i.id, sms.key),
        UpdateExpression: 'SET message = :m REMOVE policyName',
        ExpressionAttributeValues: { ':m': JSON.stringify({ default: 'legacy', sms: 'legacy' }) },
      }),
    );
    await retryPage(i.id, sms.key, at(T, 30));
    expect(notifier.to(i.id).map((p) => `${p.channel}:${JSON.parse(p.message).sms ?? ''}`)).toEqual([
      'email:',
      'sms:legacy',
    ]);
    expect((await pagesOf(i.id)).find((p) => p.channel === 'sms')).toMatchObject({ status: 'sent', attempts: 2 });
    await resolveIncident(i.id, ADMIN, at(T, 60));
  });

  it('two timers racing with an acknowledgement: a claim that reaches the table after the ack commits pages nobody', async () => {
    const T = '2026-11-21T10:00:00.000Z';
    const i = await announced(new Date(T), 'race-svc');
    expect(who(notifier.to(i.id))).toEqual(['dave:sms']);
    // At T+5 min two timers fall due at once: level 2 (Erin's SMS) and Dave's delayed email.
    // Both read the incident as triggered and send their claims; the table holds the claims
    // back until the acknowledgement has committed. The two claims may travel in one transaction
    // or in two (group commit shares a transaction between claims asked for at the same moment),
    // so what is counted is the page claims held, not the transactions.
    const held: Array<() => void> = [];
    let claimsHeld = 0;
    let acknowledged = false;
    let bothHeld!: () => void;
    const bothReached = new Promise<void>((r) => (bothHeld = r));
    // Under heavy load the second claim was seen not to reach the table while the first was held
    // (twice in runs of two suites side by side; cause not found): from the first held claim, wait
    // for the second at most 10 s, then acknowledge anyway. Either way, what is asserted below is
    // that no claim reaching the table after the acknowledgement pages anyone.
    let firstHeld!: () => void;
    const firstReached = new Promise<void>((r) => (firstHeld = r));
    const claimsOf = (input: unknown) =>
      ((input as { TransactItems?: Array<{ Put?: { Item?: Record<string, unknown> } }> }).TransactItems ?? []).filter(
        (t) => t.Put?.Item?.pk === `INCIDENT#${i.id}` && String(t.Put.Item.sk).startsWith('PAGE#'),
      ).length;
    configureDynamoClient((c) =>
      c.middlewareStack.add(
        (next) => async (args) => {
          const claims = claimsOf(args.input);
          // Once the ack has committed, nothing is held (a shared transaction refused is re-sent claim by claim).
          if (claims > 0 && !acknowledged) {
            await new Promise<void>((release) => {
              held.push(release);
              claimsHeld += claims;
              firstHeld();
              if (claimsHeld >= 2) bothHeld();
            });
          }
          return next(args);
        },
        { step: 'initialize', name: 'holdClaims' },
      ),
    );
    try {
      const sweeps = Promise.all([sweepAt(at(T, 300).toISOString()), sweepAt(at(T, 300).toISOString())]);
      await firstReached;
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([bothReached, new Promise<void>((r) => (grace = setTimeout(r, 10_000)))]);
      clearTimeout(grace);
      await ack(i.id, at(T, 301));
      acknowledged = true;
      held.forEach((release) => release());
      await sweeps;
    } finally {
      configureDynamoClient(() => {});
    }
    await sweepAt(at(T, 4000).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['dave:sms']);
    expect((await pagesOf(i.id)).map((p) => `${p.userId}:${p.channel}:${p.status}`)).toEqual(['dave:sms:sent']);
    expect((await timelineOf(i.id)).filter((e) => e.kind === 'escalation').map((e) => e.change?.level)).toEqual([1]);
    await resolveIncident(i.id, ADMIN, at(T, 4100));
  });

  it('claims of several incidents sharing one transaction: an acknowledged one is claimed by none, the others each once', async () => {
    const T = '2026-11-21T10:45:00.000Z';
    const [a, b, c] = [
      await openIncident(new Date(T)),
      await openIncident(new Date(T)),
      await openIncident(new Date(T)),
    ];
    await acknowledgeIncident(b!.id, ADMIN, at(T, 1));
    const page = (i: Incident): PageAttempt => ({
      key: `00000002#1#1#alice#sms#phone`,
      incidentId: i.id,
      incidentNumber: i.number,
      epoch: 2,
      round: 1,
      level: 1,
      userId: 'alice',
      userName: 'Alice',
      channel: 'sms',
      contactMethodId: 'phone',
      address: '+15555550101',
      status: 'claimed',
      attempts: 0,
      claimedAt: at(T, 2).toISOString(),
      message: 'test',
    });
    // One transaction in flight at a time, so the three claims asked together go out as one.
    setOncallTransactions({ maxInFlight: 1 });
    const transactions: string[][] = [];
    configureDynamoClient((cl) =>
      cl.middlewareStack.add(
        (next) => async (args) => {
          const items = (
            args.input as { TransactItems?: Array<Record<string, { Key?: { pk: string }; Item?: { pk: string } }>> }
          ).TransactItems;
          if (items)
            transactions.push(items.map((t) => Object.values(t)[0]!).map((w) => String((w.Item ?? w.Key)!.pk)));
          return next(args);
        },
        { step: 'initialize', name: 'recordTransactions' },
      ),
    );
    try {
      const outcomes = await Promise.all(
        [a!, b!, c!].map((i) =>
          claimPages([page(i), { ...page(i), key: `${page(i).key}x`, channel: 'email' }], at(T, 2)),
        ),
      );
      expect(outcomes).toEqual([
        ['claimed', 'claimed'],
        ['not-triggered', 'not-triggered'],
        ['claimed', 'claimed'],
      ]);
    } finally {
      configureDynamoClient(() => {});
      setOncallTransactions({});
    }
    // The shared transaction was refused as a whole (B is acknowledged); each claim was then sent alone.
    const incidentsIn = (t: string[]) => [...new Set(t)].length;
    expect(transactions.map(incidentsIn)).toEqual([3, 1, 1, 1]);
    expect((await pagesOf(a!.id)).map((p) => p.status)).toEqual(['claimed', 'claimed']);
    expect(await pagesOf(b!.id)).toEqual([]);
    expect((await pagesOf(c!.id)).map((p) => p.status)).toEqual(['claimed', 'claimed']);
    for (const i of [a!, b!, c!]) await resolveIncident(i.id, ADMIN, at(T, 10));
  });

  it('steps of many incidents in one sweep share transactions; one acknowledged meanwhile is paged by none of them', async () => {
    const T = '2026-11-21T10:50:00.000Z';
    const incidents: Incident[] = [];
    for (let k = 0; k < 12; k++) incidents.push(await announced(new Date(T)));
    // Acknowledged in the table only: its level-2 timer is still due and runs in the sweep.
    const acked = incidents[5]!;
    await acknowledgeIncident(acked.id, ADMIN, at(T, 10));
    const before = notifier.sent.length;
    // One transaction in flight at a time: the steps' claims and records that meet queue and share the next one.
    setOncallTransactions({ maxInFlight: 1 });
    try {
      await sweepAt(at(T, 300).toISOString());
    } finally {
      setOncallTransactions({});
    }
    await sweepAt(at(T, 301).toISOString());
    expect(notifier.sent.length - before).toBe(11);
    expect(who(notifier.to(acked.id))).toEqual(['alice:sms', 'alice:email']);
    for (const i of incidents.filter((x) => x !== acked)) {
      expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
      expect((await pagesOf(i.id)).map((p) => `${p.userId}:${p.channel}:${p.status}`)).toEqual([
        'alice:email:sent',
        'alice:sms:sent',
        'bob:sms:sent',
      ]);
      expect((await getEscalation(i.id))?.next).toMatchObject({ round: 2, level: 1 });
    }
    expect((await timelineOf(acked.id)).filter((e) => e.kind === 'escalation').map((e) => e.change?.level)).toEqual([
      1,
    ]);
    for (const i of incidents) await resolveIncident(i.id, ADMIN, at(T, 400));
  });

  it('pages claimed before the ack still go out; nothing is claimed after it', async () => {
    const T = '2026-11-21T10:30:00.000Z';
    const i = await openIncident(new Date(T), 'race-svc');
    const hold = notifier.holdNext();
    const inline = startEscalation(i.id, i.revision, new Date(T));
    await hold.reached;
    await ack(i.id, at(T, 1));
    // The level's safety timer fires in another sweep while the first run is still publishing.
    await sweepAt(at(T, 61).toISOString());
    hold.release();
    await inline;
    for (const s of [300, 400, 4000]) await sweepAt(at(T, s).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['dave:sms']);
    expect(await getIncident(i.id)).toMatchObject({ status: 'acknowledged' });
    await resolveIncident(i.id, ADMIN, at(T, 4100));
  });
});

describe('restarts mid-chain', () => {
  function crashOn(match: (input: string) => boolean, times = 1): void {
    let left = times;
    configureDynamoClient((c) =>
      c.middlewareStack.add(
        (next) => async (args) => {
          if (left > 0 && match(JSON.stringify(args.input))) {
            left--;
            throw Object.assign(new Error('process died here'), { name: 'SimulatedCrash' });
          }
          return next(args);
        },
        { step: 'initialize', name: 'simulatedCrash' },
      ),
    );
  }
  afterEach(() => configureDynamoClient(() => {}));

  it('dying after a level was paged but before it was recorded: the sweep resumes there and repeats no page', async () => {
    const T = '2026-11-21T11:00:00.000Z';
    const i = await openIncident(new Date(T));
    crashOn((input) => input.includes('ESCALATION') && input.includes('TransactItems'));
    await expect(startEscalation(i.id, i.revision, new Date(T))).rejects.toThrow('process died here');
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    expect(await getEscalation(i.id)).toMatchObject({ next: { round: 1, level: 1 } });
    // A new process: the safety timer of level 1 runs it again; its pages are already claimed.
    await sweepAt(at(T, 60).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email']);
    expect(await getEscalation(i.id)).toMatchObject({ next: { round: 1, level: 2, dueAt: at(T, 360).toISOString() } });
    await sweepAt(at(T, 360).toISOString());
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
    await resolveIncident(i.id, ADMIN, at(T, 400));
  });

  it('dying in the transaction that records a step and moves its timer: the retry records it and repeats no page', async () => {
    const T = '2026-11-21T12:00:00.000Z';
    const i = await announced(new Date(T));
    // Level 2 runs from its timer and pages; the one transaction that records it (timeline entry,
    // escalation, pages sent, the timer moved on to round 2) dies: nothing of it is written.
    let commits = 0;
    crashOn((input) => input.includes(`TIMER#escalation#${i.id}`) && input.includes('"round":2') && ++commits === 1);
    await sweepAt(at(T, 300).toISOString());
    configureDynamoClient(() => {});
    expect(who(notifier.to(i.id))).toEqual(['alice:sms', 'alice:email', 'bob:sms']);
    expect(await getEscalation(i.id)).toMatchObject({ next: { round: 1, level: 2 } });
    // The failed timer is retried after its back-off: its page is already claimed, the step is recorded.
    await sweepAt(at(T, 330).toISOString());
    expect(notifier.to(i.id)).toHaveLength(3);
    expect(await getEscalation(i.id)).toMatchObject({ next: { round: 2, level: 1, dueAt: at(T, 930).toISOString() } });
    await sweepAt(at(T, 930).toISOString());
    expect(who(notifier.to(i.id)).slice(3).sort()).toEqual(['alice:email', 'alice:sms', 'bob:email']);
    await resolveIncident(i.id, ADMIN, at(T, 1000));
  });
});

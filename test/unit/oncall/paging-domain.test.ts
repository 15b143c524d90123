// Pure on-call rules: contact validation and plans, which level comes next and whom it reaches,
// what a page says per channel (SMS under 160 characters), and signed action links.
import { contactPlan, createUserSchema, checkUser, type User } from '../../../shared/domain/oncall/people';
import { nextStep, planLevel, type Directory, type EscalationPolicy } from '../../../shared/domain/oncall/policy';
import { emailBody, pageAttributes, pageMessage, smsText, type PageContext } from '../../../shared/domain/oncall/pages';
import { ActLinkError, signLink, verifyLink } from '../../../shared/domain/oncall/links';
import { ValidationError } from '../../../shared/domain/errors';
import type { Schedule } from '../../../shared/domain/oncall/schedule';

const T = new Date('2026-11-21T03:00:00Z');

function user(id: string, over: Partial<User> = {}): User {
  return {
    id,
    name: id[0]!.toUpperCase() + id.slice(1),
    contactMethods: [
      { id: 'phone', type: 'sms', address: '+15555550101' },
      { id: 'mail', type: 'email', address: `${id}@example.com` },
    ],
    notificationRules: [],
    version: 1,
    createdAt: T.toISOString(),
    updatedAt: T.toISOString(),
    ...over,
  };
}

describe('users and contact methods', () => {
  it('accepts E.164 numbers, emails and https webhooks; names each bad field', () => {
    expect(
      createUserSchema.safeParse({
        id: 'alice',
        name: 'Alice',
        contactMethods: [
          { id: 'phone', type: 'sms', address: '+15555550101' },
          { id: 'mail', type: 'email', address: 'alice@example.com' },
          { id: 'hook', type: 'webhook', address: 'https://hooks.example.com/page' },
        ],
        notificationRules: [{ contactMethodId: 'phone', delayMinutes: 0 }],
      }).success,
    ).toBe(true);
    const bad = createUserSchema.safeParse({
      id: 'Bob!',
      name: 'Bob',
      timeZone: 'Nowhere/Land',
      contactMethods: [
        { id: 'phone', type: 'sms', address: '555-0101' },
        { id: 'mail', type: 'email', address: 'bob@' },
        { id: 'hook', type: 'webhook', address: 'http://hooks.example.com/page' },
      ],
    });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(
      ['contactMethods.0.address', 'contactMethods.1.address', 'contactMethods.2.address', 'id', 'timeZone'].sort(),
    );
  });

  it('rejects rules that name no contact method, and duplicate method ids', () => {
    expect(() =>
      checkUser({
        contactMethods: [
          { id: 'a', type: 'sms', address: '+15555550101' },
          { id: 'a', type: 'email', address: 'a@example.com' },
        ],
        notificationRules: [{ contactMethodId: 'b', delayMinutes: 1 }],
      }),
    ).toThrow(ValidationError);
  });

  it('pages every method at once without rules; follows the rules when there are some', () => {
    expect(contactPlan(user('alice')).map((s) => [s.method.type, s.delayMinutes])).toEqual([
      ['sms', 0],
      ['email', 0],
    ]);
    const ruled = user('bob', {
      notificationRules: [
        { contactMethodId: 'mail', delayMinutes: 2 },
        { contactMethodId: 'phone', delayMinutes: 0 },
        { contactMethodId: 'mail', delayMinutes: 5 },
      ],
    });
    expect(contactPlan(ruled).map((s) => [s.method.type, s.delayMinutes])).toEqual([
      ['sms', 0],
      ['email', 2],
    ]);
  });
});

describe('escalation steps', () => {
  const policy: Pick<EscalationPolicy, 'levels' | 'repeat'> = {
    levels: [
      { targets: [{ type: 'user', id: 'alice' }], delayMinutes: 5 },
      { targets: [{ type: 'user', id: 'bob' }], delayMinutes: 10 },
    ],
    repeat: 1,
  };

  it('goes level by level, repeats the whole policy N more times, then stops', () => {
    const steps = [{ round: 1, level: 1 }];
    for (let s = nextStep(policy, steps[0]!); s; s = nextStep(policy, s)) steps.push(s);
    expect(steps).toEqual([
      { round: 1, level: 1 },
      { round: 1, level: 2 },
      { round: 2, level: 1 },
      { round: 2, level: 2 },
    ]);
  });

  it('expands schedules and teams to people and says why a target reaches nobody', () => {
    const schedule: Schedule = {
      id: 'primary',
      name: 'Primary',
      timeZone: 'UTC',
      layers: [
        {
          id: 'l',
          participants: ['alice'],
          rotation: { every: 1, unit: 'weeks' },
          start: '2026-11-16T09:00',
          restrictions: [],
        },
      ],
      overrides: [],
      version: 1,
      createdAt: '',
      updatedAt: '',
    };
    const empty: Schedule = {
      ...schedule,
      id: 'empty',
      name: 'Empty',
      layers: [{ ...schedule.layers[0]!, start: '2030-01-01T00:00' }],
    };
    const dir: Directory = {
      users: new Map([
        ['alice', user('alice')],
        ['bob', user('bob')],
        ['mute', user('mute', { contactMethods: [] })],
      ]),
      schedules: new Map([
        ['primary', schedule],
        ['empty', empty],
      ]),
      teams: new Map([
        ['platform', { id: 'platform', members: ['bob', 'mute', 'ghost'], version: 1, createdAt: '', updatedAt: '' }],
      ]),
    };
    const plan = planLevel(
      {
        targets: [
          { type: 'schedule', id: 'primary' },
          { type: 'schedule', id: 'empty' },
          { type: 'team', id: 'platform' },
          { type: 'user', id: 'alice' },
          { type: 'team', id: 'nobody' },
        ],
        delayMinutes: 5,
      },
      dir,
      T,
    );
    expect(plan.recipients.map((r) => [r.user.id, r.via])).toEqual([
      ['alice', ['schedule Primary', 'directly']],
      ['bob', ['team platform']],
    ]);
    expect(plan.unreachable).toEqual([
      `schedule Empty: nobody on call at ${T.toISOString()}`,
      'team nobody has no on-call members',
      'Mute (team platform) has no contact method',
      'user ghost (team platform) does not exist',
    ]);
  });
});

describe('page texts', () => {
  const ctx = (over: Partial<PageContext> = {}): PageContext => ({
    incident: {
      id: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      number: 1234,
      title: 'Billing API: ApiErrorRate',
      severity: 'P1',
      status: 'triggered',
      serviceId: 'billing-api',
      teamId: 'platform',
      openedAt: T.toISOString(),
      alertCount: 3,
    },
    serviceName: 'Billing API',
    summary:
      'Error rate above 5% on api-1 for the last 10 minutes while the rating engine backlog keeps growing beyond its limits',
    alerts: [{ summary: 'Error rate above 5% on api-1', severity: 'critical', status: 'firing' }],
    recipient: { userId: 'alice', name: 'Alice' },
    step: { round: 1, level: 2 },
    policyName: 'Platform default',
    links: {
      acknowledge: `https://abcdef1234.execute-api.eu-west-1.amazonaws.com/act/${signLink({ action: 'acknowledge', incidentId: '01JABCDEFGHJKMNPQRSTVWXYZ0', userId: 'alice-long-user-name', expiresAt: T }, ['s'])}`,
      resolve: 'https://x/act/r',
      incident: 'https://x/incidents/1',
    },
    ...over,
  });

  it('keeps the SMS under 160 characters with number, severity, service, summary and the whole ack link', () => {
    const token = signLink(
      { action: 'acknowledge', incidentId: '01JABCDEFGHJKMNPQRSTVWXYZ0', userId: 'alice', expiresAt: T },
      ['s'],
    );
    for (const base of [
      'http://localhost:3000',
      'https://noc.example.com',
      'https://abcdef1234.execute-api.eu-west-1.amazonaws.com',
    ]) {
      const c = ctx({ links: { ...ctx().links, acknowledge: `${base}/act/${token}` } });
      const sms = smsText(c);
      expect(sms.length).toBeLessThan(160);
      expect(sms.startsWith('#1234 P1 ')).toBe(true);
      expect(sms).toMatch(/: Error rate/);
      expect(sms.endsWith(` Ack: ${c.links.acknowledge}`)).toBe(true);
    }
    // A long base URL: the service name goes before the summary does.
    const long = smsText(ctx());
    expect(long.length).toBeLessThan(160);
    expect(long.endsWith(` Ack: ${ctx().links.acknowledge}`)).toBe(true);
    const short = smsText(
      ctx({
        summary: 'Disk full on db1',
        links: { ...ctx().links, acknowledge: 'http://localhost:3000/act/a.x.y.z.sig' },
      }),
    );
    expect(short).toBe('#1234 P1 Billing API: Disk full on db1 Ack: http://localhost:3000/act/a.x.y.z.sig');
  });

  it('puts details, alerts and every link in the email; JSON for webhooks; routing in attributes', () => {
    const body = emailBody(ctx());
    expect(body).toMatch(/incident #1234 \(P1\)/);
    expect(body).toContain('Error rate above 5% on api-1');
    expect(body).toContain('Resolve:     https://x/act/r');
    expect(body).toContain('Details and timeline: https://x/incidents/1');
    const email = pageMessage('email', ctx());
    expect(email.subject).toBe('[Nocturne] #1234 P1 Billing API: Billing API: ApiErrorRate');
    expect(JSON.parse(email.message)).toEqual({ default: body, email: body });
    const hook = JSON.parse(JSON.parse(pageMessage('webhook', ctx()).message).https);
    expect(hook).toMatchObject({
      type: 'nocturne.page',
      incident: { number: 1234 },
      escalation: { level: 2, round: 1 },
      links: { resolve: 'https://x/act/r' },
    });
    expect(pageAttributes({ userId: 'alice', channel: 'sms', address: '+15555550101', incidentId: 'i' })).toEqual({
      kind: 'page',
      recipient: 'alice',
      channel: 'sms',
      address: '+15555550101',
      incident: 'i',
    });
  });
});

describe('action links', () => {
  const link = {
    action: 'acknowledge' as const,
    incidentId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    userId: 'alice',
    expiresAt: new Date('2026-11-22T03:00:00Z'),
  };

  it('verifies its own links and rotates secrets without breaking links in flight', () => {
    const token = signLink(link, ['old']);
    expect(verifyLink(token, ['old'], T)).toEqual(link);
    expect(verifyLink(token, ['new', 'old'], T).incidentId).toBe(link.incidentId);
    expect(token.length).toBeLessThan(70);
  });

  it('refuses a changed action, incident or user, another key, an expired link and garbage', () => {
    const token = signLink(link, ['k']);
    const fault = (t: string, secrets = ['k'], now = T) => {
      try {
        verifyLink(t, secrets, now);
        return 'accepted';
      } catch (err) {
        return (err as ActLinkError).fault;
      }
    };
    expect(fault(token.replace(/^a\./, 'r.'))).toBe('signature');
    expect(fault(token.replace('alice', 'mallory'))).toBe('signature');
    expect(fault(token.replace('01JABC', '01JABD'))).toBe('signature');
    expect(fault(token, ['other'])).toBe('signature');
    expect(fault(token, ['k'], new Date('2026-11-22T03:00:00Z'))).toBe('expired');
    expect(fault('not-a-token')).toBe('malformed');
    expect(fault(`${token}.extra`)).toBe('malformed');
  });
});

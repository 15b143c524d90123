// Demo on-call configuration, seeded by `npm start` (infra/local/demo/index.ts): two people with demo
// phone numbers and emails, a weekly rotation, an escalation policy and the platform team's
// on-call config, so an alert to a demo integration ends as a page in .local/sns.jsonl; plus a
// stakeholder subscription to billing-api's status. Create-if-missing: restarts keep edits.
import { ConflictError } from '../../../shared/domain/errors';
import type { EscalationPolicy } from '../../../shared/domain/oncall/policy';
import type { User } from '../../../shared/domain/oncall/people';
import type { Schedule } from '../../../shared/domain/oncall/schedule';
import {
  createSubscription,
  policies,
  schedules,
  subscriptionIdFor,
  teamOncall,
  users,
} from '../../../shared/store/oncall';
import { services, teams } from '../../../shared/store/services';

type New<T> = Omit<T, 'version' | 'createdAt' | 'updatedAt'>;

export const demoUsers: Array<New<User>> = [
  {
    id: 'alice',
    name: 'Alice Example',
    timeZone: 'Europe/London',
    contactMethods: [
      { id: 'phone', type: 'sms', address: '+15555550101', label: 'mobile' },
      { id: 'work-mail', type: 'email', address: 'alice@example.com' },
    ],
    notificationRules: [
      { contactMethodId: 'phone', delayMinutes: 0 },
      { contactMethodId: 'work-mail', delayMinutes: 0 },
    ],
  },
  {
    id: 'bob',
    name: 'Bob Example',
    timeZone: 'America/New_York',
    contactMethods: [
      { id: 'phone', type: 'sms', address: '+15555550102', label: 'mobile' },
      { id: 'work-mail', type: 'email', address: 'bob@example.com' },
    ],
    notificationRules: [
      { contactMethodId: 'phone', delayMinutes: 0 },
      { contactMethodId: 'work-mail', delayMinutes: 0 },
    ],
  },
];

/** Alice and Bob take turns, a week each, handing over on Monday 09:00 London time. */
export const demoSchedule: New<Schedule> = {
  id: 'platform-primary',
  name: 'Platform primary',
  description: 'Weekly rotation, handoff Monday 09:00 Europe/London',
  timeZone: 'Europe/London',
  layers: [
    {
      id: 'weekly',
      name: 'Weekly',
      participants: ['alice', 'bob'],
      rotation: { every: 1, unit: 'weeks' },
      start: '2026-01-05T09:00',
      restrictions: [],
    },
  ],
  overrides: [],
};

export const demoPolicy: New<EscalationPolicy> = {
  id: 'platform-default',
  name: 'Platform default',
  description: 'Primary on call, then the whole team; twice; acknowledged incidents re-trigger after 30 minutes.',
  levels: [
    { targets: [{ type: 'schedule', id: 'platform-primary' }], delayMinutes: 5 },
    { targets: [{ type: 'team', id: 'platform' }], delayMinutes: 10 },
  ],
  repeat: 1,
  ackTimeoutMinutes: 30,
};

/** The database team's own policy: its members (Bob), then the platform's primary on call; twice. */
export const demoDbaPolicy: New<EscalationPolicy> = {
  id: 'dba-default',
  name: 'Databases default',
  description: 'The database team first, then the platform primary on call; twice; re-trigger after 30 minutes.',
  levels: [
    { targets: [{ type: 'team', id: 'dba' }], delayMinutes: 10 },
    { targets: [{ type: 'schedule', id: 'platform-primary' }], delayMinutes: 10 },
  ],
  repeat: 1,
  ackTimeoutMinutes: 30,
};

const ignoreExisting = (err: unknown) => {
  if (!(err instanceof ConflictError)) throw err;
};

export async function seedOncallDemo({ now }: { now: string }): Promise<void> {
  await teams
    .create({ id: 'platform', name: 'Platform', description: 'Billing platform on-call' }, now)
    .catch(ignoreExisting);
  for (const u of demoUsers) await users.create(u, now).catch(ignoreExisting);
  await schedules.create(demoSchedule, now).catch(ignoreExisting);
  await policies.create(demoPolicy, now).catch(ignoreExisting);
  await teamOncall
    .create({ id: 'platform', members: ['alice', 'bob'], escalationPolicyId: demoPolicy.id }, now)
    .catch(ignoreExisting);
  // The databases team (if the incidents demo has it) has its own policy, so every demo alert pages someone.
  if (await teams.get('dba')) {
    await policies.create(demoDbaPolicy, now).catch(ignoreExisting);
    await teamOncall
      .create({ id: 'dba', members: ['bob'], escalationPolicyId: demoDbaPolicy.id }, now)
      .catch(ignoreExisting);
  }
  if (await services.get('billing-api')) {
    const subscriber = { type: 'email' as const, address: 'finance@example.com' };
    await createSubscription({
      id: subscriptionIdFor('billing-api', subscriber),
      serviceId: 'billing-api',
      name: 'Finance (billing-api status)',
      subscriber,
      events: ['opened', 'severityChanged', 'resolved', 'statusUpdate'],
      createdAt: now,
    }).catch(ignoreExisting);
  }
}

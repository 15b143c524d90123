// Escalation policies and the escalation of one incident, pure: which level comes next, when,
// and who a level reaches. The durable part (state item, timers, pages) is shared/app/oncall/escalation.ts.
import * as z from 'zod';
import { contactPlan, oncallIdSchema, type ContactStep, type TeamOncall, type User } from './people';
import { onCallAt, type Schedule } from './schedule';

export const targetSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), id: oncallIdSchema }).strict(),
  /** Whoever is on call in the schedule when the level fires. */
  z.object({ type: z.literal('schedule'), id: oncallIdSchema }).strict(),
  /** Every member of the team. */
  z.object({ type: z.literal('team'), id: oncallIdSchema }).strict(),
]);
export type Target = z.infer<typeof targetSchema>;

export const levelSchema = z
  .object({
    targets: z.array(targetSchema).min(1).max(10),
    /** Minutes before the next level (or the next round) if nobody acknowledges. */
    delayMinutes: z.number().int().min(1).max(1440),
  })
  .strict();
export type Level = z.infer<typeof levelSchema>;

const policyFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  levels: z.array(levelSchema).min(1).max(10),
  /** How many more times the whole policy runs after the first pass when nobody acknowledges. */
  repeat: z.number().int().min(0).max(9).default(0),
  /** An acknowledged incident that is still open this many minutes later triggers again (escalation restarts at level 1). */
  ackTimeoutMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 1440)
    .optional(),
};

export const createPolicySchema = z.object({ id: oncallIdSchema, ...policyFields }).strict();
export const updatePolicySchema = z
  .object({
    name: policyFields.name.optional(),
    description: z.string().max(2000).nullable().optional(),
    levels: policyFields.levels.optional(),
    repeat: z.number().int().min(0).max(9).optional(),
    ackTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 1440)
      .nullable()
      .optional(),
    version: z.number().int().positive().optional(),
  })
  .strict();

export interface EscalationPolicy {
  id: string;
  name: string;
  description?: string;
  levels: Level[];
  repeat: number;
  ackTimeoutMinutes?: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A position in the chain: round 1 is the first pass; levels count from 1. */
export interface Step {
  round: number;
  level: number;
}

export function compareSteps(a: Step, b: Step): number {
  return a.round - b.round || a.level - b.level;
}

/** The step after `s`, or undefined when the policy (with its repeats) is exhausted. */
export function nextStep(p: Pick<EscalationPolicy, 'levels' | 'repeat'>, s: Step): Step | undefined {
  if (s.level < p.levels.length) return { round: s.round, level: s.level + 1 };
  if (s.round <= p.repeat) return { round: s.round + 1, level: 1 };
  return undefined;
}

export const FIRST_STEP: Step = { round: 1, level: 1 };

export interface Recipient {
  user: User;
  /** What put them on this level, e.g. "schedule primary" or "team platform". */
  via: string[];
  plan: ContactStep[];
}

export interface LevelPlan {
  recipients: Recipient[];
  /** Why a target (or a person) reaches nobody, for the incident timeline. */
  unreachable: string[];
}

export interface Directory {
  users: Map<string, User>;
  schedules: Map<string, Schedule>;
  teams: Map<string, TeamOncall>;
}

/** Who a level reaches at `at`: targets expanded to people, each with their contact plan. */
export function planLevel(level: Level, dir: Directory, at: Date): LevelPlan {
  const people = new Map<string, string[]>();
  const unreachable: string[] = [];
  const add = (userId: string, via: string) => people.set(userId, [...(people.get(userId) ?? []), via]);
  for (const t of level.targets) {
    if (t.type === 'user') add(t.id, 'directly');
    else if (t.type === 'schedule') {
      const s = dir.schedules.get(t.id);
      if (!s) unreachable.push(`schedule ${t.id} does not exist`);
      else {
        const shift = onCallAt(s, at);
        if (shift) add(shift.userId, `schedule ${s.name}`);
        else unreachable.push(`schedule ${s.name}: nobody on call at ${at.toISOString()}`);
      }
    } else {
      const team = dir.teams.get(t.id);
      if (!team || team.members.length === 0) unreachable.push(`team ${t.id} has no on-call members`);
      else for (const m of team.members) add(m, `team ${t.id}`);
    }
  }
  const recipients: Recipient[] = [];
  for (const [userId, via] of people) {
    const user = dir.users.get(userId);
    if (!user) {
      unreachable.push(`user ${userId} (${via.join(', ')}) does not exist`);
      continue;
    }
    const plan = contactPlan(user);
    if (!plan.length) unreachable.push(`${user.name} (${via.join(', ')}) has no contact method`);
    else recipients.push({ user, via, plan });
  }
  return { recipients, unreachable };
}

/** Every id a level list refers to, by kind (to load them in one go). */
export function referencesOf(levels: Level[]): { users: string[]; schedules: string[]; teams: string[] } {
  const out = { users: new Set<string>(), schedules: new Set<string>(), teams: new Set<string>() };
  for (const l of levels)
    for (const t of l.targets)
      (t.type === 'user' ? out.users : t.type === 'schedule' ? out.schedules : out.teams).add(t.id);
  return { users: [...out.users], schedules: [...out.schedules], teams: [...out.teams] };
}

// People on call: users with their contact methods (SMS, email, HTTPS webhook) and notification
// rules ("SMS at once, email after 2 minutes"), and each team's on-call configuration (members
// and default escalation policy). Pure: schemas and the rules that follow from them.
import { IANAZone } from 'luxon';
import * as z from 'zod';
import { ValidationError } from '../errors';

export const oncallIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes (max 64)');

/** E.164: a plus, a country code that does not start with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/;

export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((z) => IANAZone.isValidZone(z), 'an IANA time zone, e.g. Europe/London');

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https:// anywhere; http:// only to this machine (local runtime, tests). */
export const webhookUrlSchema = z
  .string()
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
    } catch {
      return false;
    }
  }, 'an https:// URL (http:// only for localhost)');

const label = z.string().trim().min(1).max(100).optional();

export const contactMethodSchema = z.discriminatedUnion('type', [
  z
    .object({
      id: oncallIdSchema,
      type: z.literal('sms'),
      address: z.string().regex(E164, 'an E.164 phone number, e.g. +15555550101'),
      label,
    })
    .strict(),
  z
    .object({ id: oncallIdSchema, type: z.literal('email'), address: z.email('an email address').max(254), label })
    .strict(),
  z.object({ id: oncallIdSchema, type: z.literal('webhook'), address: webhookUrlSchema, label }).strict(),
]);
export type ContactMethod = z.infer<typeof contactMethodSchema>;
export type Channel = ContactMethod['type'];
export const CHANNELS = ['sms', 'email', 'webhook'] as const;

export const notificationRuleSchema = z
  .object({
    contactMethodId: oncallIdSchema,
    /** Minutes after the person is paged at a level (0 = at once). */
    delayMinutes: z.number().int().min(0).max(120),
  })
  .strict();
export type NotificationRule = z.infer<typeof notificationRuleSchema>;

const userFields = {
  name: z.string().trim().min(1).max(200),
  timeZone: timeZoneSchema.optional(),
  contactMethods: z.array(contactMethodSchema).max(10).default([]),
  /** Empty: every contact method at once. */
  notificationRules: z.array(notificationRuleSchema).max(20).default([]),
};

export const createUserSchema = z.object({ id: oncallIdSchema, ...userFields }).strict();
export const updateUserSchema = z
  .object({
    name: userFields.name.optional(),
    timeZone: timeZoneSchema.nullable().optional(),
    contactMethods: z.array(contactMethodSchema).max(10).optional(),
    notificationRules: z.array(notificationRuleSchema).max(20).optional(),
    version: z.number().int().positive().optional(),
  })
  .strict();

export interface User {
  id: string;
  name: string;
  timeZone?: string;
  contactMethods: ContactMethod[];
  notificationRules: NotificationRule[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Contact method ids are unique and every rule names one of them. */
export function checkUser(u: Pick<User, 'contactMethods' | 'notificationRules'>): void {
  const issues: Array<{ field: string; message: string }> = [];
  const ids = new Set<string>();
  u.contactMethods.forEach((m, i) => {
    if (ids.has(m.id)) issues.push({ field: `contactMethods.${i}.id`, message: `duplicate contact method id ${m.id}` });
    ids.add(m.id);
  });
  u.notificationRules.forEach((r, i) => {
    if (!ids.has(r.contactMethodId))
      issues.push({
        field: `notificationRules.${i}.contactMethodId`,
        message: `no contact method ${r.contactMethodId}`,
      });
  });
  if (issues.length) throw new ValidationError('The user is not consistent.', issues);
}

export interface ContactStep {
  method: ContactMethod;
  delayMinutes: number;
}

/**
 * When to use which contact method once the person is paged: the notification rules, or every
 * method at once when there are none. A method named twice is used once, at its earliest delay
 * (a page is keyed by person and channel, so a second one would be refused anyway).
 */
export function contactPlan(u: Pick<User, 'contactMethods' | 'notificationRules'>): ContactStep[] {
  const byId = new Map(u.contactMethods.map((m) => [m.id, m]));
  const rules = u.notificationRules.length
    ? u.notificationRules
    : u.contactMethods.map((m) => ({ contactMethodId: m.id, delayMinutes: 0 }));
  const earliest = new Map<string, number>();
  for (const r of rules) {
    if (!byId.has(r.contactMethodId)) continue;
    earliest.set(r.contactMethodId, Math.min(earliest.get(r.contactMethodId) ?? Infinity, r.delayMinutes));
  }
  return [...earliest.entries()]
    .map(([id, delayMinutes]) => ({ method: byId.get(id)!, delayMinutes }))
    .sort((a, b) => a.delayMinutes - b.delayMinutes);
}

/** A team's on-call configuration (kept apart from the Team entity, keyed by the team id). */
export const teamOncallSchema = z
  .object({
    members: z.array(oncallIdSchema).max(100).default([]),
    escalationPolicyId: oncallIdSchema.nullable().optional(),
    version: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('The version you read (0 when none exists yet); a stale one gets 409.'),
  })
  .strict();

export interface TeamOncall {
  /** The team id. */
  id: string;
  members: string[];
  escalationPolicyId?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

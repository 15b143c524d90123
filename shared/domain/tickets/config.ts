// Ticketing configuration: categories (with their custom fields, defaults, SLA policy and who
// hears of what), queues (talent pools), the requester directory and the rules that open
// follow-up tickets for incidents. Calendars and SLA policies live in business-time.ts and sla.ts.
import * as z from 'zod';
import { fieldDefinitionsSchema } from './fields';
import { prioritySchema } from './sla';

export const configId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes');
const email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export const RECIPIENTS = ['requester', 'assignee', 'queue', 'watchers', 'queueLead'] as const;
export const recipientSchema = z.enum(RECIPIENTS);
export type RecipientKind = z.infer<typeof recipientSchema>;

export const NOTIFY_ON = [
  'created',
  'assigned',
  'publicComment',
  'statusChanged',
  'slaWarning',
  'slaBreached',
] as const;
export type NotifyOn = (typeof NOTIFY_ON)[number];

export const DEFAULT_NOTIFY: Record<NotifyOn, RecipientKind[]> = {
  created: ['requester', 'queue'],
  assigned: ['assignee'],
  publicComment: ['requester', 'assignee', 'watchers'],
  statusChanged: ['requester', 'watchers'],
  slaWarning: ['assignee', 'queue'],
  slaBreached: ['assignee', 'queueLead'],
};

export const categorySchema = z.object({
  id: configId,
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  fields: fieldDefinitionsSchema.default([]),
  defaultPriority: prioritySchema.default('P3'),
  defaultQueueId: configId.optional(),
  slaPolicyId: configId.optional(),
  /** Skills a member needs to be picked by round-robin for this category. */
  requiredSkills: z.array(z.string().min(1).max(64)).max(20).default([]),
  /** How long after resolution a ticket may be reopened; then it closes by itself. */
  reopenWindowHours: z
    .number()
    .int()
    .min(0)
    .max(24 * 90)
    .default(168),
  /** Who is told of what; missing entries take DEFAULT_NOTIFY. */
  notify: z.partialRecord(z.enum(NOTIFY_ON), z.array(recipientSchema).max(5)).default({}),
  /** Whether requesters may pick this category themselves (portal, email default). */
  requesterVisible: z.boolean().default(true),
  /** Mail to these addresses opens tickets in this category (e.g. billing@operator.example). */
  emailAddresses: z.array(email).max(20).default([]),
});
export type Category = z.infer<typeof categorySchema>;

export function notifyTargets(c: Pick<Category, 'notify'>, on: NotifyOn): RecipientKind[] {
  return c.notify[on] ?? DEFAULT_NOTIFY[on];
}

export const memberSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().max(200).optional(),
  email,
  skills: z.array(z.string().min(1).max(64)).max(50).default([]),
  available: z.boolean().default(true),
});
export type QueueMember = z.infer<typeof memberSchema>;

export const queueObjectSchema = z.object({
  id: configId,
  name: z.string().min(1).max(200),
  /** A shared mailbox that hears of the queue's tickets (else every member does). */
  email: email.optional(),
  members: z.array(memberSchema).max(500).default([]),
  assignmentMode: z.enum(['manual', 'round-robin']).default('manual'),
  /** Escalations (SLA breaches) go to the lead. */
  lead: z.object({ id: z.string().min(1).max(128), name: z.string().max(200).optional(), email }).optional(),
});
export const queueSchema = queueObjectSchema.superRefine((q, ctx) => {
  const ids = new Set<string>();
  q.members.forEach((m, i) => {
    if (ids.has(m.id))
      ctx.addIssue({ code: 'custom', path: ['members', i, 'id'], message: `duplicate member ${m.id}` });
    ids.add(m.id);
  });
});
export type Queue = z.infer<typeof queueSchema>;

/** Members round-robin may pick: available, with every skill the category needs. */
export function eligibleMembers(q: Queue, requiredSkills: string[]): QueueMember[] {
  return q.members.filter((m) => m.available && requiredSkills.every((s) => m.skills.includes(s)));
}

/** The member for the n-th round-robin turn (n from an atomic counter, 1-based). */
export function roundRobinPick(members: QueueMember[], turn: number): QueueMember | undefined {
  if (members.length === 0) return undefined;
  return members[(((turn - 1) % members.length) + members.length) % members.length];
}

export const requesterSchema = z.object({
  email,
  name: z.string().max(200).optional(),
  /** The customer account the requester belongs to (linked on their tickets). */
  accountId: z.string().max(128).optional(),
  /** Identity-provider subject of the requester's portal login, when they have one. */
  sub: z.string().max(128).optional(),
  /** Contacts may only email; blocked senders are rejected. */
  blocked: z.boolean().default(false),
});
export type Requester = z.infer<typeof requesterSchema>;

export const INCIDENT_SEVERITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

export const incidentRuleSchema = z.object({
  id: configId,
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  /** Rules are tried in this order; the first that matches opens the follow-up. */
  order: z.number().int().min(0).max(10000).default(100),
  match: z
    .object({
      severities: z.array(z.enum(INCIDENT_SEVERITIES)).max(5).optional(),
      serviceIds: z.array(z.string().min(1).max(128)).max(100).optional(),
      teamIds: z.array(z.string().min(1).max(128)).max(100).optional(),
    })
    .default({}),
  categoryId: configId.default('incident-follow-up'),
  /** Default: the incident's severity mapped to a ticket priority (P5 → P4). */
  priority: prioritySchema.optional(),
  queueId: configId.optional(),
  /** Requester of the follow-up ticket (an ops mailbox). */
  requesterEmail: email.default('ops@nocturne.local'),
});
export type IncidentRule = z.infer<typeof incidentRuleSchema>;

export interface IncidentFacts {
  severity: (typeof INCIDENT_SEVERITIES)[number];
  serviceId?: string;
  teamId?: string;
}

export function ruleMatches(rule: IncidentRule, incident: IncidentFacts): boolean {
  if (!rule.enabled) return false;
  const m = rule.match;
  if (m.severities && !m.severities.includes(incident.severity)) return false;
  if (m.serviceIds && (!incident.serviceId || !m.serviceIds.includes(incident.serviceId))) return false;
  if (m.teamIds && (!incident.teamId || !m.teamIds.includes(incident.teamId))) return false;
  return true;
}

export function firstMatchingRule(rules: IncidentRule[], incident: IncidentFacts): IncidentRule | undefined {
  return [...rules].sort((a, b) => a.order - b.order || a.id.localeCompare(b.id)).find((r) => ruleMatches(r, incident));
}

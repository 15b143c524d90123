// Stakeholder updates, pure: who subscribes to a service's status and what they are told when
// one of its incidents opens, changes severity or resolves. Informational, never a page: no
// action links, one message per subscriber and channel on the 'stakeholders' topic.
import * as z from 'zod';
import { E164, oncallIdSchema, webhookUrlSchema, type Channel } from './people';

/** statusUpdate: a responder posted a public status update on one of the service's incidents. */
export const STAKEHOLDER_EVENTS = ['opened', 'severityChanged', 'resolved', 'statusUpdate'] as const;
export type StakeholderEvent = (typeof STAKEHOLDER_EVENTS)[number];

export const subscriberSchema = z.discriminatedUnion('type', [
  /** A Nocturne user, through their contact methods of these channels. */
  z
    .object({
      type: z.literal('user'),
      userId: oncallIdSchema,
      channels: z
        .array(z.enum(['sms', 'email', 'webhook']))
        .min(1)
        .max(3)
        .default(['email']),
    })
    .strict(),
  z.object({ type: z.literal('email'), address: z.email('an email address').max(254) }).strict(),
  z
    .object({ type: z.literal('sms'), address: z.string().regex(E164, 'an E.164 phone number, e.g. +15555550101') })
    .strict(),
  /** Another system: a JSON POST (through an SNS HTTPS subscription). */
  z.object({ type: z.literal('webhook'), address: webhookUrlSchema }).strict(),
]);
export type Subscriber = z.infer<typeof subscriberSchema>;

export const createSubscriptionSchema = z
  .object({
    id: oncallIdSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    subscriber: subscriberSchema,
    events: z
      .array(z.enum(STAKEHOLDER_EVENTS))
      .min(1)
      .max(STAKEHOLDER_EVENTS.length)
      .default([...STAKEHOLDER_EVENTS]),
  })
  .strict();

export interface Subscription {
  id: string;
  serviceId: string;
  name?: string;
  subscriber: Subscriber;
  events: StakeholderEvent[];
  createdAt: string;
}

export interface StakeholderIncident {
  id: string;
  number: number;
  title: string;
  severity: string;
  status: string;
  serviceId?: string;
  openedAt: string;
  resolvedAt?: string;
}

export interface Update {
  event: StakeholderEvent;
  incident: StakeholderIncident;
  serviceName: string;
  change: Record<string, unknown>;
}

function headline(u: Update): string {
  const i = u.incident;
  if (u.event === 'opened') return `${u.serviceName}: incident #${i.number} opened (${i.severity}): ${i.title}`;
  if (u.event === 'resolved') {
    const minutes = i.resolvedAt
      ? Math.max(0, Math.round((Date.parse(i.resolvedAt) - Date.parse(i.openedAt)) / 60000))
      : undefined;
    return `${u.serviceName}: incident #${i.number} resolved${minutes !== undefined ? ` after ${minutes} min` : ''}: ${i.title}`;
  }
  if (u.event === 'statusUpdate') {
    const su = u.change.statusUpdate as { status?: string; body?: string } | undefined;
    return `${u.serviceName}: incident #${i.number} ${su?.status ?? 'update'}: ${su?.body ?? i.title}`;
  }
  const sev = u.change.severity as { from?: string; to?: string } | undefined;
  return `${u.serviceName}: incident #${i.number} severity ${sev?.from ?? '?'} → ${sev?.to ?? i.severity}: ${i.title}`;
}

export function updateMessage(channel: Channel, u: Update): { subject?: string; message: string } {
  const text = headline(u);
  if (channel === 'sms') {
    const sms = text.length > 159 ? `${text.slice(0, 158)}…` : text;
    return { message: JSON.stringify({ default: sms, sms }) };
  }
  if (channel === 'email') {
    const body = [
      text,
      '',
      `Service:  ${u.serviceName}${u.incident.serviceId ? ` (${u.incident.serviceId})` : ''}`,
      `Severity: ${u.incident.severity}`,
      `Status:   ${u.incident.status}`,
      `Opened:   ${u.incident.openedAt}`,
      ...(u.incident.resolvedAt ? [`Resolved: ${u.incident.resolvedAt}`] : []),
      '',
      'You receive this because you subscribed to this service’s status in Nocturne.',
    ].join('\n');
    return {
      subject: `[Nocturne status] ${text}`.replace(/[\r\n\t]+/g, ' ').slice(0, 100),
      message: JSON.stringify({ default: body, email: body }),
    };
  }
  const json = JSON.stringify({
    type: 'nocturne.status-update',
    version: 1,
    event: u.event,
    service: { id: u.incident.serviceId, name: u.serviceName },
    incident: u.incident,
    change: u.change,
    text,
  });
  return { message: JSON.stringify({ default: json, https: json, http: json }) };
}

/** Where one subscription's update goes: (channel, address) pairs. */
export function destinationsOf(
  s: Subscriber,
  user?: { contactMethods: Array<{ type: Channel; address: string }> },
): Array<{ channel: Channel; address: string }> {
  if (s.type === 'user')
    return (user?.contactMethods ?? [])
      .filter((m) => s.channels.includes(m.type))
      .map((m) => ({ channel: m.type, address: m.address }));
  return [{ channel: s.type, address: s.address }];
}

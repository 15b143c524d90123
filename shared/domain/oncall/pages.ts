// What a page says, per channel, and how it is addressed. Pure. One SNS message per page attempt:
// its message attributes (recipient, channel, address) let SNS subscription filter policies route
// it to exactly one phone, mailbox or endpoint; its JSON structure carries the text for that
// protocol (sms, email, http/https).
import type { Channel } from './people';

export interface PageIncident {
  id: string;
  number: number;
  title: string;
  severity: string;
  status: string;
  serviceId?: string;
  teamId?: string;
  openedAt: string;
  alertCount: number;
}

export interface PageContext {
  incident: PageIncident;
  serviceName?: string;
  /** The headline: the first firing alert's summary, else the incident title. */
  summary: string;
  alerts: Array<{ summary: string; severity: string; status: string }>;
  recipient: { userId: string; name: string };
  step: { round: number; level: number };
  policyName: string;
  links: { acknowledge: string; resolve: string; incident: string };
}

export const SMS_MAX = 159;

function fit(text: string, room: number): string {
  if (room <= 0) return '';
  if (text.length <= room) return text;
  return room === 1 ? '…' : `${text.slice(0, room - 1).trimEnd()}…`;
}

/**
 * Under 160 characters: number, severity, service, summary (cut to fit) and the whole acknowledge
 * link. When the link leaves little room the service goes first, then the summary; a link longer
 * than the whole budget (a very long PUBLIC_BASE_URL) cannot be helped.
 */
export function smsText(c: PageContext): string {
  const head = `#${c.incident.number} ${c.incident.severity}`;
  const service = c.serviceName ?? c.incident.serviceId;
  const tail = ` Ack: ${c.links.acknowledge}`;
  for (const prefix of service ? [`${head} ${service}: `, `${head}: `] : [`${head}: `]) {
    const room = SMS_MAX - prefix.length - tail.length;
    if (room >= 12) return `${prefix}${fit(c.summary, room)}${tail}`;
  }
  return `${head}${tail}`;
}

export function emailSubject(c: PageContext): string {
  const service = c.serviceName ?? c.incident.serviceId;
  return `[Nocturne] #${c.incident.number} ${c.incident.severity}${service ? ` ${service}` : ''}: ${c.incident.title}`
    .replace(/[\r\n\t]+/g, ' ')
    .slice(0, 100);
}

export function emailBody(c: PageContext): string {
  const i = c.incident;
  const alerts = c.alerts.slice(0, 20).map((a) => `  - [${a.status}] ${a.severity}: ${a.summary}`);
  return [
    `${c.recipient.name}, you are paged for incident #${i.number} (${i.severity}).`,
    '',
    `  ${i.title}`,
    '',
    `Service:   ${c.serviceName ?? i.serviceId ?? 'none'}${c.serviceName && i.serviceId ? ` (${i.serviceId})` : ''}`,
    `Team:      ${i.teamId ?? 'none'}`,
    `Status:    ${i.status}`,
    `Opened:    ${i.openedAt}`,
    `Escalation: level ${c.step.level}, round ${c.step.round} of policy ${c.policyName}`,
    '',
    `Alerts (${i.alertCount}):`,
    ...(alerts.length ? alerts : ['  (none linked)']),
    ...(c.alerts.length > 20 ? [`  ... and ${c.alerts.length - 20} more`] : []),
    '',
    `Acknowledge: ${c.links.acknowledge}`,
    `Resolve:     ${c.links.resolve}`,
    `Details and timeline: ${c.links.incident}`,
    '',
    'The acknowledge and resolve links work once you confirm on the page they open, without logging in; they expire.',
  ].join('\n');
}

export function webhookBody(c: PageContext): Record<string, unknown> {
  return {
    type: 'nocturne.page',
    version: 1,
    incident: c.incident,
    service: c.serviceName ? { id: c.incident.serviceId, name: c.serviceName } : undefined,
    summary: c.summary,
    alerts: c.alerts.slice(0, 50),
    recipient: c.recipient,
    escalation: { ...c.step, policy: c.policyName },
    links: c.links,
  };
}

export interface PageMessage {
  subject?: string;
  /** SNS MessageStructure=json: per-protocol texts. */
  message: string;
}

export function pageMessage(channel: Channel, c: PageContext): PageMessage {
  if (channel === 'sms') {
    const text = smsText(c);
    return { message: JSON.stringify({ default: text, sms: text }) };
  }
  if (channel === 'email') {
    const body = emailBody(c);
    return { subject: emailSubject(c), message: JSON.stringify({ default: body, email: body }) };
  }
  const json = JSON.stringify(webhookBody(c));
  return { message: JSON.stringify({ default: json, https: json, http: json }) };
}

/** Message attributes that route a page to one person's one contact method. */
export function pageAttributes(a: {
  userId: string;
  channel: Channel;
  address: string;
  incidentId: string;
  kind?: string;
}): Record<string, string> {
  return {
    kind: a.kind ?? 'page',
    recipient: a.userId,
    channel: a.channel,
    address: a.address,
    incident: a.incidentId,
  };
}

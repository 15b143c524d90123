// Zabbix webhook media type. Zabbix runs a script we publish (docs/monitors/zabbix.md) that
// sends the event macros below as JSON. Problem, update (acknowledge) and recovery
// notifications of one problem share {EVENT.ID}, the problem event id: that is the dedup key.
import * as z from 'zod';
import { boundedKey, type AlertSeverity, type AlertStatus, type CanonicalAlert } from '../alert';
import { ValidationError } from '../errors';
import { bounded, cleanLabels, details, firstText, link, links, lookup, summaryOf, text, toIsoTime } from './fields';
import { parseJson, validate } from './parse';
import type { Normalizer } from './types';

const scalar = z.union([z.string(), z.number()]);
const optional = scalar.nullish();

export const zabbixTagSchema = z.object({ tag: scalar, value: scalar.nullish() });

export const zabbixPayloadSchema = z.object({
  event_id: scalar,
  event_value: optional,
  event_severity: optional,
  event_nseverity: optional,
  event_name: optional,
  event_opdata: optional,
  event_started_at: optional,
  event_date: optional,
  event_time: optional,
  event_recovery_id: optional,
  event_recovered_at: optional,
  event_recovery_date: optional,
  event_recovery_time: optional,
  event_update_status: optional,
  event_update_action: optional,
  event_update_user: optional,
  event_ack_status: optional,
  // {EVENT.TAGSJSON}: the script parses it; a sender that does not may pass the JSON text.
  event_tags: z.union([z.array(zabbixTagSchema).max(1000), z.string()]).nullish(),
  trigger_id: optional,
  trigger_name: optional,
  trigger_description: optional,
  trigger_url: optional,
  host_name: optional,
  host_host: optional,
  host_ip: optional,
  zabbix_url: optional,
});
export type ZabbixPayload = z.infer<typeof zabbixPayloadSchema>;

/** Numeric severity ({EVENT.NSEVERITY}) to ours. */
const BY_NUMBER: Record<string, AlertSeverity> = {
  '0': 'info',
  '1': 'info',
  '2': 'warning',
  '3': 'error',
  '4': 'error',
  '5': 'critical',
};
/** Default severity names ({EVENT.SEVERITY}); admins may rename them, so the number comes first. */
const BY_NAME: Record<string, AlertSeverity> = {
  'not classified': 'info',
  information: 'info',
  warning: 'warning',
  average: 'error',
  high: 'error',
  disaster: 'critical',
};

/** A macro Zabbix left unexpanded (`{EVENT.RECOVERY.ID}`, `{$ZABBIX.URL}`) or could not resolve (`*UNKNOWN*`) is absent. */
function value(v: unknown): string | undefined {
  const t = text(v);
  if (t === undefined || t === '*UNKNOWN*' || /^\{[A-Z0-9_.$#:]+\}$/.test(t)) return undefined;
  return t;
}

/** {EVENT.DATE} + {EVENT.TIME} ("2024.03.05", "10:04:11"), read as UTC when the script sent no ISO time. */
function zabbixDateTime(date: unknown, time: unknown): string | undefined {
  const d = value(date);
  const t = value(time);
  if (!d || !t || !/^\d{4}\.\d{2}\.\d{2}$/.test(d)) return undefined;
  return toIsoTime(`${d.replaceAll('.', '-')}T${t}Z`);
}

function tagsOf(raw: ZabbixPayload['event_tags']): [string, string][] {
  let list: unknown = raw ?? [];
  if (typeof list === 'string') {
    const s = value(list);
    if (!s) return [];
    try {
      list = JSON.parse(s);
    } catch {
      throw new ValidationError('The Zabbix webhook payload is not valid.', [
        { field: 'event_tags', message: 'Expected {EVENT.TAGSJSON}: a JSON array of {tag, value}.' },
      ]);
    }
    const parsed = z.array(zabbixTagSchema).max(1000).safeParse(list);
    if (!parsed.success)
      throw ValidationError.fromZod('The Zabbix webhook payload is not valid.', parsed.error, 'event_tags');
    list = parsed.data;
  }
  return (list as z.infer<typeof zabbixTagSchema>[]).map((t) => [
    String(t.tag),
    t.value == null ? '' : String(t.value),
  ]);
}

function severityOf(p: ZabbixPayload): AlertSeverity {
  const n = value(p.event_nseverity);
  if (n !== undefined) {
    const s = lookup(BY_NUMBER, n);
    if (!s)
      throw new ValidationError('The Zabbix webhook payload is not valid.', [
        { field: 'event_nseverity', message: 'Expected a severity from 0 to 5.' },
      ]);
    return s;
  }
  return lookup(BY_NAME, value(p.event_severity)?.toLowerCase()) ?? 'warning';
}

function statusOf(p: ZabbixPayload): AlertStatus {
  const v = value(p.event_value);
  if (v === '1') return 'firing';
  if (v === '0') return 'resolved';
  if (v !== undefined)
    throw new ValidationError('The Zabbix webhook payload is not valid.', [
      { field: 'event_value', message: 'Expected 1 (problem) or 0 (recovery).' },
    ]);
  return value(p.event_recovery_id) ? 'resolved' : 'firing';
}

/** An update operation that acknowledged the problem ({EVENT.UPDATE.ACTION} says "acknowledged"). */
function isAcknowledgement(p: ZabbixPayload): boolean {
  const action = value(p.event_update_action)?.toLowerCase() ?? '';
  // \b keeps "unacknowledged" out.
  return value(p.event_update_status) === '1' && /\backnowledged\b/.test(action);
}

function eventPage(zabbixUrl: string | undefined, triggerId: string | undefined, eventId: string): string | undefined {
  if (!zabbixUrl || !triggerId) return undefined;
  try {
    const url = new URL('tr_events.php', zabbixUrl.endsWith('/') ? zabbixUrl : `${zabbixUrl}/`);
    url.searchParams.set('triggerid', triggerId);
    url.searchParams.set('eventid', eventId);
    return url.href;
  } catch {
    return undefined;
  }
}

export const normalizeZabbix: Normalizer = (payload, ctx) => {
  const p = validate(zabbixPayloadSchema, parseJson(payload.body), 'Zabbix webhook');
  const eventId = value(p.event_id);
  if (!eventId) {
    throw new ValidationError('The Zabbix webhook payload is not valid.', [
      { field: 'event_id', message: 'Required: {EVENT.ID}, the problem event id.' },
    ]);
  }
  const status = statusOf(p);
  const tags = tagsOf(p.event_tags);
  const hostVisible = value(p.host_name);
  const hostTechnical = value(p.host_host);
  const host = hostVisible ?? hostTechnical;
  const labels = cleanLabels(
    tags.reduce(
      (m, [k, v]) => m.set(k, m.has(k) && m.get(k) !== v ? `${m.get(k)},${v}` : v),
      new Map<string, string>(),
    ),
  );
  if (hostTechnical && !Object.hasOwn(labels, 'host')) labels.host = bounded(hostTechnical, 1024) ?? hostTechnical;
  const name = firstText(value(p.event_name), value(p.trigger_name));
  const summary = name && host && !name.includes(host) ? `${host}: ${name}` : name;
  const triggerId = value(p.trigger_id);
  const startedAt = toIsoTime(value(p.event_started_at)) ?? zabbixDateTime(p.event_date, p.event_time);
  const recoveredAt =
    toIsoTime(value(p.event_recovered_at)) ?? zabbixDateTime(p.event_recovery_date, p.event_recovery_time);

  const alert: CanonicalAlert = {
    source: 'zabbix',
    dedupKey: boundedKey([eventId]),
    status,
    action: status === 'resolved' ? 'resolve' : isAcknowledgement(p) ? 'acknowledge' : 'trigger',
    severity: severityOf(p),
    summary: summaryOf(summary, `Zabbix problem ${eventId}`),
    details: details({
      eventId,
      triggerId,
      severityName: value(p.event_severity),
      operationalData: value(p.event_opdata),
      triggerDescription: value(p.trigger_description),
      recoveryEventId: value(p.event_recovery_id),
      acknowledged: value(p.event_ack_status),
      updateAction: value(p.event_update_action),
      updateUser: value(p.event_update_user),
      hostName: hostVisible,
      hostTechnicalName: hostTechnical,
      hostIp: value(p.host_ip),
    }),
    labels,
    service: bounded(firstText(labels.service, ctx.defaultService), 255),
    resource: bounded(host, 1024),
    startsAt: startedAt ?? ctx.receivedAt,
    endsAt: status === 'resolved' ? (recoveredAt ?? ctx.receivedAt) : undefined,
    links: links(
      link(value(p.trigger_url), 'Trigger URL'),
      link(eventPage(value(p.zabbix_url), triggerId, eventId), 'Zabbix event'),
    ),
  };
  return [alert];
};

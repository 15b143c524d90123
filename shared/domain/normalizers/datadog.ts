// Datadog webhooks integration. Datadog sends whatever payload template the user writes; we
// document one (docs/monitors/datadog.md) and read its fields by loose name, so `aggreg_key`,
// `AGGREG_KEY` and `$AGGREG_KEY` all work, as JSON or with "Encode as form".
import { boundedKey, type AlertSeverity, type AlertStatus, type CanonicalAlert } from '../alert';
import { ValidationError } from '../errors';
import {
  bounded,
  cleanLabels,
  details,
  firstText,
  link,
  links,
  looseFields,
  severityFromWord,
  summaryOf,
  text,
  toIsoTime,
} from './fields';
import { parseJsonOrForm } from './parse';
import type { Normalizer } from './types';

/** Accepted names for each field we read, in loose form (see `looseKey`). First present wins. */
const FIELD = {
  eventId: ['id', 'eventid'],
  alertId: ['alertid', 'monitorid'],
  aggregKey: ['aggregkey', 'aggregationkey'],
  cycleKey: ['alertcyclekey', 'cyclekey'],
  transition: ['alerttransition', 'transition'],
  alertType: ['alerttype'],
  priority: ['alertpriority', 'priority'],
  title: ['alerttitle', 'title'],
  eventTitle: ['eventtitle'],
  message: ['eventmsg', 'message', 'body'],
  textOnly: ['textonlymsg', 'textonlymessage'],
  alertStatus: ['alertstatus', 'status'],
  scope: ['alertscope', 'scope'],
  metric: ['alertmetric', 'metric'],
  query: ['alertquery', 'query'],
  hostname: ['hostname', 'host'],
  tags: ['tags'],
  link: ['link', 'url'],
  snapshot: ['snapshot'],
  date: ['date', 'dateposix'],
  lastUpdated: ['lastupdated'],
  eventType: ['eventtype'],
  orgId: ['orgid'],
  orgName: ['orgname'],
} as const;

const FIRING_TRANSITIONS = new Set(['triggered', 'retriggered', 'warn', 'rewarn', 'nodata', 'renodata', 'renotify']);
const RESOLVED_TRANSITIONS = new Set(['recovered']);

/** Template variables Datadog could not fill arrive as their own name (`$HOSTNAME`): read as absent. */
function value(fields: Map<string, unknown>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = text(fields.get(n));
    if (v !== undefined && !/^\$[A-Z][A-Z0-9_]*$/.test(v)) return v;
  }
  return undefined;
}

/** `$TAGS` is "a:b, c, d:e:f": split on commas, name up to the first colon; repeated names join with commas. */
export function parseDatadogTags(tags: unknown): Record<string, string> {
  const list = Array.isArray(tags) ? tags.map((t) => text(t) ?? '') : (text(tags) ?? '').split(',');
  const pairs = new Map<string, string>();
  for (const raw of list.slice(0, 1000)) {
    const tag = raw.trim();
    if (tag === '') continue;
    const colon = tag.indexOf(':');
    const name = colon === -1 ? tag : tag.slice(0, colon);
    const v = colon === -1 ? '' : tag.slice(colon + 1);
    const prev = pairs.get(name);
    pairs.set(name, prev === undefined || prev === v ? v : `${prev},${v}`);
  }
  return cleanLabels(pairs);
}

function statusOf(transition: string | undefined, alertType: string | undefined): AlertStatus {
  const t = transition?.toLowerCase().replace(/[^a-z]/g, '');
  if (t && RESOLVED_TRANSITIONS.has(t)) return 'resolved';
  if (t && FIRING_TRANSITIONS.has(t)) return 'firing';
  return alertType?.toLowerCase() === 'success' ? 'resolved' : 'firing';
}

function severityOf(
  transition: string | undefined,
  priority: string | undefined,
  alertType: string | undefined,
): AlertSeverity {
  const t = transition?.toLowerCase().replace(/[^a-z]/g, '');
  if (t === 'warn' || t === 'rewarn' || t === 'nodata' || t === 'renodata') return 'warning';
  const byPriority = severityFromWord(priority);
  if (byPriority) return byPriority;
  switch (alertType?.toLowerCase()) {
    case 'warning':
      return 'warning';
    case 'info':
    case 'success':
      return 'info';
    default:
      return 'error';
  }
}

export const normalizeDatadog: Normalizer = (payload, ctx) => {
  const fields = looseFields(parseJsonOrForm(payload), 'Datadog webhook');
  const get = (names: readonly string[]) => value(fields, names);

  const aggregKey = get(FIELD.aggregKey);
  const alertId = get(FIELD.alertId);
  const hostname = get(FIELD.hostname);
  const scope = get(FIELD.scope);
  if (!aggregKey && !alertId) {
    throw new ValidationError('The Datadog webhook payload is not valid.', [
      {
        field: 'aggreg_key',
        message: 'Either aggreg_key ($AGGREG_KEY) or alert_id ($ALERT_ID) is required to identify the alert.',
      },
    ]);
  }
  const dedupKey = aggregKey
    ? boundedKey(hostname ? [aggregKey, hostname] : [aggregKey])
    : boundedKey([`monitor-${alertId}`, ...((scope ?? hostname) ? [scope ?? hostname ?? ''] : [])]);

  const transition = get(FIELD.transition);
  const alertType = get(FIELD.alertType);
  const priority = get(FIELD.priority);
  const status = statusOf(transition, alertType);
  const happenedAt = toIsoTime(get(FIELD.date)) ?? toIsoTime(get(FIELD.lastUpdated));
  const labels = parseDatadogTags(fields.get('tags'));
  if (hostname && !Object.hasOwn(labels, 'host')) labels.host = bounded(hostname, 1024) ?? hostname;

  const alert: CanonicalAlert = {
    source: 'datadog',
    dedupKey,
    status,
    action: status === 'firing' ? 'trigger' : 'resolve',
    severity: severityOf(transition, priority, alertType),
    summary: summaryOf(
      firstText(get(FIELD.title), get(FIELD.eventTitle), get(FIELD.textOnly), get(FIELD.message)),
      `Datadog monitor ${alertId ?? aggregKey}`,
    ),
    details: details({
      alertId,
      eventId: get(FIELD.eventId),
      aggregationKey: aggregKey,
      alertCycleKey: get(FIELD.cycleKey),
      transition,
      alertType,
      priority,
      message: get(FIELD.message),
      alertStatus: get(FIELD.alertStatus),
      scope,
      metric: get(FIELD.metric),
      query: get(FIELD.query),
      eventType: get(FIELD.eventType),
      orgId: get(FIELD.orgId),
      orgName: get(FIELD.orgName),
      lastUpdated: toIsoTime(get(FIELD.lastUpdated)),
    }),
    labels,
    service: bounded(firstText(labels.service, ctx.defaultService), 255),
    resource: bounded(hostname, 1024),
    startsAt: happenedAt ?? ctx.receivedAt,
    endsAt: status === 'resolved' ? (happenedAt ?? ctx.receivedAt) : undefined,
    links: links(link(get(FIELD.link), 'Datadog'), link(get(FIELD.snapshot), 'Graph')),
  };
  return [alert];
};

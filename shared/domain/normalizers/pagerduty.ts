// PagerDuty Events API v2 (`POST /v2/enqueue`) compatibility: any tool that can page PagerDuty
// can send to Nocturne with routing_key = the integration token (docs/monitors/pagerduty.md).
// Validation follows PagerDuty's documented rules and answers in its error style.
import { createHash } from 'node:crypto';
import { ALERT_SEVERITIES, boundedKey, type AlertSeverity, type CanonicalAlert } from '../alert';
import { ValidationError, type FieldIssue } from '../errors';
import { bounded, cleanLabels, clip, details, link, links, summaryOf, text, toIsoTime } from './fields';
import { parseJson } from './parse';
import type { Normalizer } from './types';

export const PAGERDUTY_MAX_EVENT_BYTES = 512 * 1024;
export const PAGERDUTY_EVENT_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
export type PagerDutyEventAction = (typeof PAGERDUTY_EVENT_ACTIONS)[number];

export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyEventAction;
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: AlertSeverity;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: unknown;
  };
  images?: { src: string; href?: string; alt?: string }[];
  links?: { href: string; text?: string }[];
  client?: string;
  client_url?: string;
}

export type PagerDutyValidation = { ok: true; event: PagerDutyEvent } | { ok: false; errors: string[] };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';
const quoted = (list: readonly string[]) => list.map((s) => `'${s}'`).join(', ');

/** Each problem as PagerDuty words it, with the field it names. */
function check(value: unknown): { issues: FieldIssue[]; event?: PagerDutyEvent } {
  const issues: FieldIssue[] = [];
  const fail = (field: string, message: string) => issues.push({ field, message });
  if (!isObject(value)) {
    fail('', 'Event object must be a JSON object');
    return { issues };
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch {
    size = Infinity; // too deeply nested to serialise: certainly not a valid event
  }
  if (size > PAGERDUTY_MAX_EVENT_BYTES) fail('', 'Event object is too large (the maximum size is 512 KB)');

  if (blank(value.routing_key)) fail('routing_key', "'routing_key' is missing or blank");
  const action = value.event_action;
  if (blank(action)) fail('event_action', "'event_action' is missing or blank");
  else if (!PAGERDUTY_EVENT_ACTIONS.includes(action as PagerDutyEventAction))
    fail('event_action', `'event_action' is invalid (must be one of ${quoted(PAGERDUTY_EVENT_ACTIONS)})`);

  const dedup = value.dedup_key;
  if (dedup !== undefined && dedup !== null && typeof dedup !== 'string')
    fail('dedup_key', "'dedup_key' must be a string");
  else if (typeof dedup === 'string' && dedup.length > 255)
    fail('dedup_key', "'dedup_key' is too long (the maximum length is 255 characters)");
  else if ((action === 'acknowledge' || action === 'resolve') && blank(dedup))
    fail('dedup_key', `'dedup_key' is missing or blank (it is required for ${action} events)`);

  let payload: PagerDutyEvent['payload'];
  const p = value.payload;
  if (action === 'trigger') {
    if (!isObject(p)) fail('payload', "'payload' is missing or not an object");
    else {
      if (blank(p.summary)) fail('payload.summary', "'payload.summary' is missing or blank");
      if (blank(p.source)) fail('payload.source', "'payload.source' is missing or blank");
      if (blank(p.severity)) fail('payload.severity', "'payload.severity' is missing or blank");
      else if (!ALERT_SEVERITIES.includes(p.severity as AlertSeverity))
        fail('payload.severity', `'payload.severity' is invalid (must be one of ${quoted(ALERT_SEVERITIES)})`);
      if (
        p.timestamp !== undefined &&
        p.timestamp !== null &&
        toIsoTime(typeof p.timestamp === 'string' ? p.timestamp : undefined) === undefined
      )
        fail('payload.timestamp', "'payload.timestamp' is invalid (must be an ISO 8601 timestamp)");
      for (const f of ['component', 'group', 'class'] as const)
        if (p[f] !== undefined && p[f] !== null && typeof p[f] !== 'string')
          fail(`payload.${f}`, `'payload.${f}' must be a string`);
      if (issues.length === 0)
        payload = {
          summary: p.summary as string,
          source: p.source as string,
          severity: p.severity as AlertSeverity,
          timestamp: typeof p.timestamp === 'string' ? p.timestamp : undefined,
          component: (p.component as string | undefined) ?? undefined,
          group: (p.group as string | undefined) ?? undefined,
          class: (p.class as string | undefined) ?? undefined,
          custom_details: p.custom_details,
        };
    }
  }

  const images = checkList(value.images, 'images', 'src', fail);
  const linkList = checkList(value.links, 'links', 'href', fail);
  for (const f of ['client', 'client_url'] as const)
    if (value[f] !== undefined && value[f] !== null && typeof value[f] !== 'string') fail(f, `'${f}' must be a string`);

  if (issues.length > 0) return { issues };
  return {
    issues,
    event: {
      routing_key: value.routing_key as string,
      event_action: action as PagerDutyEventAction,
      dedup_key: typeof dedup === 'string' && dedup.trim() !== '' ? dedup : undefined,
      payload,
      images: images as PagerDutyEvent['images'],
      links: linkList as PagerDutyEvent['links'],
      client: (value.client as string | undefined) ?? undefined,
      client_url: (value.client_url as string | undefined) ?? undefined,
    },
  };
}

/** `images` and `links`: optional arrays of objects whose `required` property is a non-blank string. */
function checkList(
  list: unknown,
  name: string,
  required: string,
  fail: (field: string, message: string) => void,
): Obj[] | undefined {
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    fail(name, `'${name}' must be an array`);
    return undefined;
  }
  if (list.length > 50) fail(name, `'${name}' has too many entries (the maximum is 50)`);
  list.slice(0, 50).forEach((item, i) => {
    if (!isObject(item) || blank(item[required]))
      fail(`${name}.${i}.${required}`, `'${name}[${i}].${required}' is missing or blank`);
  });
  return list as Obj[];
}

/** Validate a parsed Events API v2 body as PagerDuty does: every problem as a PagerDuty-style message. */
export function validatePagerDutyEvent(value: unknown): PagerDutyValidation {
  const { issues, event } = check(value);
  return event ? { ok: true, event } : { ok: false, errors: issues.map((i) => i.message) };
}

/**
 * A trigger without dedup_key: PagerDuty would mint a random key; we derive it from the body so
 * a retried delivery of the same event lands on the same alert instead of opening a second one.
 */
export function derivedDedupKey(body: string): string {
  return `pd-${createHash('sha256').update(body, 'utf8').digest('hex').slice(0, 40)}`;
}

export const normalizePagerDuty: Normalizer = (payload, ctx) => {
  if (Buffer.byteLength(payload.body, 'utf8') > PAGERDUTY_MAX_EVENT_BYTES) {
    throw new ValidationError('Event object is invalid', [
      { field: '', message: 'Event object is too large (the maximum size is 512 KB)' },
    ]);
  }
  const { issues, event } = check(parseJson(payload.body));
  if (!event) throw new ValidationError('Event object is invalid', issues);

  const p = event.payload;
  const dedupKey = event.dedup_key ? boundedKey([event.dedup_key]) : derivedDedupKey(payload.body);
  const eventLinks = links(
    ...(event.links ?? []).slice(0, 50).map((l) => link(l.href, text(l.text))),
    ...(event.images ?? []).slice(0, 50).map((im) => link(text(im.href) ?? im.src, text(im.alt) ?? 'Image')),
    link(event.client_url, text(event.client) ?? 'Client'),
  );
  const base = { source: 'pagerduty' as const, dedupKey, links: eventLinks, service: bounded(ctx.defaultService, 255) };

  if (event.event_action === 'trigger' && p) {
    const alert: CanonicalAlert = {
      ...base,
      status: 'firing',
      action: 'trigger',
      severity: p.severity,
      summary: summaryOf(p.summary, p.source),
      details: details({
        customDetails: p.custom_details === undefined ? undefined : clip(p.custom_details),
        source: p.source,
        component: text(p.component),
        group: text(p.group),
        class: text(p.class),
        client: text(event.client),
        timestamp: text(p.timestamp),
      }),
      labels: cleanLabels([
        ['component', text(p.component)],
        ['group', text(p.group)],
        ['class', text(p.class)],
      ]),
      resource: bounded(p.source.trim(), 1024),
      startsAt: toIsoTime(p.timestamp) ?? ctx.receivedAt,
    };
    return [alert];
  }

  // acknowledge and resolve only name an alert: what they carry besides dedup_key is informational.
  const resolved = event.event_action === 'resolve';
  const alert: CanonicalAlert = {
    ...base,
    status: resolved ? 'resolved' : 'firing',
    action: resolved ? 'resolve' : 'acknowledge',
    severity: 'info',
    summary: summaryOf(
      `${resolved ? 'Resolved' : 'Acknowledged'} via Events API v2: ${event.dedup_key ?? dedupKey}`,
      dedupKey,
    ),
    details: details({ eventAction: event.event_action, client: text(event.client) }),
    labels: {},
    startsAt: ctx.receivedAt,
  };
  return [alert];
};

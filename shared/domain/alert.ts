// The canonical alert: every monitor's payload is normalized into this one shape before
// anything is stored. Pure: no I/O, no clock reads (receivedAt is passed in).
import * as z from 'zod';

// The sources, severities and link shape are part of the published alert contract (events/alerts.ts);
// the domain uses them from there (contracts sit below the domain).
import {
  ALERT_SEVERITIES,
  ALERT_SOURCES,
  alertLinkSchema,
  alertSeveritySchema,
  alertSourceSchema,
  type AlertSeverity,
  type AlertSource,
} from '../../events/alerts';

export { ALERT_SEVERITIES, ALERT_SOURCES, alertLinkSchema, alertSeveritySchema, alertSourceSchema };
export type { AlertSeverity, AlertSource };

export const alertStatusSchema = z.enum(['firing', 'resolved']);
export type AlertStatus = z.infer<typeof alertStatusSchema>;

/** What a normalizer may ask of an existing alert besides firing/resolving it. */
export const alertActionSchema = z.enum(['trigger', 'acknowledge', 'resolve']);
export type AlertAction = z.infer<typeof alertActionSchema>;

const isoDate = z.iso.datetime({ offset: true });

/** One alert as a normalizer produced it, before it is stored. */
export const canonicalAlertSchema = z.object({
  source: alertSourceSchema,
  /** Stable identity of the problem within one integration: repeats share it. */
  dedupKey: z.string().min(1).max(255),
  status: alertStatusSchema,
  /** trigger for firing, resolve for resolved; acknowledge only from PagerDuty Events v2 senders. */
  action: alertActionSchema,
  severity: alertSeveritySchema,
  summary: z.string().min(1).max(1024),
  details: z.record(z.string(), z.unknown()).default({}),
  labels: z.record(z.string(), z.string()).default({}),
  service: z.string().max(255).optional(),
  resource: z.string().max(1024).optional(),
  startsAt: isoDate,
  endsAt: isoDate.optional(),
  links: z.array(alertLinkSchema).max(50).default([]),
});
export type CanonicalAlert = z.infer<typeof canonicalAlertSchema>;

/** Context every normalizer gets: the integration and the request's arrival time. */
export interface NormalizeContext {
  integrationId: string;
  /** Owning service configured on the integration, used when the payload names none. */
  defaultService?: string;
  receivedAt: string;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A dedup key longer than the limit is replaced by a readable prefix plus a hash of the whole. */
export function boundedKey(parts: string[], max = 255): string {
  const joined = parts.join('|');
  if (joined.length <= max) return joined;
  // FNV-1a 64 as hex: deterministic, dependency-free, good enough to keep long keys distinct.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < joined.length; i++) {
    h ^= BigInt(joined.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  const digest = h.toString(16).padStart(16, '0');
  return `${joined.slice(0, max - 18)}#${digest}`;
}

/** Dedup key from a label set: sorted name=value pairs, as Alertmanager fingerprints do. */
export function labelsKey(labels: Record<string, string>): string {
  return boundedKey(
    Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`),
  );
}

/** What a built-in source (probes, SLOs, revenue assurance) wants one of its alerts to be. */
export interface BuiltinAlertState {
  dedupKey: string;
  labels: Record<string, string>;
  service?: string;
  resource: string;
  link: { href: string; text: string };
  firing?: { severity: AlertSeverity; summary: string; details: Record<string, unknown>; startsAt?: string };
  /** Said when it resolves. */
  resolved: { summary: string; details: Record<string, unknown> };
}

/**
 * The canonical alert that moves the pipeline to a built-in source's desired state: a trigger while
 * firing, else a resolve that ends no earlier than the live alert started (clocks may differ).
 */
export function builtinAlert(d: BuiltinAlertState, now: string, live?: { startsAt: string }): CanonicalAlert {
  const base = {
    source: 'generic' as const,
    dedupKey: d.dedupKey,
    labels: d.labels,
    service: d.service,
    resource: d.resource,
    links: [d.link],
  };
  if (d.firing)
    return {
      ...base,
      status: 'firing',
      action: 'trigger',
      severity: d.firing.severity,
      summary: d.firing.summary.slice(0, 1024),
      details: d.firing.details,
      startsAt: d.firing.startsAt ?? live?.startsAt ?? now,
    };
  return {
    ...base,
    status: 'resolved',
    action: 'resolve',
    severity: 'info',
    summary: d.resolved.summary,
    details: d.resolved.details,
    startsAt: live?.startsAt ?? now,
    endsAt: live && live.startsAt > now ? live.startsAt : now,
  };
}

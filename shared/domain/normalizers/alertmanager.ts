// Prometheus Alertmanager webhook_config payloads (version "4"): one request is one notification
// group carrying many alerts. Documented in docs/monitors/alertmanager.md. The alert-level
// mapping is shared with Grafana, whose contact point sends the same alert shape.
import * as z from 'zod';
import {
  boundedKey,
  labelsKey,
  type AlertSeverity,
  type AlertSource,
  type CanonicalAlert,
  type NormalizeContext,
} from '../alert';
import { ValidationError } from '../errors';
import {
  bounded,
  cleanLabels,
  details,
  firstText,
  link,
  links,
  MAX_ALERTS_PER_REQUEST,
  severityFromWord,
  summaryOf,
  text,
  toIsoTime,
} from './fields';
import { parseJson, validate } from './parse';
import type { Normalizer } from './types';

export const stringMap = z.record(z.string(), z.string());
export const statusSchema = z.enum(['firing', 'resolved']);

export const alertmanagerAlertSchema = z.object({
  status: statusSchema.optional(),
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
  startsAt: z.string().nullish(),
  endsAt: z.string().nullish(),
  generatorURL: z.string().nullish(),
  fingerprint: z.string().nullish(),
});

export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { error: 'Only Alertmanager webhook payload version "4" is supported.' }).optional(),
  groupKey: z.string().nullish(),
  truncatedAlerts: z.number().int().nonnegative().nullish(),
  status: statusSchema.optional(),
  receiver: z.string().nullish(),
  groupLabels: stringMap.nullish(),
  commonLabels: stringMap.nullish(),
  commonAnnotations: stringMap.nullish(),
  externalURL: z.string().nullish(),
  alerts: z.array(alertmanagerAlertSchema).min(1).max(MAX_ALERTS_PER_REQUEST),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

/** The alert fields Alertmanager and Grafana share. */
export interface PrometheusStyleAlert {
  status?: 'firing' | 'resolved';
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  startsAt?: string | null;
  endsAt?: string | null;
  fingerprint?: string | null;
}

/** Severity from the `severity` label; unknown or absent reads as warning. */
export function severityFromLabels(labels: Record<string, string>): AlertSeverity {
  return severityFromWord(labels.severity) ?? 'warning';
}

/**
 * One Prometheus-style alert to a canonical alert. `index` names the alert in errors,
 * `groupStatus` stands in for an alert without its own status.
 */
export function prometheusStyleAlert(
  source: AlertSource,
  alert: PrometheusStyleAlert,
  index: number,
  groupStatus: 'firing' | 'resolved' | undefined,
  ctx: NormalizeContext,
  extra: {
    links: (CanonicalAlert['links'][number] | undefined)[];
    details: Record<string, unknown>;
    summaryFallback?: string;
  },
): CanonicalAlert {
  const rawLabels = alert.labels ?? {};
  const annotations = alert.annotations ?? {};
  const labels = cleanLabels(Object.entries(rawLabels));
  const status = alert.status ?? groupStatus;
  if (!status) {
    throw new ValidationError('The alert has no status.', [
      { field: `alerts.${index}.status`, message: 'Expected "firing" or "resolved".' },
    ]);
  }
  const fingerprint = text(alert.fingerprint);
  if (!fingerprint && Object.keys(labels).length === 0) {
    throw new ValidationError('The alert cannot be identified.', [
      { field: `alerts.${index}.labels`, message: 'An alert needs a fingerprint or at least one label.' },
    ]);
  }
  const dedupKey = fingerprint ? boundedKey([fingerprint]) : labelsKey(labels);
  const alertname = text(rawLabels.alertname);
  return {
    source,
    dedupKey,
    status,
    action: status === 'firing' ? 'trigger' : 'resolve',
    severity: severityFromLabels(rawLabels),
    summary: summaryOf(
      firstText(annotations.summary, annotations.description, alertname, extra.summaryFallback),
      `${source} alert`,
    ),
    details: details({ annotations, fingerprint, ...extra.details }),
    labels,
    service: bounded(firstText(rawLabels.service, rawLabels.job, ctx.defaultService), 255),
    resource: bounded(text(rawLabels.instance), 1024),
    startsAt: toIsoTime(alert.startsAt) ?? ctx.receivedAt,
    // A firing alert's endsAt is only Alertmanager's expiry estimate, not an end: drop it.
    endsAt: status === 'resolved' ? (toIsoTime(alert.endsAt) ?? ctx.receivedAt) : undefined,
    links: links(link(annotations.runbook_url, 'Runbook'), ...extra.links),
  };
}

export const normalizeAlertmanager: Normalizer = (payload, ctx) => {
  const group = validate(alertmanagerPayloadSchema, parseJson(payload.body), 'Alertmanager webhook');
  return group.alerts.map((alert, i) =>
    prometheusStyleAlert('alertmanager', alert, i, group.status, ctx, {
      links: [link(alert.generatorURL, 'Source'), link(group.externalURL, 'Alertmanager')],
      details: {
        groupKey: text(group.groupKey),
        receiver: text(group.receiver),
        groupLabels: group.groupLabels ?? undefined,
        truncatedAlerts: group.truncatedAlerts || undefined,
      },
    }),
  );
};

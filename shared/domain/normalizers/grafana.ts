// Grafana unified alerting, webhook contact point (payload version "1"). The alert shape is
// Alertmanager's plus Grafana's links and values. Documented in docs/monitors/grafana.md.
import * as z from 'zod';
import { firstText, link, MAX_ALERTS_PER_REQUEST, text } from './fields';
import { alertmanagerAlertSchema, prometheusStyleAlert, statusSchema, stringMap } from './alertmanager';
import { parseJson, validate } from './parse';
import type { Normalizer } from './types';

/** Alertmanager's alert, plus Grafana's links and values. */
export const grafanaAlertSchema = alertmanagerAlertSchema.extend({
  silenceURL: z.string().nullish(),
  dashboardURL: z.string().nullish(),
  panelURL: z.string().nullish(),
  imageURL: z.string().nullish(),
  values: z.record(z.string(), z.unknown()).nullish(),
  valueString: z.string().nullish(),
});

export const grafanaPayloadSchema = z.object({
  version: z
    .literal('1', { error: 'Only Grafana webhook payload version "1" (unified alerting) is supported.' })
    .optional(),
  receiver: z.string().nullish(),
  status: statusSchema.optional(),
  orgId: z.union([z.number(), z.string()]).nullish(),
  alerts: z.array(grafanaAlertSchema).min(1).max(MAX_ALERTS_PER_REQUEST),
  groupLabels: stringMap.nullish(),
  commonLabels: stringMap.nullish(),
  commonAnnotations: stringMap.nullish(),
  externalURL: z.string().nullish(),
  groupKey: z.string().nullish(),
  truncatedAlerts: z.number().int().nonnegative().nullish(),
  title: z.string().nullish(),
  state: z.string().nullish(),
  message: z.string().nullish(),
});
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

export const normalizeGrafana: Normalizer = (payload, ctx) => {
  const group = validate(grafanaPayloadSchema, parseJson(payload.body), 'Grafana webhook');
  return group.alerts.map((alert, i) =>
    prometheusStyleAlert('grafana', alert, i, group.status, ctx, {
      links: [
        link(alert.generatorURL, 'Alert rule'),
        link(alert.dashboardURL, 'Dashboard'),
        link(alert.panelURL, 'Panel'),
        link(alert.imageURL, 'Image'),
        link(alert.silenceURL, 'Silence'),
        link(group.externalURL, 'Grafana'),
      ],
      details: {
        values: alert.values ?? undefined,
        valueString: text(alert.valueString),
        groupKey: text(group.groupKey),
        receiver: text(group.receiver),
        orgId: group.orgId ?? undefined,
        state: text(group.state),
        truncatedAlerts: group.truncatedAlerts || undefined,
      },
      summaryFallback: firstText(group.title),
    }),
  );
};

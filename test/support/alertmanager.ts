// Alertmanager webhook (version 4) payloads, shaped exactly as Alertmanager sends them.
import { createHash } from 'node:crypto';

export interface AmAlert {
  labels: Record<string, string>;
  summary?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
}

export function amPayload(alerts: AmAlert[], status: 'firing' | 'resolved' = 'firing'): Record<string, unknown> {
  const common = alerts.length
    ? Object.fromEntries(Object.entries(alerts[0]!.labels).filter(([k, v]) => alerts.every((a) => a.labels[k] === v)))
    : {};
  return {
    version: '4',
    groupKey: `{}:{alertname="${common.alertname ?? ''}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'nocturne',
    groupLabels: common.alertname ? { alertname: common.alertname } : {},
    commonLabels: common,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.net:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? status,
      labels: a.labels,
      annotations: {
        summary: a.summary ?? `${a.labels.alertname} on ${a.labels.host ?? a.labels.instance ?? 'unknown'}`,
      },
      startsAt: a.startsAt ?? new Date().toISOString(),
      endsAt:
        a.status === 'resolved' || status === 'resolved'
          ? (a.endsAt ?? new Date().toISOString())
          : '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.example.net:9090/graph?g0.expr=${encodeURIComponent(a.labels.alertname ?? '')}`,
      fingerprint: createHash('sha1')
        .update(JSON.stringify(Object.entries(a.labels).sort()))
        .digest('hex')
        .slice(0, 16),
    })),
  };
}

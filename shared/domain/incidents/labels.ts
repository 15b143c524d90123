// The label set rules match on: the alert's own labels plus its canonical fields, so a rule can
// say `source = zabbix` or `service =~ billing-.*` without the monitor sending such labels.
export interface LabelledAlert {
  integrationId: string;
  source: string;
  severity: string;
  summary: string;
  service?: string;
  resource?: string;
  labels: Record<string, string>;
}

export function matchLabels(a: LabelledAlert): Record<string, string> {
  return {
    ...a.labels,
    source: a.source,
    integration: a.integrationId,
    severity: a.severity,
    ...(a.service ? { service: a.service } : {}),
    ...(a.resource ? { resource: a.resource } : {}),
    alertname: a.labels.alertname ?? a.summary,
  };
}

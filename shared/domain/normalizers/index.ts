// One entry point for every monitor format: pick the normalizer for the integration's source,
// check every alert against the canonical schema, and collapse repeats within the request.
import { canonicalAlertSchema, type AlertSource, type CanonicalAlert, type NormalizeContext } from '../alert';
import { ValidationError } from '../errors';
import { normalizeAlertmanager } from './alertmanager';
import { normalizeCloudWatch } from './cloudwatch';
import { normalizeDatadog } from './datadog';
import { link, links, MAX_ALERTS_PER_REQUEST } from './fields';
import { normalizeGeneric } from './generic';
import { normalizeGrafana } from './grafana';
import { normalizeNagios } from './nagios';
import { normalizePagerDuty } from './pagerduty';
import type { Normalizer, WebhookPayload } from './types';
import { normalizeZabbix } from './zabbix';

export type { Normalizer, WebhookPayload } from './types';

export const normalizers: Record<AlertSource, Normalizer> = {
  alertmanager: normalizeAlertmanager,
  grafana: normalizeGrafana,
  datadog: normalizeDatadog,
  zabbix: normalizeZabbix,
  nagios: normalizeNagios,
  cloudwatch: normalizeCloudWatch,
  pagerduty: normalizePagerDuty,
  generic: normalizeGeneric,
};

/**
 * Normalize one webhook body. Throws MalformedPayloadError (400) or ValidationError (422) only.
 * Alerts sharing a dedup key within the request collapse to the last one, in the order of their
 * last occurrence: a group that reports the same alert twice is one state change, not two.
 */
export function normalize(source: AlertSource, payload: WebhookPayload, ctx: NormalizeContext): CanonicalAlert[] {
  const normalizer = Object.hasOwn(normalizers, source) ? normalizers[source] : undefined;
  if (!normalizer) throw new ValidationError(`Unknown alert source "${source}".`, [{ field: 'source', message: 'Unknown alert source.' }]);
  const alerts = normalizer(payload, ctx);
  if (alerts.length > MAX_ALERTS_PER_REQUEST) {
    throw new ValidationError('Too many alerts in one request.', [
      { field: 'alerts', message: `At most ${MAX_ALERTS_PER_REQUEST} alerts per request; split the batch.` },
    ]);
  }
  const byKey = new Map<string, CanonicalAlert>();
  alerts.forEach((alert, i) => {
    const r = canonicalAlertSchema.safeParse(withSafeLinks(alert));
    if (!r.success) throw ValidationError.fromZod(`Alert ${i} could not be normalized into a valid alert.`, r.error, `alerts.${i}`);
    byKey.delete(r.data.dedupKey);
    byKey.set(r.data.dedupKey, r.data);
  });
  return [...byKey.values()];
}

/** Links a person may click: absolute http(s) URLs only (no javascript:, data:, relative…), whatever the format. */
function withSafeLinks(alert: CanonicalAlert): CanonicalAlert {
  if (!Array.isArray(alert.links)) return alert;
  return { ...alert, links: links(...alert.links.map((l) => link(l?.href, l?.text))) };
}

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
  if (!normalizer)
    throw new ValidationError(`Unknown alert source "${source}".`, [
      { field: 'source', message: 'Unknown alert source.' },
    ]);
  const alerts = normalizer(payload, ctx);
  if (alerts.length > MAX_ALERTS_PER_REQUEST) {
    throw new ValidationError('Too many alerts in one request.', [
      { field: 'alerts', message: `At most ${MAX_ALERTS_PER_REQUEST} alerts per request; split the batch.` },
    ]);
  }
  const byKey = new Map<string, CanonicalAlert>();
  alerts.forEach((alert, i) => {
    const r = canonicalAlertSchema.safeParse(storable(withSafeLinks(alert)));
    if (!r.success)
      throw ValidationError.fromZod(`Alert ${i} could not be normalized into a valid alert.`, r.error, `alerts.${i}`);
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

/** DynamoDB numbers: at most 38 significant digits, magnitude within [1e-130, 9.99e125]. */
const DYNAMO_MAX = 9.99e125;
const DYNAMO_MIN = 1e-130;
/** Most bytes of `details` kept in the stored alert (the raw payload keeps everything). */
export const MAX_DETAILS_BYTES = 64 * 1024;
export const TRIMMED_NOTE_KEY = 'nocturne.trimmed';

/**
 * Numbers JSON can carry but the store cannot keep exactly become strings: integers beyond 2^53
 * (already rounded by JSON parsing; the raw payload keeps the digits) and magnitudes outside
 * DynamoDB's range. Non-finite numbers become null.
 */
export function storableNumbers(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    const abs = Math.abs(value);
    if (
      abs > DYNAMO_MAX ||
      (abs !== 0 && abs < DYNAMO_MIN) ||
      (Number.isInteger(value) && !Number.isSafeInteger(value))
    )
      return String(value);
    return value;
  }
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => storableNumbers(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, storableNumbers(v, depth + 1)]));
}

/**
 * An alert the store can keep whatever its input: numbers made storable, and `details` larger than
 * MAX_DETAILS_BYTES trimmed to the entries that fit, with a note saying so (the raw payload is kept whole).
 */
function storable(alert: CanonicalAlert): CanonicalAlert {
  if (alert.details === null || typeof alert.details !== 'object') return alert;
  const details = storableNumbers(alert.details) as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(details));
  if (size <= MAX_DETAILS_BYTES) return { ...alert, details };
  const note = `details were ${size} bytes; only the first entries that fit in ${MAX_DETAILS_BYTES} bytes are kept here. The raw payload keeps them whole.`;
  const kept: Record<string, unknown> = { [TRIMMED_NOTE_KEY]: note };
  let used = Buffer.byteLength(JSON.stringify(kept));
  for (const [k, v] of Object.entries(details)) {
    const bytes = Buffer.byteLength(JSON.stringify({ [k]: v })) - 1;
    if (used + bytes > MAX_DETAILS_BYTES) continue;
    kept[k] = v;
    used += bytes;
  }
  return { ...alert, details: kept };
}

// Storing one webhook delivery: the raw body first (decision 0009; its head also tells whether the
// same body was received within the retry window), then each alert (each write idempotent per
// payload). There is no completion mark (decision 0001, addendum 3): a body seen before is a true
// retry only while the store still shows what it left, checked by reading its alerts; otherwise
// every alert is recorded again, which completes an attempt that crashed or stopped part-way and
// leaves what it did write as it is. The same body after a resolve (or after another delivery for
// one of its alerts) is a new notification.
import { monotonicFactory } from 'ulid';
import type { CanonicalAlert } from '../domain/alert';
import { getLiveAlert, getLiveAlerts, recordAlert, type AlertOutcome, type StoredAlert } from './alerts';
import { payloadIdFor, storePayload } from './raw-payloads';

export interface DeliveryResult {
  payloadId: string;
  /** True when this body was already received within the retry window and nothing changed since: a retry. */
  duplicate: boolean;
  results: Array<{ dedupKey: string; outcome: AlertOutcome['outcome']; alertId?: string; reason?: string }>;
}

const WRITE_CONCURRENCY = 8;

export async function storeDelivery(input: {
  integrationId: string;
  body: string;
  contentType: string;
  receivedAt: string;
  alerts: CanonicalAlert[];
  /**
   * Aborted when the request was already answered (its deadline passed): stop before the next
   * alert. Nothing marks the delivery done, so the sender's retry records what is missing.
   */
  signal?: AbortSignal;
}): Promise<DeliveryResult> {
  const payloadId = payloadIdFor(input.integrationId, input.body);
  const { seen } = await storePayload({
    id: payloadId,
    integrationId: input.integrationId,
    contentType: input.contentType,
    body: input.body,
    receivedAt: input.receivedAt,
  });
  if (seen && (await unchangedSince(input.integrationId, payloadId, input.alerts)))
    return { payloadId, duplicate: true, results: [] };

  const newId = monotonicFactory();
  const seed = Date.parse(input.receivedAt);
  const results: DeliveryResult['results'] = new Array(input.alerts.length);
  let next = 0;
  // Once one write failed (the request will answer 503) or the request was answered at its deadline,
  // the other workers take no new alert: the sender's retry redoes the rest, and work left running
  // beside that retry would only slow it into its own timeout.
  let failed = false;
  let recorded = 0;
  const stopped = () => failed || input.signal?.aborted === true;
  const worker = async () => {
    while (next < input.alerts.length && !stopped()) {
      const i = next++;
      const alert = input.alerts[i]!;
      const r = await recordAlert({
        integrationId: input.integrationId,
        alert,
        payloadId,
        receivedAt: input.receivedAt,
        newId: () => newId(seed),
      });
      results[i] = {
        dedupKey: alert.dedupKey,
        outcome: r.outcome,
        alertId: 'alert' in r ? r.alert.id : 'alertId' in r ? r.alertId : undefined,
        reason: 'reason' in r ? r.reason : undefined,
      };
      recorded++;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(WRITE_CONCURRENCY, input.alerts.length) }, () =>
      worker().catch((err: unknown) => {
        failed = true;
        throw err;
      }),
    ),
  );
  // Stopped early (answered already): the results are incomplete, and the retry records the rest.
  if (recorded < input.alerts.length) input.signal?.throwIfAborted();
  return { payloadId, duplicate: false, results };
}

/**
 * A body seen before is a true retry only while the store still shows what it left: each alert it
 * triggered or acknowledged is still live with this delivery as its last one, and each alert it
 * resolved has not fired again. Otherwise (PagerDuty semantics, or an attempt that stopped before
 * this alert) it is recorded in full. Strongly consistent reads (a GetItem for a one-alert body, a
 * BatchGetItem per 100 alerts of a batch, up to the first hundred that changed): a retry reads (1 read
 * unit per alert) rather than writes (a refused conditional write is billed at least 1 write unit,
 * five times the price).
 */
async function unchangedSince(integrationId: string, payloadId: string, alerts: CanonicalAlert[]): Promise<boolean> {
  const unchanged = (alert: CanonicalAlert, live: StoredAlert | undefined) =>
    alert.action === 'resolve' ? !live : live?.lastPayloadId === payloadId;
  if (alerts.length === 1) return unchanged(alerts[0]!, await getLiveAlert(integrationId, alerts[0]!.dedupKey));
  // A batch: its alerts read 100 at a time (one BatchGetItem each), up to the first batch that changed.
  for (let i = 0; i < alerts.length; i += 100) {
    const batch = alerts.slice(i, i + 100);
    const live = await getLiveAlerts(
      integrationId,
      batch.map((a) => a.dedupKey),
    );
    if (!batch.every((a) => unchanged(a, live.get(a.dedupKey)))) return false;
  }
  return true;
}

// Entering revenue assurance alerts into the pipeline through the built-in integration `nocturne-ra`
// and `storeDelivery`, exactly as a monitor's webhook is stored (the way nocturne-slo and
// nocturne-probes do it).
import { randomUUID } from 'node:crypto';
import type { CanonicalAlert } from '../../domain/alert';
import type { Integration } from '../../domain/integration';
import { RA_INTEGRATION_ID, RA_INTEGRATION_NAME, RA_SERVICE } from '../../domain/revenue/alerts';
import { getLiveAlert } from '../../store/alerts';
import { storeDelivery } from '../../store/ingestion';
import { ensureBuiltInIntegration } from '../builtin-alerts';

/** The built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureRaIntegration(now: Date): Promise<Integration> {
  return ensureBuiltInIntegration(RA_INTEGRATION_ID, RA_INTEGRATION_NAME, now, { service: RA_SERVICE });
}

/** Stores the alerts as one delivery of `nocturne-ra`; nothing when the integration is disabled. */
export async function sendRaAlerts(alerts: CanonicalAlert[], now: Date): Promise<{ sent: number; skipped?: string }> {
  if (alerts.length === 0) return { sent: 0 };
  const integ = await ensureRaIntegration(now);
  if (!integ.enabled) return { sent: 0, skipped: 'integration-disabled' };
  await storeDelivery({
    integrationId: integ.id,
    body: JSON.stringify({ nonce: randomUUID(), alerts }),
    contentType: 'application/json',
    receivedAt: now.toISOString(),
    alerts,
  });
  return { sent: alerts.length };
}

/** The live (firing) alert of `nocturne-ra` under a dedup key, if any. */
export const liveRaAlert = (dedupKey: string) => getLiveAlert(RA_INTEGRATION_ID, dedupKey);

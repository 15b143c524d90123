// Bringing the alert pipeline in line with an SLO's latest evaluation, through the built-in
// integration `nocturne-slo` and `storeDelivery`, exactly as a monitor's webhook is stored. It
// converges rather than replays: it compares the desired alerts with the live ones and sends only
// the difference, so a repeated or late tick changes nothing.
import type { Integration } from '../../domain/integration';
import { sloAlertFor, sloDedupKey, type DesiredSloAlert } from '../../domain/slo/alerts';
import { SLO_INTEGRATION_ID, SLO_INTEGRATION_NAME, type Slo } from '../../domain/slo/model';
import { ensureBuiltInIntegration, sendAlertDifference } from '../builtin-alerts';

/** The built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureSloIntegration(now: Date): Promise<Integration> {
  return ensureBuiltInIntegration(SLO_INTEGRATION_ID, SLO_INTEGRATION_NAME, now);
}

export interface SloSyncResult {
  sent: Array<{ dedupKey: string; action: 'trigger' | 'resolve'; outcome?: string }>;
  skipped?: 'integration-disabled';
}

/** Desired alerts for an SLO that no longer exists: both resolved. */
export function goneSloAlerts(slo: Pick<Slo, 'id' | 'name' | 'service'>): DesiredSloAlert[] {
  return (['page', 'ticket'] as const).map((kind) => ({
    kind,
    dedupKey: sloDedupKey(slo.id, kind),
    labels: { alertname: `SLO ${slo.name}`, slo: slo.id, slo_alert: kind, service: slo.service },
    service: slo.service,
  }));
}

export async function syncSloAlerts(integ: Integration, desired: DesiredSloAlert[], now: Date): Promise<SloSyncResult> {
  if (!integ.enabled) return { sent: [], skipped: 'integration-disabled' };
  const sent = await sendAlertDifference({
    integration: integ,
    desired,
    alertFor: sloAlertFor,
    subject: `slo:${desired[0]?.labels.slo}`,
    now,
  });
  return { sent };
}

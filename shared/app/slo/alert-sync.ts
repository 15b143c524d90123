// Bringing the alert pipeline in line with an SLO's latest evaluation, through the built-in
// integration `nocturne-slo` and `storeDelivery`, exactly as a monitor's webhook is stored. It
// converges rather than replays: it compares the desired alerts with the live ones and sends only
// the difference, so a repeated or late tick changes nothing.
import { randomUUID } from 'node:crypto';
import { newToken, type Integration } from '../../domain/integration';
import { sloAlertFor, sloDedupKey, type DesiredSloAlert } from '../../domain/slo/alerts';
import { SLO_INTEGRATION_ID, SLO_INTEGRATION_NAME, type Slo } from '../../domain/slo/model';
import { getLiveAlert } from '../../store/alerts';
import { storeDelivery } from '../../store/ingestion';
import { ensureIntegration, getIntegration } from '../../store/integrations';

/** The built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureSloIntegration(now: Date): Promise<Integration> {
  return (
    (await getIntegration(SLO_INTEGRATION_ID)) ??
    ensureIntegration(
      { id: SLO_INTEGRATION_ID, type: 'generic', name: SLO_INTEGRATION_NAME, enabled: true, allowedTopicArns: [] },
      newToken(),
      now.toISOString(),
    )
  );
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
  const live = await Promise.all(desired.map((d) => getLiveAlert(integ.id, d.dedupKey)));
  const todo = desired
    .map((d, i) => ({ d, live: live[i] }))
    .filter(({ d, live: l }) => (d.firing ? !l || l.severity !== d.firing.severity : l !== undefined));
  if (todo.length === 0) return { sent: [] };
  const at = now.toISOString();
  const alerts = todo.map(({ d, live: l }) => sloAlertFor(d, at, l));
  const stored = await storeDelivery({
    integrationId: integ.id,
    body: JSON.stringify({ subject: `slo:${desired[0]?.labels.slo}`, nonce: randomUUID(), alerts }),
    contentType: 'application/json',
    receivedAt: at,
    alerts,
  });
  return {
    sent: stored.results.map((r, i) => ({
      dedupKey: r.dedupKey,
      action: alerts[i]!.action === 'resolve' ? 'resolve' : 'trigger',
      outcome: r.outcome,
    })),
  };
}

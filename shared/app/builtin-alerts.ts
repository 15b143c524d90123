// The one piece every built-in alert source shares (nocturne-probes, nocturne-slo, nocturne-ra):
// its integration, created on first use, and the step that brings the alert pipeline in line with
// what the source wants — compare the desired alerts with the live ones and send only the
// difference through `storeDelivery`, exactly as a monitor's webhook is stored. Converging (not
// replaying) makes a repeated or late call change nothing.
import { randomUUID } from 'node:crypto';
import type { AlertSeverity, CanonicalAlert } from '../domain/alert';
import { newToken, type Integration } from '../domain/integration';
import { getLiveAlert, type StoredAlert } from '../store/alerts';
import { storeDelivery } from '../store/ingestion';
import { ensureIntegration, getIntegration } from '../store/integrations';

/** A built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureBuiltInIntegration(
  id: string,
  name: string,
  now: Date,
  opts: { service?: string } = {},
): Promise<Integration> {
  return (
    (await getIntegration(id)) ??
    ensureIntegration(
      {
        id,
        type: 'generic',
        name,
        enabled: true,
        allowedTopicArns: [],
        ...(opts.service ? { service: opts.service } : {}),
      },
      newToken(),
      now.toISOString(),
    )
  );
}

/** What a source wants of one dedup key: firing at a severity, or not live at all. */
export interface DesiredBuiltInAlert {
  dedupKey: string;
  firing?: { severity: AlertSeverity };
}

export interface SentAlert {
  dedupKey: string;
  action: 'trigger' | 'resolve';
  outcome?: string;
}

/**
 * One pass: the desired alerts whose live state differs (missing, other severity, or live while
 * not wanted) are sent as one delivery. `sent` is empty when nothing differed. Each delivery is its
 * own body (a nonce): a retry of the same decision must not be mistaken for an already-processed one.
 */
export async function sendAlertDifference<D extends DesiredBuiltInAlert>(opts: {
  integration: Integration;
  desired: readonly D[];
  alertFor: (d: D, now: string, live?: StoredAlert) => CanonicalAlert;
  /** Names the subject in the stored body (e.g. `slo:checkout`). */
  subject: string;
  /** More fields for the stored body (e.g. the subject's revision). */
  body?: Record<string, unknown>;
  now: Date;
}): Promise<SentAlert[]> {
  const { integration: integ, desired } = opts;
  const live = await Promise.all(desired.map((d) => getLiveAlert(integ.id, d.dedupKey)));
  const todo = desired
    .map((d, i) => ({ d, live: live[i] }))
    .filter(({ d, live: l }) => (d.firing ? !l || l.severity !== d.firing.severity : l !== undefined));
  if (todo.length === 0) return [];
  const at = opts.now.toISOString();
  const alerts = todo.map(({ d, live: l }) => opts.alertFor(d, at, l));
  const stored = await storeDelivery({
    integrationId: integ.id,
    body: JSON.stringify({ subject: opts.subject, ...opts.body, nonce: randomUUID(), alerts }),
    contentType: 'application/json',
    receivedAt: at,
    alerts,
  });
  return stored.results.map((r, i) => ({
    dedupKey: r.dedupKey,
    action: alerts[i]!.action === 'resolve' ? 'resolve' : 'trigger',
    outcome: r.outcome,
  }));
}

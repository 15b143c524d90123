// Bringing the alert pipeline in line with a probe's or job's committed state, through the
// built-in integration `nocturne-probes` and `storeDelivery`, exactly as a monitor's webhook is
// stored. Triggered by each flip's event (outbox → bus → functions/probe-alerts), it converges
// rather than replays: it reads the current state and the live alerts and sends only the
// difference, then reads again, so events that arrive late, twice or out of order still end with
// the alerts matching the latest state.
import { randomUUID } from 'node:crypto';
import {
  PROBES_INTEGRATION_ID,
  PROBES_INTEGRATION_NAME,
  alertFor,
  dedupKeysFor,
  desiredAlerts,
  type DesiredAlert,
  type Subject,
  type SubjectKind,
} from '../../domain/probes/alerts';
import { newToken, type Integration } from '../../domain/integration';
import { logger } from '../../observability/logger';
import { getLiveAlert } from '../../store/alerts';
import { storeDelivery } from '../../store/ingestion';
import { ensureIntegration, getIntegration } from '../../store/integrations';
import { jobSubject } from '../../store/probe-jobs';
import { probeSubject } from '../../store/probes';

/** The built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureProbesIntegration(now: Date): Promise<Integration> {
  return (
    (await getIntegration(PROBES_INTEGRATION_ID)) ??
    ensureIntegration(
      {
        id: PROBES_INTEGRATION_ID,
        type: 'generic',
        name: PROBES_INTEGRATION_NAME,
        enabled: true,
        allowedTopicArns: [],
      },
      newToken(),
      now.toISOString(),
    )
  );
}

async function loadSubject(kind: SubjectKind, id: string): Promise<Subject | undefined> {
  return kind === 'probe' ? probeSubject(id) : jobSubject(id);
}

function goneSubject(kind: SubjectKind, id: string): DesiredAlert[] {
  return dedupKeysFor(kind, id).map(({ dedupKey, condition }) => ({
    dedupKey,
    condition,
    labels: { [kind]: id, condition, alertname: `${kind === 'probe' ? 'Probe' : 'Job'} ${id}` },
    resource: kind === 'probe' ? id : `job:${id}`,
    link: kind === 'probe' ? `/probes/${id}` : `/jobs/${id}`,
  }));
}

export interface SyncResult {
  sent: Array<{ dedupKey: string; action: 'trigger' | 'resolve'; outcome?: string }>;
  skipped?: 'integration-disabled';
}

const MAX_PASSES = 5;

export async function syncSubjectAlerts(
  kind: SubjectKind,
  id: string,
  clock: () => Date = () => new Date(),
): Promise<SyncResult> {
  const integ = await ensureProbesIntegration(clock());
  // An operator can silence every built-in alert by disabling the integration, as for any monitor.
  if (!integ.enabled) return { sent: [], skipped: 'integration-disabled' };
  const result: SyncResult = { sent: [] };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const subject = await loadSubject(kind, id);
    const desired = subject ? desiredAlerts(subject) : goneSubject(kind, id);
    const live = await Promise.all(desired.map((d) => getLiveAlert(integ.id, d.dedupKey)));
    const todo = desired
      .map((d, i) => ({ d, live: live[i] }))
      .filter(({ d, live: l }) => (d.firing ? !l || l.severity !== d.firing.severity : l !== undefined));
    if (todo.length === 0) return result;
    const now = clock().toISOString();
    const alerts = todo.map(({ d, live: l }) => alertFor(d, now, l));
    // Each delivery is its own body (a nonce): a retry of the same decision must not be
    // mistaken for an already-processed one, since the pass that follows decides again anyway.
    const body = JSON.stringify({
      subject: `${kind}:${id}`,
      revision: subject?.state.revision ?? null,
      nonce: randomUUID(),
      alerts,
    });
    const stored = await storeDelivery({
      integrationId: integ.id,
      body,
      contentType: 'application/json',
      receivedAt: now,
      alerts,
    });
    stored.results.forEach((r, i) =>
      result.sent.push({
        dedupKey: r.dedupKey,
        action: alerts[i]!.action === 'resolve' ? 'resolve' : 'trigger',
        outcome: r.outcome,
      }),
    );
  }
  logger.warn('probe alerts did not settle; the next flip will converge them', { kind, id });
  return result;
}

// Bringing the alert pipeline in line with a probe's or job's committed state, through the
// built-in integration `nocturne-probes` and `storeDelivery`, exactly as a monitor's webhook is
// stored. Triggered by each flip's event (outbox → bus → functions/probe-alerts), it converges
// rather than replays: it reads the current state and the live alerts and sends only the
// difference, then reads again, so events that arrive late, twice or out of order still end with
// the alerts matching the latest state.
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
import type { Integration } from '../../domain/integration';
import { logger } from '../../observability/logger';
import { jobSubject } from '../../store/probe-jobs';
import { probeSubject } from '../../store/probes';
import { ensureBuiltInIntegration, sendAlertDifference } from '../builtin-alerts';

/** The built-in integration, created on first use with a random token nobody needs to know. */
export async function ensureProbesIntegration(now: Date): Promise<Integration> {
  return ensureBuiltInIntegration(PROBES_INTEGRATION_ID, PROBES_INTEGRATION_NAME, now);
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
    // Each pass decides again from a fresh read, so a delivery that raced another flip is corrected.
    const sent = await sendAlertDifference({
      integration: integ,
      desired,
      alertFor,
      subject: `${kind}:${id}`,
      body: { revision: subject?.state.revision ?? null },
      now: clock(),
    });
    if (sent.length === 0) return result;
    result.sent.push(...sent);
  }
  logger.warn('probe alerts did not settle; the next flip will converge them', { kind, id });
  return result;
}

// The self-healing reconciler (docs/decisions/0009-no-accepted-alert-lost.md): retries, dead-letter
// queues and their redrive should deliver every event, and this sweep catches what still slipped
// through (an outbox batch lost, a DLQ message left for a person, a bug). On a schedule it looks at
// the last day and:
//  - places again every firing alert that has no placement (disposition) a few minutes after it
//    arrived, through the incident engine's entry point placeAlert (idempotent: a disposition is written
//    once per alert, so a placement racing with the late event changes nothing);
//  - starts the escalation chain of every announced, still-triggered incident that has no
//    escalation state a few minutes after it was announced, through the on-call entry point
//    (idempotent per chain epoch: a late Opened event finds the chain and starts nothing).
// Both are rare: the on-call escalation (with its schedules, luxon and the SNS client) is loaded when
// one is started, not at the cold start of every sweep (issue 15, decision 0011).
import { placeAlert } from '../incidents/engine';
import { logger } from '../../observability/logger';
import { getDisposition } from '../../store/dispositions';
import { listAlerts, type StoredAlert } from '../../store/alerts';
import { listIncidents, type Incident } from '../../store/incidents';
import { getEscalation } from '../../store/oncall-pages';

/** How long an alert or an announcement may wait for its normal path before the reconciler acts. */
export const RECONCILE_GRACE_MS = 3 * 60_000;
/** How far back the reconciler looks (the DLQs keep messages 14 days; older work is a person's). */
export const RECONCILE_WINDOW_MS = 24 * 3600_000;
const PAGE = 100;

export interface ReconcileReport {
  alertsChecked: number;
  alertsPlaced: string[];
  incidentsChecked: number;
  escalationsStarted: string[];
  failures: Array<{ id: string; error: string }>;
}

export async function reconcile(
  now: Date,
  opts: { graceMs?: number; windowMs?: number } = {},
): Promise<ReconcileReport> {
  const until = new Date(now.getTime() - (opts.graceMs ?? RECONCILE_GRACE_MS));
  const since = new Date(now.getTime() - (opts.windowMs ?? RECONCILE_WINDOW_MS));
  const report: ReconcileReport = {
    alertsChecked: 0,
    alertsPlaced: [],
    incidentsChecked: 0,
    escalationsStarted: [],
    failures: [],
  };

  for await (const alert of pages((cursor) => listAlerts({ status: 'firing', since, until, limit: PAGE, cursor }))) {
    report.alertsChecked++;
    try {
      if (await placeIfUnplaced(alert, now)) report.alertsPlaced.push(alert.id);
    } catch (err) {
      report.failures.push({ id: alert.id, error: String(err) });
    }
  }

  for await (const incident of pages((cursor) =>
    listIncidents({ status: 'triggered', from: since, to: now, limit: PAGE, cursor }),
  )) {
    report.incidentsChecked++;
    try {
      if (await escalateIfUnescalated(incident, until, now)) report.escalationsStarted.push(incident.id);
    } catch (err) {
      report.failures.push({ id: incident.id, error: String(err) });
    }
  }

  if (report.alertsPlaced.length || report.escalationsStarted.length || report.failures.length)
    logger.warn('reconciler repaired missed work', { ...report });
  return report;
}

async function placeIfUnplaced(alert: StoredAlert, now: Date): Promise<boolean> {
  if (await getDisposition(alert.id)) return false;
  const outcome = await placeAlert(alert.id, now);
  logger.warn('reconciler placed an alert that had no placement', { alertId: alert.id, ...outcome });
  return outcome.kind !== 'duplicate';
}

async function escalateIfUnescalated(incident: Incident, announcedBefore: Date, now: Date): Promise<boolean> {
  // Held notifications (flapping), merged incidents and those not yet announced page nobody.
  if (!incident.notifiedAt || Date.parse(incident.notifiedAt) > announcedBefore.getTime()) return false;
  if (incident.flapping || incident.mergedInto || incident.status !== 'triggered') return false;
  if (await getEscalation(incident.id)) return false;
  const { startEscalation } = await import('../oncall/escalation');
  await startEscalation(incident.id, incident.revision, now);
  logger.warn('reconciler started the escalation of an announced incident that had none', { incidentId: incident.id });
  return true;
}

async function* pages<T>(page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const r = await page(cursor);
    yield* r.items;
    cursor = r.nextCursor;
  } while (cursor);
}

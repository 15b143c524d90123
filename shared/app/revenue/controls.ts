// RA controls after a run: bring the alert pipeline in line with the run's control results through
// the built-in integration `nocturne-ra` (the shared converge step of every built-in source), and
// open one ticket per violation in the RA category (its queue takes it). A violation is a live alert:
// its ticket is keyed by the alert's id, so a retry finds the ticket it opened, and a later
// violation of the same control (after one cleared) gets a ticket of its own. When a run brings a
// control back within range, the violation's ticket is resolved with a comment naming that run and
// the figure now — before the alert is resolved, so a crash in between is finished by the retry
// (which still sees the live alert), and a ticket that is no longer open is left alone.
import { desiredRaAlerts, raAlertFor, type ControlResult, type RaControls } from '../../domain/revenue/controls';
import { ValidationError } from '../../domain/errors';
import { logger } from '../../observability/logger';
import { getLiveAlert } from '../../store/alerts';
import type { RaRun } from '../../store/revenue';
import { DuplicateMessageError, ticketByDedupeKey } from '../../store/tickets';
import { deterministicUlid } from '../../domain/tickets/ids';
import { sendAlertDifference, type SentAlert } from '../builtin-alerts';
import { openTicket, resolveBySystem } from '../tickets/commands';
import { ensureRaIntegration } from './alerts';

/** The ticket category RA violations open tickets in (its default queue takes them). */
export function raTicketCategory(): string {
  return process.env.RA_TICKET_CATEGORY ?? 'revenue-assurance';
}

export interface ControlsSync {
  sent: SentAlert[];
  tickets: Array<{ control: string; ticketId: string; number: number; opened: boolean }>;
  /** Tickets of violations this run cleared: resolved now, or already not open. */
  cleared: Array<{ control: string; ticketId: string; outcome: 'resolved' | 'not-open' | 'missing' }>;
  skipped?: 'integration-disabled';
}

export async function syncControls(
  run: RaRun,
  controls: RaControls,
  now: Date,
  results: readonly ControlResult[] = run.controls ?? [],
): Promise<ControlsSync> {
  const integ = await ensureRaIntegration(now);
  if (!integ.enabled) return { sent: [], tickets: [], cleared: [], skipped: 'integration-disabled' };
  const desired = desiredRaAlerts(results, controls, run.id);
  const cleared: ControlsSync['cleared'] = [];
  for (const r of results.filter((c) => !c.breached)) {
    const live = await getLiveAlert(integ.id, desired.find((d) => d.control === r.control)!.dedupKey);
    if (!live) continue;
    const c = await resolveViolationTicket(`ra-violation#${live.id}`, {
      body: [
        `Cleared by the reconciliation run ${run.id} of ${run.period}: the control "${r.control}" is back within range.`,
        r.summary,
      ].join('\n\n'),
      actorId: 'ra-controls',
      actorName: 'Revenue assurance controls',
      now,
    });
    if (c) cleared.push({ control: r.control, ...c });
  }
  const sent = await sendAlertDifference({
    integration: integ,
    desired,
    alertFor: raAlertFor,
    subject: `ra:${run.period}:${run.id}`,
    now,
  });
  const tickets: ControlsSync['tickets'] = [];
  for (const r of results.filter((c) => c.breached)) {
    const live = await getLiveAlert(integ.id, desired.find((d) => d.control === r.control)!.dedupKey);
    if (!live) continue;
    const t = await openViolationTicket(run, r, live.id, now);
    if (t) tickets.push({ control: r.control, ...t });
  }
  return { sent, tickets, cleared };
}

async function openViolationTicket(
  run: RaRun,
  r: ControlResult,
  alertId: string,
  now: Date,
): Promise<{ ticketId: string; number: number; opened: boolean } | undefined> {
  try {
    const t = await openTicket({
      input: {
        subject: `RA violation: ${r.summary}`.slice(0, 300),
        description: [
          `The revenue assurance control "${r.control}" breached in the reconciliation run ${run.id} of ${run.period}.`,
          r.summary,
          `Findings: GET /ra/runs/${run.id}/findings (CSV: ?format=csv). The alert resolves by itself when a later run is back within range.`,
        ].join('\n\n'),
        categoryId: raTicketCategory(),
        fields: {},
        watchers: [],
        links: run.executionArn ? [{ kind: 'execution', ref: run.executionArn, title: `Run ${run.id}` }] : [],
      },
      requester: { email: 'revenue-assurance@nocturne.local', name: 'Revenue assurance controls' },
      source: 'api',
      actor: { type: 'system', id: 'ra-controls', name: 'Revenue assurance controls' },
      now,
      extras: { dedupeKey: `ra-violation#${alertId}` },
    });
    return { ticketId: t.id, number: t.number, opened: true };
  } catch (err) {
    if (err instanceof DuplicateMessageError && err.ticketId)
      return { ticketId: err.ticketId, number: 0, opened: false };
    if (err instanceof ValidationError) {
      // No RA category configured: the alert still stands; say why there is no ticket.
      logger.warn('RA violation ticket not opened', { control: r.control, runId: run.id, reason: err.message });
      return undefined;
    }
    throw err;
  }
}

/**
 * Resolves the ticket a violation opened (found by its dedupe key) with a comment: once, and only
 * while it is open. Undefined when the violation opened no ticket (e.g. no RA category then).
 */
export async function resolveViolationTicket(
  dedupeKey: string,
  r: { body: string; actorId: string; actorName: string; now: Date },
): Promise<{ ticketId: string; outcome: 'resolved' | 'not-open' | 'missing' } | undefined> {
  const ticketId = await ticketByDedupeKey(dedupeKey);
  if (!ticketId) return undefined;
  const outcome = await resolveBySystem(ticketId, {
    body: r.body.slice(0, 32 * 1024),
    actor: { type: 'system', id: r.actorId, name: r.actorName },
    now: r.now,
    commentId: deterministicUlid(r.now.getTime(), `cleared#${dedupeKey}`),
  });
  return { ticketId, outcome };
}

// SLA timers of tickets: each running clock has a warning and a breach timer, and a resolved
// ticket has an auto-close timer at the end of its reopen window. Timer ids are deterministic
// (`ticket-sla#<ticketId>#<clock>#<stage>`), so syncing them to the committed ticket is
// idempotent and moving a deadline moves its timer. `ticketTimerHandlers` run in the timer sweeper
// (assembled in functions/timer-sweeper/registry.ts) and judge each timer on the committed ticket.
import { CLOCKS, wantedTimers, type ClockName, type SlaStage } from '../../domain/tickets/sla';
import type { Ticket } from '../../domain/tickets/ticket';
import type { Timer, TimerHandler } from '../../store/timers';
import { cancelTimer, scheduleTimer } from '../../store/timers';
import { autoClose, fireSlaStage } from './commands';
import { getConfig } from '../../store/ticket-config';

export const SLA_TIMER_KIND = 'ticket-sla';
export const AUTOCLOSE_TIMER_KIND = 'ticket-autoclose';

export const slaTimerId = (ticketId: string, clock: ClockName, stage: SlaStage) =>
  `ticket-sla#${ticketId}#${clock}#${stage}`;
export const autoCloseTimerId = (ticketId: string) => `ticket-autoclose#${ticketId}`;

/** Make the ticket's timers match its committed state: schedule, move or cancel each one. */
export async function syncTicketTimers(t: Ticket): Promise<{ scheduled: number; cancelled: number }> {
  let scheduled = 0;
  let cancelled = 0;
  const writes: Array<Promise<void>> = [];
  const open = t.status !== 'resolved' && t.status !== 'closed';
  for (const clock of CLOCKS) {
    const wanted = t.sla && open ? wantedTimers(t.sla[clock]) : {};
    for (const stage of ['warn', 'breach'] as const) {
      const id = slaTimerId(t.id, clock, stage);
      const dueAt = wanted[stage];
      if (dueAt) {
        scheduled++;
        writes.push(scheduleTimer({ id, kind: SLA_TIMER_KIND, dueAt, payload: { ticketId: t.id, clock, stage } }));
      } else if (t.sla) {
        cancelled++;
        writes.push(cancelTimer(id));
      }
    }
  }
  if (t.status === 'resolved' && t.resolvedAt) {
    const category = await getConfig('category', t.categoryId);
    const hours = category?.reopenWindowHours ?? 168;
    scheduled++;
    writes.push(
      scheduleTimer({
        id: autoCloseTimerId(t.id),
        kind: AUTOCLOSE_TIMER_KIND,
        dueAt: new Date(Date.parse(t.resolvedAt) + hours * 3600_000).toISOString(),
        payload: { ticketId: t.id },
      }),
    );
  } else if (t.reopenCount > 0 || t.status === 'closed') {
    cancelled++;
    writes.push(cancelTimer(autoCloseTimerId(t.id)));
  }
  await Promise.all(writes);
  return { scheduled, cancelled };
}

/** A due SLA timer: record the warning or breach on the ticket (the outbox then notifies). */
export async function runSlaTimer(timer: Timer, now: Date): Promise<void> {
  const { ticketId, clock, stage } = timer.payload as { ticketId: string; clock: ClockName; stage: SlaStage };
  const outcome = await fireSlaStage(ticketId, clock, stage, now);
  // The deadline moved later (a pause, a new priority) and the sync has not caught up: follow it.
  if (typeof outcome === 'object')
    await scheduleTimer({ id: timer.id, kind: timer.kind, dueAt: outcome.notYet, payload: timer.payload });
}

export async function runAutoCloseTimer(timer: Timer, now: Date): Promise<void> {
  const outcome = await autoClose(String(timer.payload.ticketId), now);
  if (typeof outcome === 'object')
    await scheduleTimer({ id: timer.id, kind: timer.kind, dueAt: outcome.notYet, payload: timer.payload });
}

/** Tickets: SLA warning / breach and auto-close after the reopen window. */
export const ticketTimerHandlers: Record<string, TimerHandler> = {
  [SLA_TIMER_KIND]: runSlaTimer,
  [AUTOCLOSE_TIMER_KIND]: runAutoCloseTimer,
};

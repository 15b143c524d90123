// SLA timers of tickets: one timer per ticket, due at the earliest warning or breach still to come
// on its running clocks, and a resolved ticket has an auto-close timer at the end of its reopen
// window. Timer ids are deterministic (`ticket-sla#<ticketId>`), so syncing them to the committed
// ticket is idempotent and moving a deadline moves its timer. `ticketTimerHandlers` run in the timer
// sweeper (assembled in functions/timer-sweeper/registry.ts) and judge each timer on the committed
// ticket. One timer rather than one per clock and stage: a ticket's SLA upkeep writes one timer item
// (2 write units with its due-index copy) instead of four (docs/cost.md, decision 0005's addendum).
import { CLOCKS, wantedTimers, type ClockName, type SlaStage } from '../../domain/tickets/sla';
import type { Ticket } from '../../domain/tickets/ticket';
import type { Timer, TimerHandler } from '../../store/timers';
import { cancelTimer, scheduleTimer } from '../../store/timers';
import { getTicket } from '../../store/tickets';
import { autoClose, fireSlaStage } from './commands';
import { getConfig } from '../../store/ticket-config';

export const SLA_TIMER_KIND = 'ticket-sla';
export const AUTOCLOSE_TIMER_KIND = 'ticket-autoclose';

export const slaTimerId = (ticketId: string) => `ticket-sla#${ticketId}`;
export const autoCloseTimerId = (ticketId: string) => `ticket-autoclose#${ticketId}`;

interface ComingStage {
  clock: ClockName;
  stage: SlaStage;
  dueAt: string;
}

/** The warnings and breaches still to come on the ticket's running clocks, earliest first. */
export function comingSlaStages(t: Ticket): ComingStage[] {
  if (!t.sla || t.status === 'resolved' || t.status === 'closed') return [];
  const out: ComingStage[] = [];
  for (const clock of CLOCKS) {
    const wanted = wantedTimers(t.sla[clock]);
    for (const stage of ['warn', 'breach'] as const) {
      const dueAt = wanted[stage];
      if (dueAt) out.push({ clock, stage, dueAt });
    }
  }
  // Stable: at one instant a warning comes before its breach, the first response before resolution.
  return out.sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
}

const slaTimer = (ticketId: string, dueAt: string) => ({
  id: slaTimerId(ticketId),
  kind: SLA_TIMER_KIND,
  dueAt,
  payload: { ticketId },
});

/** Make the ticket's timers match its committed state: schedule, move or cancel each one. */
export async function syncTicketTimers(t: Ticket): Promise<{ scheduled: number; cancelled: number }> {
  let scheduled = 0;
  let cancelled = 0;
  const writes: Array<Promise<void>> = [];
  const next = comingSlaStages(t)[0];
  if (next) {
    scheduled++;
    writes.push(scheduleTimer(slaTimer(t.id, next.dueAt)));
  } else if (t.sla) {
    cancelled++;
    writes.push(cancelTimer(slaTimerId(t.id)));
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

/**
 * A due SLA timer: record every warning and breach that is due on the committed ticket, in order
 * (the outbox then notifies), then move the timer to the next one still to come, if any.
 */
export async function runSlaTimer(timer: Timer, now: Date): Promise<void | 'moved'> {
  const { ticketId, clock, stage } = timer.payload as { ticketId: string; clock?: ClockName; stage?: SlaStage };
  // A timer of one clock and stage, scheduled before the one timer per ticket: it runs once more.
  if (clock && stage) {
    const outcome = await fireSlaStage(ticketId, clock, stage, now);
    if (typeof outcome !== 'object') return;
    await scheduleTimer({ id: timer.id, kind: timer.kind, dueAt: outcome.notYet, payload: timer.payload });
    return 'moved';
  }
  const t = await getTicket(ticketId);
  if (!t) return;
  for (const s of comingSlaStages(t)) {
    if (Date.parse(s.dueAt) > now.getTime()) break;
    await fireSlaStage(ticketId, s.clock, s.stage, now);
  }
  const after = await getTicket(ticketId);
  const next = after ? comingSlaStages(after)[0] : undefined;
  if (!next) return;
  // A stage the ticket still wants now did not record (a concurrent change): look again in a minute.
  const dueAt = Date.parse(next.dueAt) > now.getTime() ? next.dueAt : new Date(now.getTime() + 60_000).toISOString();
  await scheduleTimer(slaTimer(ticketId, dueAt));
  return 'moved';
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

// The slow-burn condition (3d/6h at 1x) tickets: it opens one ticket per burn episode in the SLO
// ticket category and never enters the paging pipeline. This module is the pure decision — given
// the SLO's status now and its episode marker, open, keep or resolve — and the ticket's wording.
// An episode runs from the first tick that tickets to the tick that finds the burn stopped (or a
// page superseding it); a later slow burn is a new episode with a ticket of its own.
import type { SloEvaluation, SloStatus } from './evaluate';
import type { Slo } from './model';

/** Per SLO, the last burn episode that ticketed (store: `SLO#<id>` / `TICKET`). */
export interface SloTicketState {
  episode: number;
  /** `resolving` once the tick that saw the burn stop has committed to resolving it (crash-safe). */
  state: 'open' | 'resolving' | 'resolved';
  openedAt: string;
  ticketId?: string;
  ticketNumber?: number;
  resolvingAt?: string;
  reason?: SloTicketResolution;
}

export type SloTicketResolution = 'recovered' | 'paged' | 'deleted';

export type SloTicketStep =
  | { kind: 'none' }
  | { kind: 'keep' }
  /** Open the ticket of this episode (a new episode, or one whose ticket is not recorded yet). */
  | { kind: 'open'; episode: number; fresh: boolean }
  /** Comment on the episode's ticket and resolve it. */
  | { kind: 'resolve'; episode: number; reason: SloTicketResolution };

/** What the SLO's status (or its deletion) means for its ticket. */
export function decideSloTicket(status: SloStatus | 'deleted', s: SloTicketState | undefined): SloTicketStep {
  if (!s || s.state === 'resolved')
    return status === 'ticket' ? { kind: 'open', episode: (s?.episode ?? 0) + 1, fresh: true } : { kind: 'none' };
  // A resolution that started finishes before anything else (its reason stays the one it began with).
  if (s.state === 'resolving') return { kind: 'resolve', episode: s.episode, reason: s.reason ?? 'recovered' };
  if (status === 'ticket') return s.ticketId ? { kind: 'keep' } : { kind: 'open', episode: s.episode, fresh: false };
  return {
    kind: 'resolve',
    episode: s.episode,
    reason: status === 'page' ? 'paged' : status === 'deleted' ? 'deleted' : 'recovered',
  };
}

/** The idempotency key of an episode's ticket: a retry or a concurrent tick finds the same ticket. */
export const sloTicketKey = (sloId: string, episode: number): string => `slo-burn#${sloId}#${episode}`;

const pct = (x: number) => `${Math.round(x * 10_000) / 100}%`;

export function sloTicketContent(
  slo: Pick<Slo, 'id' | 'name' | 'service' | 'team' | 'objective'>,
  e: SloEvaluation,
): { subject: string; description: string } {
  const rates = Object.fromEntries(e.burnRates.map((b) => [b.window, b.burnRate]));
  return {
    subject: `SLO ${slo.name} (${slo.objective}%) burns its error budget slowly`.slice(0, 300),
    description: [
      `The SLO "${slo.name}" (${slo.id}) of ${slo.service}${slo.team ? ` (team ${slo.team})` : ''} burns its error budget at ${rates['3d']}x over 3 days and ${rates['6h']}x over 6 hours: at this pace the budget of its ${e.window.label} window runs out before the window ends.`,
      `SLI ${e.sli === undefined ? 'n/a' : `${e.sli}%`} against ${slo.objective}%; budget left ${pct(e.budgetRemaining)}.`,
      'This is the slow-burn condition (3d/6h at 1x, docs/slo.md): it tickets and pages nobody. The ticket resolves by itself with a comment when the burn stops, or when a faster burn pages instead.',
      `Status and burn rates: GET /slos/${slo.id}; history: GET /slos/${slo.id}/history.`,
    ].join('\n\n'),
  };
}

export function sloTicketResolutionComment(
  slo: Pick<Slo, 'id' | 'name'>,
  reason: SloTicketResolution,
  at: string,
): string {
  const why = {
    recovered: 'the slow burn stopped (3d/6h below 1x or too few events)',
    paged: 'the burn got faster and now pages (the page alert slo:' + slo.id + ':page supersedes this ticket)',
    deleted: 'the SLO was deleted',
  }[reason];
  return `Resolved automatically at ${at}: ${why}. A later slow burn of SLO ${slo.name} opens a new ticket.`;
}

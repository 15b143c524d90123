// The evaluation tick (every minute, functions/slo-evaluator): evaluate every SLO at `now`, bring
// its page alert in line through `nocturne-slo` and its slow-burn ticket in line (ticket-sync.ts). SLOs are evaluated a few at a time;
// one that fails is logged and retried at the next tick, never holding the others back.
import { desiredSloAlerts } from '../../domain/slo/alerts';
import type { SloStatus } from '../../domain/slo/evaluate';
import type { Slo } from '../../domain/slo/model';
import { logger } from '../../observability/logger';
import { slos } from '../../store/slo';
import { ensureSloIntegration, goneSloAlerts, syncSloAlerts } from './alert-sync';
import { measureSlo } from './measure';
import { syncSloTicket, type SloTicketSync } from './ticket-sync';

const CONCURRENCY = 8;

export interface TickResult {
  at: string;
  evaluated: number;
  failed: number;
  statuses: Partial<Record<SloStatus, number>>;
  sent: Array<{ dedupKey: string; action: 'trigger' | 'resolve'; outcome?: string }>;
  /** Slow-burn tickets opened or resolved by this tick. */
  tickets: Array<{ slo: string } & SloTicketSync>;
  ms: number;
}

export async function evaluateAllSlos(now: Date, only?: Slo[]): Promise<TickResult> {
  const started = performance.now();
  const [all, integ] = await Promise.all([only ? Promise.resolve(only) : slos.all(), ensureSloIntegration(now)]);
  const result: TickResult = {
    at: now.toISOString(),
    evaluated: 0,
    failed: 0,
    statuses: {},
    sent: [],
    tickets: [],
    ms: 0,
  };
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const slo = all[next++]!;
      try {
        const e = await measureSlo(slo, now);
        result.statuses[e.status] = (result.statuses[e.status] ?? 0) + 1;
        const synced = await syncSloAlerts(integ, desiredSloAlerts(slo, e), now);
        result.sent.push(...synced.sent);
        const ticket = await syncSloTicket(slo, e, now);
        if (ticket.step === 'open' || ticket.step === 'resolve') result.tickets.push({ slo: slo.id, ...ticket });
        result.evaluated++;
      } catch (err) {
        result.failed++;
        logger.error('SLO evaluation failed; the next tick retries', { slo: slo.id, error: String(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, all.length) }, worker));
  result.ms = Math.round(performance.now() - started);
  return result;
}

/** An SLO was deleted: its alerts and its slow-burn ticket resolve. */
export async function resolveSloAlerts(
  slo: Pick<Slo, 'id' | 'name' | 'service' | 'team' | 'objective'>,
  now: Date,
): Promise<void> {
  await syncSloAlerts(await ensureSloIntegration(now), goneSloAlerts(slo), now);
  await syncSloTicket(slo, 'deleted', now);
}

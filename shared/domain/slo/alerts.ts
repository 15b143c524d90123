// What an SLO's evaluation means for the alert pipeline: a firing `page` alert (critical, so P1 by
// the default mapping) while a page condition holds, and none once the burn stops. Nocturne enters
// it as the built-in integration `nocturne-slo`, as a monitor's webhook would, so incident rules,
// routing and on-call treat it like any other alert. The slow-burn condition does not enter the
// pipeline: it opens a ticket (./ticket.ts, decision 0040). Its old `slo:<id>:ticket` alert is
// still desired "not live", so one left firing by an earlier version resolves at the next tick. Pure.
import { builtinAlert, type AlertSeverity, type CanonicalAlert } from '../alert';
import type { SloEvaluation } from './evaluate';
import type { Slo } from './model';

export type SloAlertKind = 'page' | 'ticket';

export interface DesiredSloAlert {
  kind: SloAlertKind;
  dedupKey: string;
  firing?: { severity: AlertSeverity; summary: string; details: Record<string, unknown> };
  labels: Record<string, string>;
  service: string;
}

export const sloDedupKey = (sloId: string, kind: SloAlertKind): string => `slo:${sloId}:${kind}`;

const SEVERITY: Record<SloAlertKind, AlertSeverity> = { page: 'critical', ticket: 'warning' };

export function desiredSloAlerts(
  slo: Pick<Slo, 'id' | 'name' | 'service' | 'team' | 'labels' | 'objective'>,
  e: SloEvaluation,
): DesiredSloAlert[] {
  return (['page', 'ticket'] as const).map((kind) => {
    const labels: Record<string, string> = {
      ...(slo.labels ?? {}),
      alertname: `SLO ${slo.name}`,
      slo: slo.id,
      slo_alert: kind,
      service: slo.service,
    };
    if (slo.team) labels.team = slo.team;
    const base = { kind, dedupKey: sloDedupKey(slo.id, kind), labels, service: slo.service };
    // Only pages enter the alert pipeline; the slow burn tickets instead (./ticket.ts).
    const holding = e.conditions.filter((c) => c.firing && c.action === kind);
    if (holding.length === 0 || kind === 'ticket') return base;
    const rates = Object.fromEntries(e.burnRates.map((b) => [b.window, b.burnRate]));
    const c = holding[0]!;
    return {
      ...base,
      firing: {
        severity: SEVERITY[kind],
        summary: `SLO ${slo.name} (${slo.objective}%) burns its error budget ${rates[c.short]}x over ${c.short} and ${rates[c.long]}x over ${c.long} (${c.factor}x pages)`,
        details: {
          objective: slo.objective,
          conditions: holding.map((h) => h.name),
          burnRates: rates,
          budgetRemaining: e.budgetRemaining,
          sli: e.sli,
          window: e.window.label,
        },
      },
    };
  });
}

/** The canonical alert that moves the pipeline to the desired state. */
export function sloAlertFor(d: DesiredSloAlert, now: string, live?: { startsAt: string }): CanonicalAlert {
  return builtinAlert(
    {
      dedupKey: d.dedupKey,
      labels: d.labels,
      service: d.service,
      resource: `slo:${d.labels.slo}`,
      link: { href: `/slos/${d.labels.slo}`, text: 'Nocturne SLO' },
      firing: d.firing,
      resolved: { summary: `${d.labels.alertname}: the error budget no longer burns (${d.kind})`, details: {} },
    },
    now,
    live,
  );
}

// RA controls (issue 12 §2, TM Forum style): KPIs of a stored run checked against thresholds kept
// as configuration. A breach is a violation: it enters the alert pipeline as the built-in
// integration `nocturne-ra` and opens a ticket in the RA queue; it clears when a later run of the
// same control is back within range. Pure: the run's summary and anomaly verdicts are passed in.
import * as z from 'zod';
import { builtinAlert, type AlertSeverity, type CanonicalAlert } from '../alert';
import type { AnomalyVerdict } from './anomalies';
import { RA_SERVICE } from './alerts';
import type { RunSummary } from './types';

export { RA_INTEGRATION_ID } from './alerts';

export const raControlsSchema = z
  .object({
    /** Leakage above this share of billed revenue (in %) breaches. */
    leakagePctMax: z.number().finite().min(0).max(100).default(0.1),
    /** More missing-in-billing records than this breaches. */
    missingInBillingMax: z.number().int().min(0).default(100),
    /** A flagged volume anomaly (a drop or a spike on the run's day) breaches. */
    anomalies: z.boolean().default(true),
    /** Severity of the alert a breach raises (warning → P3 by the default mapping). */
    severity: z.enum(['critical', 'error', 'warning', 'info']).default('warning'),
  })
  .strict();
export type RaControls = z.infer<typeof raControlsSchema>;
export const DEFAULT_RA_CONTROLS: RaControls = raControlsSchema.parse({});

export const CONTROL_IDS = ['leakage', 'missing-in-billing', 'volume-anomaly', 'file-rejected'] as const;
export type ControlId = (typeof CONTROL_IDS)[number];

/** One control's outcome for a run: breached or within range, with the figures that decided it. */
export interface ControlResult {
  control: ControlId;
  breached: boolean;
  summary: string;
  details: Record<string, unknown>;
}

const round = (v: number, digits = 4) => Math.round(v * 10 ** digits) / 10 ** digits;

/** The run's controls (file-rejected is raised by a failed run, see `rejectedFileControl`). */
export function evaluateControls(
  summary: Pick<RunSummary, 'leakage' | 'leakagePct' | 'billingRevenue' | 'counts'>,
  anomalies: readonly AnomalyVerdict[],
  controls: RaControls,
  period: string,
): ControlResult[] {
  const flagged = anomalies.filter((a) => a.status === 'flagged');
  const missing = summary.counts.missing_in_billing;
  return [
    {
      control: 'leakage',
      breached: summary.leakagePct > controls.leakagePctMax,
      summary: `Revenue leakage on ${period}: ${round(summary.leakagePct)}% of billed revenue (${round(summary.leakage, 2)} of ${round(summary.billingRevenue, 2)}; threshold ${controls.leakagePctMax}%)`,
      details: {
        leakage: summary.leakage,
        leakagePct: summary.leakagePct,
        billingRevenue: summary.billingRevenue,
        threshold: controls.leakagePctMax,
      },
    },
    {
      control: 'missing-in-billing',
      breached: missing > controls.missingInBillingMax,
      summary: `${missing} records on ${period} were charged by the network and never billed (threshold ${controls.missingInBillingMax})`,
      details: { missingInBilling: missing, threshold: controls.missingInBillingMax },
    },
    {
      control: 'volume-anomaly',
      breached: controls.anomalies && flagged.length > 0,
      summary:
        flagged.length > 0
          ? `Usage volume anomaly on ${period}: ${flagged.map((f) => `${f.series} ${f.kind} (${f.volume} vs median ${f.median})`).join(', ')}`
          : `No usage volume anomaly on ${period}`,
      details: {
        flagged: flagged.map(({ series, period: p, volume, median, z: score, kind }) => ({
          series,
          period: p,
          volume,
          median,
          z: score,
          kind,
        })),
        judged: anomalies.filter((a) => a.status === 'flagged' || a.status === 'normal').length,
      },
    },
  ];
}

/** Whether a run read every file of its period: a refused file (tampered, wrong key, not an envelope) breaches. */
export function filesControl(period: string, rejected?: { file: string; reason: string }): ControlResult {
  return rejected
    ? {
        control: 'file-rejected',
        breached: true,
        summary: `Usage file rejected for ${period}: ${rejected.reason}`.slice(0, 1000),
        details: { file: rejected.file, reason: rejected.reason },
      }
    : { control: 'file-rejected', breached: false, summary: `Every usage file of ${period} was read`, details: {} };
}

/** The alert dedup key of one control (one live violation per control at a time). */
export const raDedupKey = (control: ControlId): string => `ra:${control}`;

/** What the alert pipeline should hold for a control after a run. */
export interface DesiredRaAlert {
  dedupKey: string;
  control: ControlId;
  firing?: { severity: AlertSeverity; summary: string; details: Record<string, unknown> };
  labels: Record<string, string>;
  runId: string;
}

export function desiredRaAlerts(
  results: readonly ControlResult[],
  controls: RaControls,
  runId: string,
): DesiredRaAlert[] {
  return results.map((r) => ({
    dedupKey: raDedupKey(r.control),
    control: r.control,
    labels: { alertname: `RA control ${r.control}`, ra: 'control', ra_control: r.control, service: RA_SERVICE },
    runId,
    ...(r.breached
      ? { firing: { severity: controls.severity, summary: r.summary, details: { ...r.details, runId } } }
      : {}),
  }));
}

/** The canonical alert that moves the pipeline to the desired state of one control. */
export function raAlertFor(d: DesiredRaAlert, now: string, live?: { startsAt: string }): CanonicalAlert {
  return builtinAlert(
    {
      dedupKey: d.dedupKey,
      labels: d.labels,
      service: RA_SERVICE,
      resource: `ra:${d.control}`,
      link: { href: `/ra/runs/${d.runId}`, text: 'Reconciliation run' },
      firing: d.firing,
      resolved: {
        summary: `RA control ${d.control} is back within range (run ${d.runId})`,
        details: { runId: d.runId },
      },
    },
    now,
    live,
  );
}

// RA controls: thresholds from configuration decide a breach; the desired alerts fire while a
// control breaches and resolve once it is back within range; findings.csv rows as the CLI writes them.
import {
  DEFAULT_RA_CONTROLS,
  desiredRaAlerts,
  evaluateControls,
  filesControl,
  raAlertFor,
  raControlsSchema,
} from '../../../shared/domain/revenue/controls';
import { FINDINGS_HEADER, findingRow } from '../../../shared/domain/revenue/findings-csv';
import { emptyClassTotals } from '../../../shared/domain/revenue/types';
import type { AnomalyVerdict } from '../../../shared/domain/revenue/anomalies';

const summary = (leakage: number, revenue: number, missing = 0) => {
  const t = emptyClassTotals();
  t.counts.missing_in_billing = missing;
  return {
    counts: t.counts,
    leakage,
    billingRevenue: revenue,
    leakagePct: revenue > 0 ? (leakage / revenue) * 100 : 0,
  };
};
const byId = (rs: ReturnType<typeof evaluateControls>) => Object.fromEntries(rs.map((r) => [r.control, r]));

describe('RA controls', () => {
  it('breaches leakage above 0.1 % of revenue by default, not at it', () => {
    expect(byId(evaluateControls(summary(1.01, 1000), [], DEFAULT_RA_CONTROLS, '2026-11-20')).leakage!.breached).toBe(
      true,
    );
    expect(byId(evaluateControls(summary(1, 1000), [], DEFAULT_RA_CONTROLS, '2026-11-20')).leakage!.breached).toBe(
      false,
    );
  });

  it('uses the configured thresholds for missing-in-billing', () => {
    const controls = raControlsSchema.parse({ missingInBillingMax: 3 });
    const r = byId(evaluateControls(summary(0, 1000, 4), [], controls, '2026-11-20'));
    expect(r['missing-in-billing']).toMatchObject({ breached: true, details: { missingInBilling: 4, threshold: 3 } });
    expect(byId(evaluateControls(summary(0, 1000, 3), [], controls, 'd'))['missing-in-billing']!.breached).toBe(false);
  });

  it('breaches on a flagged volume anomaly unless anomalies are off', () => {
    const flagged: AnomalyVerdict[] = [
      {
        series: 'network:voice:mo',
        period: '2026-11-20',
        volume: 10,
        status: 'flagged',
        median: 5000,
        z: -9,
        kind: 'drop',
      },
      { series: 'billing:voice:mo', period: '2026-11-20', volume: 5000, status: 'normal', median: 5000, z: 0 },
    ];
    const on = byId(evaluateControls(summary(0, 1000), flagged, DEFAULT_RA_CONTROLS, '2026-11-20'));
    expect(on['volume-anomaly']).toMatchObject({ breached: true, details: { judged: 2 } });
    expect(on['volume-anomaly']!.summary).toContain('network:voice:mo drop');
    const off = raControlsSchema.parse({ anomalies: false });
    expect(byId(evaluateControls(summary(0, 1000), flagged, off, 'd'))['volume-anomaly']!.breached).toBe(false);
  });

  it('rejects unknown or out-of-range settings, naming them', () => {
    expect(raControlsSchema.safeParse({ leakagePctMax: -1 }).success).toBe(false);
    const r = raControlsSchema.safeParse({ leakage: 1 });
    expect(r.success).toBe(false);
  });

  it('fires while breached and resolves when back within range', () => {
    const breached = evaluateControls(summary(50, 1000), [], DEFAULT_RA_CONTROLS, '2026-11-20');
    const [leak] = desiredRaAlerts(breached, DEFAULT_RA_CONTROLS, 'run-1');
    expect(leak).toMatchObject({ dedupKey: 'ra:leakage', firing: { severity: 'warning' } });
    const firing = raAlertFor(leak!, '2026-11-21T02:40:00Z');
    expect(firing).toMatchObject({ status: 'firing', action: 'trigger', service: 'revenue-assurance' });
    expect(firing.summary).toContain('5%');

    const ok = evaluateControls(summary(0, 1000), [], DEFAULT_RA_CONTROLS, '2026-11-21');
    const [cleared] = desiredRaAlerts(ok, DEFAULT_RA_CONTROLS, 'run-2');
    expect(cleared!.firing).toBeUndefined();
    const resolved = raAlertFor(cleared!, '2026-11-22T02:40:00Z', { startsAt: '2026-11-21T02:40:00Z' });
    expect(resolved).toMatchObject({ status: 'resolved', action: 'resolve', startsAt: '2026-11-21T02:40:00Z' });
  });

  it('a refused file breaches the file control; a run that read every file clears it', () => {
    expect(filesControl('2026-11-20', { file: 'batches/network/x', reason: 'tampered' })).toMatchObject({
      control: 'file-rejected',
      breached: true,
    });
    expect(filesControl('2026-11-20').breached).toBe(false);
  });
});

describe('findings.csv', () => {
  it('writes the CLI header and rows, quoting what needs it', () => {
    expect(FINDINGS_HEADER).toBe(
      'record_id,class,billing_quantity,network_quantity,billing_charge,network_charge,value',
    );
    expect(
      findingRow({
        recordId: 'a,"b"',
        class: 'missing_in_billing',
        network: { quantity: 60, charge: 0.09 },
        value: 0.09,
      }),
    ).toBe('"a,""b""",missing_in_billing,,60,,0.09,0.09');
  });
});

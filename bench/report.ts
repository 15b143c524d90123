// bench:report — generating the monthly operations and SLA report for 100 services over a synthetic
// month: 200 probes and 50 jobs with status flips, 600 incidents, 100 SLOs, 3,000 tickets in 10
// queues, 20,000 alerts. Times the pure parts (compute, HTML rendering, PDF) and the whole; the
// storage reads and S3 writes of a real run are not part of these figures. Prints one JSON line.
import { computeMonthlyReport } from '../shared/domain/reports/compute';
import { reportDocument } from '../shared/domain/reports/document';
import { reportHtml } from '../shared/domain/reports/html';
import type { ReportInput } from '../shared/domain/reports/model';
import { monthBounds } from '../shared/domain/reports/month';
import { reportPdf } from '../shared/domain/reports/pdf';
import { buildReport } from '../shared/domain/tickets/reports';
import { PRIORITIES } from '../shared/domain/tickets/sla';

const SERVICES = 100;
const MONTH = '2026-10';
const ZONE = 'Europe/Berlin';
const MIN = 60_000;

let seed = 42;
const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const iso = (t: number) => new Date(t).toISOString();

function synthetic(): ReportInput {
  const { from, to } = monthBounds(MONTH, ZONE);
  const at = () => from + Math.floor(rnd() * (to - from - 3 * 3600_000));
  const services = Array.from({ length: SERVICES }, (_, i) => ({
    id: `svc-${i}`,
    name: `Service ${i} (${['billing', 'rating', 'mediation', 'provisioning'][i % 4]})`,
    tier: 1 + (i % 4),
    slaTarget: [99.95, 99.9, 99.5][i % 3]!,
    incidentDowntime: [] as Array<{ incidentId: string; start: string; end?: string }>,
    maintenance: i % 5 ? [] : [{ start: from + 10 * 86400_000, end: from + 10 * 86400_000 + 2 * 3600_000 }],
  }));
  const incidents = Array.from({ length: 6 * SERVICES }, (_, n) => {
    const opened = at();
    const s = services[n % SERVICES]!;
    const severity = ['P1', 'P2', 'P3', 'P3', 'P4'][n % 5]!;
    const resolved = opened + Math.floor(rnd() * 7200_000);
    if (severity === 'P1' || severity === 'P2')
      s.incidentDowntime.push({ incidentId: `i${n}`, start: iso(opened), end: iso(resolved) });
    return {
      id: `i${n}`,
      number: n + 1,
      severity,
      serviceId: s.id,
      detectedAt: iso(opened - Math.floor(rnd() * 300_000)),
      openedAt: iso(opened),
      acknowledgedAt: iso(opened + Math.floor(rnd() * 900_000)),
      resolvedAt: iso(resolved),
    };
  });
  const flips = () => {
    const out = [];
    for (let k = 0; k < 10; k++) {
      const t = at();
      out.push({ to: 'down', effectiveAt: iso(t), at: iso(t) });
      out.push({ to: 'up', effectiveAt: iso(t + Math.floor(rnd() * 600_000)), at: iso(t + 600_000) });
    }
    return out.sort((a, b) => a.at.localeCompare(b.at));
  };
  const checks = [
    ...Array.from({ length: 2 * SERVICES }, (_, i) => ({
      kind: 'probe' as const,
      id: `p${i}`,
      name: `Probe ${i}`,
      service: `svc-${i % SERVICES}`,
      flips: flips(),
    })),
    ...Array.from({ length: 50 }, (_, i) => ({ kind: 'job' as const, id: `j${i}`, name: `Job ${i}`, flips: flips() })),
  ];
  const created = Array.from({ length: 3000 }, (_, n) => ({
    categoryId: `c${n % 7}`,
    queueId: `queue-${n % 10}`,
    priority: PRIORITIES[n % 4]!,
    createdAt: iso(at()),
    firstResponseMet: rnd() > 0.1,
  }));
  return {
    month: MONTH,
    timeZone: ZONE,
    now: new Date(to + 3600_000),
    services,
    incidents,
    slos: Array.from({ length: SERVICES }, (_, i) => ({
      id: `slo-${i}`,
      name: `SLO ${i}`,
      service: `svc-${i}`,
      objective: [99, 99.5, 99.9][i % 3]!,
      sli: 'ratio' as const,
      good: 1e6 - Math.floor(rnd() * 12_000),
      total: 1e6,
    })),
    tickets: buildReport({
      from: new Date(from),
      to: new Date(to),
      groupBy: 'queue',
      created,
      resolved: created
        .slice(0, 2500)
        .map((c) => ({ ...c, resolvedAt: iso(Date.parse(c.createdAt) + 3600_000), resolutionMet: rnd() > 0.2 })),
      backlog: created.slice(2500),
      time: [],
    }),
    checks,
    alerts: Array.from({ length: 20_000 }, (_, n) => ({
      integrationId: `int-${n % 8}`,
      dedupKey: `key-${Math.floor(rnd() * 400)}`,
      summary: `Alert ${n % 400} on host-${n % 37}`,
      severity: ['critical', 'warning', 'info'][n % 3]!,
      count: 1 + Math.floor(rnd() * 20),
    })),
    revenueRuns: Array.from({ length: 31 }, (_, d) => ({
      runId: `run-${d}`,
      period: `${MONTH}-${String(d + 1).padStart(2, '0')}`,
      status: 'succeeded',
      findings: Math.floor(rnd() * 50),
      leakage: Math.round(rnd() * 50_000) / 100,
      currency: 'EUR',
    })),
  };
}

async function main(): Promise<void> {
  const input = synthetic();
  const generatedAt = new Date(Date.parse(input.now.toISOString()) + MIN);
  const t0 = performance.now();
  const report = computeMonthlyReport(input);
  const t1 = performance.now();
  const html = reportHtml(reportDocument(report, generatedAt.toISOString()));
  const t2 = performance.now();
  const pdf = await reportPdf(reportDocument(report, generatedAt.toISOString()), generatedAt);
  const t3 = performance.now();
  const totalMs = Math.round(t3 - t0);
  console.log(
    JSON.stringify({
      bench: 'report',
      services: SERVICES,
      incidents: input.incidents.length,
      checks: input.checks.length,
      alerts: input.alerts.length,
      computeMs: Math.round(t1 - t0),
      renderHtmlMs: Math.round(t2 - t1),
      pdfMs: Math.round(t3 - t2),
      totalMs,
      htmlBytes: Buffer.byteLength(html),
      pdfBytes: pdf.byteLength,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      underFiveSeconds: totalMs < 5000,
    }),
  );
}

void main();

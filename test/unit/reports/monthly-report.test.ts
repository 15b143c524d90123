// The monthly report's arithmetic: month bounds in a zone (DST included), availability with
// maintenance cut out, SLA allowance, SLO attainment and budget, MTTD/MTTA/MTTR by severity, probe
// and job health, the noisiest alerts; and both renderings (HTML, PDF that parses back).
import { PDFDocument } from 'pdf-lib';
import { computeMonthlyReport, serviceAvailability, subtract } from '../../../shared/domain/reports/compute';
import { duration, reportDocument } from '../../../shared/domain/reports/document';
import { reportHtml } from '../../../shared/domain/reports/html';
import type { ReportInput } from '../../../shared/domain/reports/model';
import { monthAt, monthBounds, previousMonth } from '../../../shared/domain/reports/month';
import { reportPdf, winAnsi } from '../../../shared/domain/reports/pdf';
import { buildReport } from '../../../shared/domain/tickets/reports';

const MIN = 60_000;
const t = (iso: string) => Date.parse(iso);

describe('month bounds in a time zone', () => {
  it('starts at local midnight and has the DST month an hour short or long', () => {
    const march = monthBounds('2026-03', 'Europe/Berlin');
    expect(new Date(march.from).toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(new Date(march.to).toISOString()).toBe('2026-03-31T22:00:00.000Z');
    expect(march.minutes).toBe((31 * 24 - 1) * 60);
    expect(monthBounds('2026-10', 'Europe/Berlin').minutes).toBe((31 * 24 + 1) * 60);
    expect(monthBounds('2026-02', 'UTC').minutes).toBe(28 * 24 * 60);
    expect(new Date(monthBounds('2026-01', 'America/New_York').from).toISOString()).toBe('2026-01-01T05:00:00.000Z');
  });

  it('names the previous month as each zone sees it', () => {
    const now = new Date('2026-03-31T22:20:00Z'); // 00:20 on 1 April in Berlin (CEST), 22:20 in UTC
    expect(previousMonth(now, 'Europe/Berlin')).toBe('2026-03');
    expect(previousMonth(now, 'UTC')).toBe('2026-02');
    expect(monthAt(now, 'Europe/Berlin')).toBe('2026-04');
    expect(previousMonth(new Date('2026-01-01T02:00:00Z'), 'Europe/Berlin')).toBe('2025-12');
    expect(previousMonth(new Date('2026-01-01T02:00:00Z'), 'America/New_York')).toBe('2025-11');
    expect(() => monthBounds('2026-13', 'UTC')).toThrow();
    expect(() => monthBounds('2026-01', 'Mars/Olympus')).toThrow();
  });
});

describe('availability', () => {
  const from = t('2026-04-01T00:00:00Z');
  const to = t('2026-05-01T00:00:00Z'); // 43 200 minutes

  it('cuts maintenance out of downtime and of the measured time; the SLA allows its share of the rest', () => {
    const a = serviceAvailability(
      {
        slaTarget: 99.95,
        // 60 minutes down, of which 20 in maintenance; a second outage before the month is ignored.
        down: [
          { start: t('2026-04-10T10:00:00Z'), end: t('2026-04-10T11:00:00Z') },
          { start: t('2026-04-10T10:30:00Z'), end: t('2026-04-10T10:50:00Z') },
          { start: t('2026-03-30T00:00:00Z'), end: t('2026-03-31T00:00:00Z') },
        ],
        maintenance: [{ start: t('2026-04-10T10:40:00Z'), end: t('2026-04-10T11:40:00Z') }],
      },
      from,
      to,
      to,
    );
    expect(a.downtimeMinutes).toBe(40);
    expect(a.maintenanceMinutes).toBe(60);
    expect(a.measuredMinutes).toBe(43_140);
    expect(a.allowedDowntimeMinutes).toBe(21.57);
    expect(a.slaMet).toBe(false);
    expect(a.availabilityPercent).toBeCloseTo((1 - 40 / 43_140) * 100, 4);
  });

  it('weighs declared partial outages, counts overlaps once at the highest weight, and cuts maintenance', () => {
    const a = serviceAvailability(
      {
        slaTarget: 99.95,
        down: [
          // A P1 10:00-10:30; the status page says major outage 10:00-10:20, partial 10:20-11:20;
          // maintenance 11:00-12:00.
          { start: t('2026-04-10T10:00:00Z'), end: t('2026-04-10T10:30:00Z') },
          { start: t('2026-04-10T10:00:00Z'), end: t('2026-04-10T10:20:00Z'), weight: 1 },
          { start: t('2026-04-10T10:20:00Z'), end: t('2026-04-10T11:20:00Z'), weight: 0.3 },
        ],
        maintenance: [{ start: t('2026-04-10T11:00:00Z'), end: t('2026-04-10T12:00:00Z') }],
      },
      from,
      to,
      to,
    );
    // 10:00-10:30 whole (30) + 10:30-11:00 at 0.3 (9); 11:00-11:20 is maintenance.
    expect(a.downtimeMinutes).toBe(39);
    expect(a.maintenanceMinutes).toBe(60);
  });

  it('measures a running month up to now; no downtime is 100 % and within SLA', () => {
    const a = serviceAvailability({ slaTarget: 99.9, down: [], maintenance: [] }, from, from + 1440 * MIN, to);
    expect(a).toMatchObject({ measuredMinutes: 1440, downtimeMinutes: 0, availabilityPercent: 100, slaMet: true });
    expect(a.allowedDowntimeMinutes).toBe(43.2);
  });

  it('subtracts overlapping masks', () => {
    expect(
      subtract(
        [{ start: 0, end: 100 }],
        [
          { start: 10, end: 20 },
          { start: 15, end: 30 },
          { start: 90, end: 200 },
        ],
      ),
    ).toEqual([
      { start: 0, end: 10 },
      { start: 30, end: 90 },
    ]);
  });
});

const input = (): ReportInput => ({
  month: '2026-04',
  timeZone: 'UTC',
  now: new Date('2026-05-01T00:30:00Z'),
  services: [
    {
      id: 'billing',
      name: 'Billing <API>',
      tier: 1,
      slaTarget: 99.95,
      incidentDowntime: [{ incidentId: 'i1', start: '2026-04-03T10:00:00Z', end: '2026-04-03T10:30:00Z' }],
      maintenance: [],
    },
    { id: 'portal', name: 'Portal', tier: 2, slaTarget: 99.5, incidentDowntime: [], maintenance: [] },
  ],
  incidents: [
    {
      id: 'i1',
      number: 1,
      severity: 'P1',
      serviceId: 'billing',
      detectedAt: '2026-04-03T09:58:00Z',
      openedAt: '2026-04-03T10:00:00Z',
      acknowledgedAt: '2026-04-03T10:04:00Z',
      resolvedAt: '2026-04-03T10:30:00Z',
    },
    {
      id: 'i2',
      number: 2,
      severity: 'P1',
      serviceId: 'billing',
      detectedAt: '2026-04-05T10:00:00Z',
      openedAt: '2026-04-05T10:00:00Z',
      acknowledgedAt: '2026-04-05T10:10:00Z',
      resolvedAt: '2026-04-05T11:00:00Z',
    },
    {
      id: 'i3',
      number: 3,
      severity: 'P3',
      detectedAt: '2026-04-06T10:00:00Z',
      openedAt: '2026-04-06T10:01:00Z',
    },
    {
      id: 'i4',
      number: 4,
      severity: 'P1',
      detectedAt: '2026-04-05T10:00:00Z',
      openedAt: '2026-04-05T10:00:00Z',
      mergedInto: 'i2',
    },
  ],
  slos: [
    { id: 'api-99', name: 'API success', service: 'billing', objective: 99, sli: 'ratio', good: 9_950, total: 10_000 },
    { id: 'empty', name: 'No data', service: 'portal', objective: 99.9, sli: 'ratio', good: 0, total: 0 },
  ],
  tickets: buildReport({
    from: new Date('2026-04-01T00:00:00Z'),
    to: new Date('2026-05-01T00:00:00Z'),
    groupBy: 'queue',
    created: [
      { categoryId: 'c', queueId: 'noc', priority: 'P2', createdAt: '2026-04-02T00:00:00Z', firstResponseMet: true },
      { categoryId: 'c', queueId: 'noc', priority: 'P2', createdAt: '2026-04-03T00:00:00Z', firstResponseMet: false },
    ],
    resolved: [],
    backlog: [],
    time: [],
  }),
  checks: [
    {
      kind: 'probe',
      id: 'p1',
      name: 'Billing HTTPS',
      service: 'billing',
      statusBefore: 'down',
      flips: [
        { to: 'up', effectiveAt: '2026-04-01T00:10:00Z', at: '2026-04-01T00:10:00Z' },
        { to: 'down', effectiveAt: '2026-04-20T00:00:00Z', at: '2026-04-20T00:00:00Z' },
        { to: 'up', effectiveAt: '2026-04-20T00:05:00Z', at: '2026-04-20T00:05:00Z' },
      ],
    },
    { kind: 'job', id: 'j1', name: 'Nightly rating', flips: [] },
  ],
  alerts: [
    { integrationId: 'am', dedupKey: 'disk', summary: 'Disk full', severity: 'warning', count: 40 },
    { integrationId: 'am', dedupKey: 'disk', summary: 'Disk full', severity: 'warning', count: 10 },
    { integrationId: 'dd', dedupKey: 'cpu', summary: 'CPU high', severity: 'critical', count: 7 },
  ],
});

describe('computeMonthlyReport', () => {
  const r = computeMonthlyReport(input());

  it('puts the least available service first and names the breaches', () => {
    expect(r.complete).toBe(true);
    expect(r.services.map((s) => s.id)).toEqual(['billing', 'portal']);
    expect(r.services[0]).toMatchObject({ downtimeMinutes: 45, slaMet: false, incidents: 2, mttrSeconds: 2700 });
    expect(r.overall).toMatchObject({ services: 2, slaMet: 1, slaBreached: ['billing'], downtimeMinutes: 45 });
    // 30 minutes of incident i1 and 15 of probe p1 (10 at the month's start, 5 on the 20th).
    expect(r.overall.availabilityPercent).toBeCloseTo((1 - 45 / 86_400) * 100, 4);
  });

  it("counts the impact declared on the status page in the service's downtime", () => {
    const withImpact = input();
    withImpact.services[1]!.impact = [
      { incidentId: 'i5', start: '2026-04-08T10:00:00.000Z', end: '2026-04-08T10:10:00.000Z', weight: 1 },
      { incidentId: 'i5', start: '2026-04-08T10:10:00.000Z', end: '2026-04-08T11:50:00.000Z', weight: 0.3 },
    ];
    const portal = computeMonthlyReport(withImpact).services.find((s) => s.id === 'portal')!;
    expect(portal.downtimeMinutes).toBe(10 + 30);
  });

  it('reports MTTD/MTTA/MTTR per severity without merged incidents', () => {
    expect(r.overall.incidents).toBe(3);
    const p1 = r.incidents.bySeverity.find((g) => g.key === 'P1')!;
    expect(p1.incidents).toBe(2);
    expect(p1.timeToDetect.meanSeconds).toBe(60);
    expect(p1.timeToAcknowledge.meanSeconds).toBe(420);
    expect(p1.timeToResolve.meanSeconds).toBe(2700);
    expect(r.incidents.bySeverity.find((g) => g.key === 'P3')!.timeToResolve.count).toBe(0);
  });

  it('computes SLO attainment and budget used; no events is no verdict', () => {
    expect(r.slos[0]).toMatchObject({ id: 'api-99', attainmentPercent: 99.5, met: true, budgetUsedPercent: 50 });
    expect(r.slos[1]).toMatchObject({ id: 'empty', events: 0 });
    expect(r.slos[1]!.met).toBeUndefined();
    expect(r.overall).toMatchObject({ slos: 2, slosMet: 1 });
  });

  it('counts probe and job outages inside the month only', () => {
    expect(r.checks).toMatchObject({ probes: 1, jobs: 1, withOutages: 1 });
    expect(r.checks.rows[0]).toMatchObject({ id: 'p1', outages: 2, downMinutes: 15 });
  });

  it('ranks the noisiest alerts by notifications received', () => {
    expect(r.alerts).toMatchObject({ total: 3, received: 57 });
    expect(r.alerts.noisiest[0]).toMatchObject({ dedupKey: 'disk', alerts: 2, received: 50 });
  });

  it('says when revenue assurance has no runs, and sums leakage per currency when it has', () => {
    expect(r.revenue).toMatchObject({ available: false, runs: 0 });
    const withRa = computeMonthlyReport({
      ...input(),
      revenueRuns: [
        { runId: 'r1', period: '2026-04', status: 'done', findings: 3, leakage: 12.5, currency: 'EUR' },
        { runId: 'r2', period: '2026-04', status: 'done', findings: 1, leakage: 0.25, currency: 'EUR' },
      ],
    });
    expect(withRa.revenue).toMatchObject({
      available: true,
      runs: 2,
      findings: 4,
      leakage: [{ currency: 'EUR', amount: 12.75 }],
    });
  });

  it('formats durations', () => {
    expect([duration(42), duration(252), duration(11_100), duration(180_000), duration(undefined)]).toEqual([
      '42 s',
      '4 m 12 s',
      '3 h 05 m',
      '2 d 2 h',
      '–',
    ]);
  });
});

describe('rendering', () => {
  const r = computeMonthlyReport(input());
  const doc = reportDocument(r, '2026-05-01T00:30:00.000Z');

  it('writes one self-contained HTML page with inline SVG charts and escaped text', () => {
    const html = reportHtml(doc);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('Operations and SLA report: April 2026');
    expect(html).toContain('Billing &lt;API&gt;');
    expect(html).not.toContain('<API>');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).not.toMatch(/<script|<link |src=/);
    expect(html).toContain('Revenue assurance: no runs in the month.');
  });

  it('writes a PDF that parses back, dated at generation', async () => {
    const bytes = await reportPdf(doc, new Date('2026-05-01T00:30:00Z'));
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const back = await PDFDocument.load(bytes);
    expect(back.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(back.getTitle()).toBe('Operations and SLA report: April 2026');
    expect(back.getCreationDate()?.toISOString()).toBe('2026-05-01T00:30:00.000Z');
    const again = await reportPdf(doc, new Date('2026-05-01T00:30:00Z'));
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('prints what the standard fonts cannot encode as ?', () => {
    expect(winAnsi('Zürich – ok ✓ 東京')).toBe('Zürich – ok ? ??');
  });
});

// bench:slo — the evaluation arithmetic of one minute tick over 100 SLOs, each with 30 days of
// per-minute counts (43,200 minutes): building each SLO's series (prefix sums, maintenance
// masked) and evaluating budget, five burn windows and the three conditions. The storage reads
// of a tick (one Query of ≤ 721 hour items per SLO) are not part of this figure.
// Prints one JSON line.
import { MinuteSeries, evaluateSlo, lookbackStart } from '../shared/domain/slo/evaluate';
import { createSloSchema, type MinutePoint, type Slo } from '../shared/domain/slo/model';

const SLOS = 100;
const DAYS = 30;
const MIN = 60_000;
const now = Date.parse('2026-11-30T12:00:30Z');

function slo(i: number): Slo {
  const base = createSloSchema.parse({
    name: `SLO ${i}`,
    service: `svc-${i % 20}`,
    objective: [99, 99.5, 99.9, 99.95][i % 4],
    timeZone: ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'][i % 4],
    window: i % 2 ? { kind: 'rolling', days: 30 } : { kind: 'calendar', unit: 'month' },
    sli: { kind: 'ratio' },
    maintenance: [{ start: '2026-11-20T01:00:00Z', end: '2026-11-20T02:00:00Z' }],
  });
  return { ...base, id: `slo-${i}`, createdAt: '', updatedAt: '', version: 1 };
}

function history(i: number): MinutePoint[] {
  const out: MinutePoint[] = [];
  const end = Math.floor(now / MIN) * MIN;
  for (let t = end - DAYS * 1440 * MIN; t <= end; t += MIN) {
    const total = 500 + ((t / MIN + i) % 300);
    out.push({ minute: t, total, good: total - ((t / MIN) % 997 === i % 997 ? 50 : 0) });
  }
  return out;
}

const defs = Array.from({ length: SLOS }, (_, i) => slo(i));
const data = defs.map((_, i) => history(i));
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;

const ticks: number[] = [];
const statuses: Record<string, number> = {};
for (let tick = 0; tick < 5; tick++) {
  const at = now + tick * MIN;
  const t0 = performance.now();
  for (let i = 0; i < SLOS; i++) {
    const s = defs[i]!;
    const e = evaluateSlo(s, new MinuteSeries(data[i]!, lookbackStart(s, at), at + MIN, s.maintenance), at);
    if (tick === 0) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
  }
  ticks.push(performance.now() - t0);
}
const sorted = [...ticks].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    bench: 'slo',
    slos: SLOS,
    minutesPerSlo: data[0]!.length,
    tickMs: { median: Math.round(sorted[2]! * 10) / 10, max: Math.round(sorted[4]! * 10) / 10 },
    perSloMs: Math.round((sorted[2]! / SLOS) * 100) / 100,
    statuses,
    heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    heapForTickMb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6),
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
    note: 'evaluation arithmetic only; storage reads and the monthly report are not measured',
  }),
);

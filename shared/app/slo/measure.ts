// Loading an SLO's SLI as minute counts, then evaluating it (shared/domain/slo/evaluate.ts does
// the arithmetic). Ratio SLIs read the counts pushed through the API; availability SLIs derive one
// event per minute from the same downtime the availability report counts: the service's probe
// down intervals and its P1/P2 incidents (shared/domain/probes/availability.ts), merged.
import { clip, downIntervals, merge, type SourcedInterval } from '../../domain/probes/availability';
import {
  MinuteSeries,
  availabilityPoints,
  evaluateSlo,
  floorMinute,
  lookbackStart,
  sloHistory,
  type HistoryPoint,
  type SloEvaluation,
} from '../../domain/slo/evaluate';
import type { MinutePoint, Slo } from '../../domain/slo/model';
import { incidentDowntimeIntervals } from '../../store/incidents';
import { statusFlipsBetween } from '../../store/probe-history';
import { probesOfService } from '../../store/probes';
import { sliCountsBetween } from '../../store/slo';

const MINUTE = 60_000;

async function serviceDownIntervals(service: string, from: number, to: number): Promise<SourcedInterval[]> {
  const probes = await probesOfService(service);
  const [flips, incidents] = await Promise.all([
    Promise.all(
      probes.map(async (p) => ({
        id: p.id,
        ...(await statusFlipsBetween('probe', p.id, new Date(from), new Date(to))),
      })),
    ),
    incidentDowntimeIntervals(service, new Date(from), new Date(to)),
  ]);
  const probeIntervals = flips.flatMap((p) =>
    clip(downIntervals(p.statusBefore, p.flips, to), from, to).map((i) => ({ ...i, source: `probe:${p.id}` })),
  );
  const incidentIntervals = clip(
    incidents.map((i) => ({
      start: Date.parse(i.start),
      end: i.end ? Date.parse(i.end) : to,
      source: `incident:${i.incidentId}`,
    })),
    from,
    to,
  );
  return merge([...probeIntervals, ...incidentIntervals]).map((i) => ({ ...i, source: i.sources.join(',') }));
}

/** The SLI's minute counts in [from, to). Availability counts only minutes since the SLO exists. */
export async function sliPoints(slo: Slo, from: number, to: number): Promise<MinutePoint[]> {
  if (slo.sli.kind === 'ratio') return sliCountsBetween(slo.id, from, to);
  const start = Math.max(from, floorMinute(Date.parse(slo.createdAt)));
  if (start >= to) return [];
  return availabilityPoints(await serviceDownIntervals(slo.service, start, to), start, to);
}

export async function sloSeries(slo: Slo, from: number, to: number): Promise<MinuteSeries> {
  return new MinuteSeries(await sliPoints(slo, from, to), from, to, slo.maintenance);
}

/** Evaluate at `now`: SLI, budget left, burn rates per window, conditions and status. */
export async function measureSlo(slo: Slo, now: Date): Promise<SloEvaluation> {
  const t = now.getTime();
  const to = floorMinute(t) + MINUTE;
  return evaluateSlo(slo, await sloSeries(slo, lookbackStart(slo, t), to), t);
}

/** History points for charts over [from, to). */
export async function measureHistory(slo: Slo, from: Date, to: Date, stepMinutes: number): Promise<HistoryPoint[]> {
  // Reading back one budget window before `from` lets each point show the budget as it was then.
  const start = lookbackStart(slo, from.getTime());
  return sloHistory(slo, await sloSeries(slo, start, to.getTime()), from.getTime(), to.getTime(), stepMinutes);
}

// Gathering what availability needs: the service (SLA target), the status flips of its probes,
// its P1/P2 incidents in the month, the impact declared for it on the status page and the
// maintenance windows of its SLOs;
// shared/domain/probes/availability.ts does the sums.
import {
  availability,
  currentMonth,
  monthRange,
  type AvailabilityReport,
} from '../../shared/domain/probes/availability';
import { NotFoundError } from '../../shared/domain/errors';
import type { Service } from '../../shared/domain/services';
import type { Slo } from '../../shared/domain/slo/model';
import { impactDowntime, type PublicIncident } from '../../shared/domain/statuspage/model';
import { incidentDowntimeIntervals } from '../../shared/store/incidents';
import { statusFlipsBetween } from '../../shared/store/probe-history';
import { probesOfService } from '../../shared/store/probes';
import { getService, listServices } from '../../shared/store/services';
import { slos } from '../../shared/store/slo';
import { publicIncidentsCreatedBefore } from '../../shared/store/statuspage';
import { mapBounded } from '../../shared/app/map-bounded';

/** Flips decided this long after the month's end can still end a down interval inside it. */
const LATE_FLIP_MS = 86_400_000;
const CONCURRENCY = 8;

/** What every service's figures read alike, loaded once for many services. */
interface Shared {
  /** Public incidents created before the end of the measured period. */
  publicIncidents: PublicIncident[];
  slos: Slo[];
}

const loadShared = async (until: Date): Promise<Shared> => {
  const [publicIncidents, all] = await Promise.all([publicIncidentsCreatedBefore(until), slos.all()]);
  return { publicIncidents, slos: all };
};

export async function serviceAvailability(
  service: Service,
  month: string,
  now: Date,
  shared?: Shared,
): Promise<AvailabilityReport> {
  const { from, to } = monthRange(month);
  const until = new Date(Math.min(to.getTime(), now.getTime()));
  const probes = await probesOfService(service.id);
  const [flips, incidents, { publicIncidents, slos: serviceSlos }] = await Promise.all([
    mapBounded(probes, CONCURRENCY, async (p) => ({
      id: p.id,
      ...(await statusFlipsBetween('probe', p.id, from, new Date(until.getTime() + LATE_FLIP_MS))),
    })),
    incidentDowntimeIntervals(service.id, from, until),
    shared ?? loadShared(until),
  ]);
  return availability({
    serviceId: service.id,
    serviceName: service.name,
    month,
    now,
    slaTarget: service.slaTarget,
    probes: flips,
    incidents,
    impact: impactDowntime(publicIncidents, service.id, from, until),
    maintenance: serviceSlos
      .filter((o) => o.service === service.id)
      .flatMap((o) => o.maintenance.map((m) => ({ start: Date.parse(m.start), end: Date.parse(m.end) }))),
  });
}

export async function availabilityOf(
  serviceId: string,
  month: string | undefined,
  now: Date,
): Promise<AvailabilityReport> {
  const service = await getService(serviceId);
  if (!service) throw new NotFoundError(`No service with id ${serviceId}.`);
  return serviceAvailability(service, month ?? currentMonth(now), now);
}

export interface AvailabilitySummary {
  month: string;
  services: Array<Omit<AvailabilityReport, 'intervals'> & { tier?: number }>;
  /** Services whose downtime is over what their SLA allows for the month. */
  breached: string[];
}

export async function availabilitySummary(month: string | undefined, now: Date): Promise<AvailabilitySummary> {
  const m = month ?? currentMonth(now);
  const until = new Date(Math.min(monthRange(m).to.getTime(), now.getTime()));
  const [all, shared] = await Promise.all([listServices(), loadShared(until)]);
  const reports = await mapBounded(all, CONCURRENCY, async (s) => {
    const { intervals: _i, ...rest } = await serviceAvailability(s, m, now, shared);
    return { ...rest, tier: s.tier };
  });
  reports.sort((a, b) => a.availabilityPercent - b.availabilityPercent || a.serviceId.localeCompare(b.serviceId));
  return { month: m, services: reports, breached: reports.filter((r) => r.slaMet === false).map((r) => r.serviceId) };
}

// Response metrics, pure. Per incident: time to detect (first alert → incident opened), to
// acknowledge (opened → first acknowledgement) and to resolve (opened → resolved). Per group:
// counts, mean and p90 of each, and how many were acknowledged within their severity's target.
import * as z from 'zod';

export const SEVERITY_ACK_TARGET_MINUTES: Record<string, number> = { P1: 5, P2: 15, P3: 30, P4: 60, P5: 240 };

export type GroupBy = 'team' | 'service' | 'severity';

export interface IncidentTimes {
  id: string;
  number: number;
  severity: string;
  teamId?: string;
  serviceId?: string;
  detectedAt: string;
  openedAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  mergedInto?: string;
}

export interface ResponseTimes {
  incidentId: string;
  number: number;
  severity: string;
  teamId?: string;
  serviceId?: string;
  openedAt: string;
  timeToDetectSeconds: number;
  timeToAcknowledgeSeconds?: number;
  timeToResolveSeconds?: number;
}

const seconds = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

export function responseTimes(i: IncidentTimes): ResponseTimes {
  return {
    incidentId: i.id,
    number: i.number,
    severity: i.severity,
    teamId: i.teamId,
    serviceId: i.serviceId,
    openedAt: i.openedAt,
    timeToDetectSeconds: seconds(i.detectedAt, i.openedAt),
    timeToAcknowledgeSeconds: i.acknowledgedAt ? seconds(i.openedAt, i.acknowledgedAt) : undefined,
    timeToResolveSeconds: i.resolvedAt ? seconds(i.openedAt, i.resolvedAt) : undefined,
  };
}

export interface Stat {
  count: number;
  meanSeconds?: number;
  p90Seconds?: number;
}

/** Mean and p90 (nearest rank) of the values present. */
export function stat(values: Array<number | undefined>): Stat {
  const v = values.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  if (!v.length) return { count: 0 };
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { count: v.length, meanSeconds: Math.round(mean), p90Seconds: v[Math.ceil(0.9 * v.length) - 1]! };
}

export interface ResponseGroup {
  key: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  timeToDetect: Stat;
  timeToAcknowledge: Stat;
  timeToResolve: Stat;
  acknowledgedWithinTarget: { count: number; ratio?: number };
}

function keyOf(t: ResponseTimes, by: GroupBy): string {
  if (by === 'team') return t.teamId ?? 'none';
  if (by === 'service') return t.serviceId ?? 'none';
  return t.severity;
}

function group(key: string, items: ResponseTimes[], targetMinutes: (severity: string) => number): ResponseGroup {
  const within = items.filter(
    (t) => t.timeToAcknowledgeSeconds !== undefined && t.timeToAcknowledgeSeconds <= targetMinutes(t.severity) * 60,
  ).length;
  return {
    key,
    incidents: items.length,
    acknowledged: items.filter((t) => t.timeToAcknowledgeSeconds !== undefined).length,
    resolved: items.filter((t) => t.timeToResolveSeconds !== undefined).length,
    timeToDetect: stat(items.map((t) => t.timeToDetectSeconds)),
    timeToAcknowledge: stat(items.map((t) => t.timeToAcknowledgeSeconds)),
    timeToResolve: stat(items.map((t) => t.timeToResolveSeconds)),
    acknowledgedWithinTarget: {
      count: within,
      ratio: items.length ? Math.round((within / items.length) * 10000) / 10000 : undefined,
    },
  };
}

export interface ResponseReport {
  groupBy: GroupBy;
  ackTargetMinutes: Record<string, number>;
  total: ResponseGroup;
  groups: ResponseGroup[];
}

/**
 * Incidents merged into another are left out (their time is the target's). The acknowledgement
 * target is per severity, or one figure for all when `ackTargetMinutes` is given.
 */
export function responseReport(
  incidents: IncidentTimes[],
  groupBy: GroupBy,
  ackTargetMinutes?: number,
): ResponseReport {
  const targets =
    ackTargetMinutes === undefined
      ? SEVERITY_ACK_TARGET_MINUTES
      : Object.fromEntries(Object.keys(SEVERITY_ACK_TARGET_MINUTES).map((s) => [s, ackTargetMinutes]));
  const targetOf = (severity: string) => targets[severity] ?? ackTargetMinutes ?? 60;
  const times = incidents.filter((i) => !i.mergedInto).map(responseTimes);
  const byKey = new Map<string, ResponseTimes[]>();
  for (const t of times) byKey.set(keyOf(t, groupBy), [...(byKey.get(keyOf(t, groupBy)) ?? []), t]);
  return {
    groupBy,
    ackTargetMinutes: targets,
    total: group('all', times, targetOf),
    groups: [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, items]) => group(k, items, targetOf)),
  };
}

/** GET /reports/response */
export const responseQuerySchema = z.object({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Incidents opened at or after (default: 30 days before to)'),
  to: z.iso.datetime({ offset: true }).optional().describe('Incidents opened at or before (default: now)'),
  groupBy: z.enum(['team', 'service', 'severity']).default('team'),
  team: z.string().min(1).max(64).optional(),
  service: z.string().min(1).max(64).optional(),
  ackTargetMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .optional()
    .describe('One target for all severities (default: P1 5, P2 15, P3 30, P4 60, P5 240)'),
  incidents: z.enum(['true', 'false']).default('false').describe('true: include each incident’s times'),
});

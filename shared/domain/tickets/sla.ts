// SLA policies and the two clocks every ticket under a policy carries: first response and
// resolution. A clock counts business time of the policy's calendar from the ticket's creation,
// stops counting while the ticket waits on the requester (pending) or is resolved, and knows
// its warning (default 80 %) and breach instants. Pure: callers pass the calendar and the time.
import * as z from 'zod';
import { addBusinessMs, businessMsBetween, type BusinessCalendar } from './business-time';

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const prioritySchema = z.enum(PRIORITIES);
export type Priority = z.infer<typeof prioritySchema>;

/** One step more urgent (P1 stays P1). */
export function raisePriority(p: Priority): Priority {
  return PRIORITIES[Math.max(0, PRIORITIES.indexOf(p) - 1)]!;
}

const targetSchema = z.object({
  /** Business minutes from creation to the first public answer of an agent. */
  firstResponseMinutes: z.number().int().min(1).max(525600),
  /** Business minutes from creation to resolution (pauses excluded). */
  resolutionMinutes: z.number().int().min(1).max(525600),
});

export const slaPolicySchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  calendarId: z.string().min(1).max(64),
  targets: z.partialRecord(prioritySchema, targetSchema),
  /** Warn when this share of a target has been used. */
  warnAtPercent: z.number().int().min(1).max(99).default(80),
  onBreach: z
    .object({
      /** Notify the queue lead (escalation). */
      escalateToLead: z.boolean().default(true),
      /** Raise the ticket's priority one step when its resolution target is breached. */
      raisePriority: z.boolean().default(false),
    })
    .default({ escalateToLead: true, raisePriority: false }),
});
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export const CLOCKS = ['firstResponse', 'resolution'] as const;
export type ClockName = (typeof CLOCKS)[number];

export interface SlaClock {
  targetMinutes: number;
  startedAt: string;
  /** Business ms during which the clock did not count (pending, resolved before a reopen). */
  pausedMs: number;
  /** Set while the clock does not count. */
  pausedSince?: string;
  /** When it will be breached / warned; absent while paused or stopped. */
  dueAt?: string;
  warnAt?: string;
  /** When the target was met (first response given, ticket resolved); the clock stopped then. */
  metAt?: string;
  /** Whether the target was met in time (set with metAt). */
  met?: boolean;
  warnedAt?: string;
  breachedAt?: string;
}

export interface TicketSla {
  policyId: string;
  calendarId: string;
  warnAtPercent: number;
  firstResponse: SlaClock;
  resolution: SlaClock;
}

const MINUTE = 60_000;

function schedule(cal: BusinessCalendar, c: SlaClock, warnAtPercent: number): SlaClock {
  const start = new Date(c.startedAt);
  const totalMs = c.targetMinutes * MINUTE;
  return {
    ...c,
    dueAt: addBusinessMs(cal, start, totalMs + c.pausedMs).toISOString(),
    warnAt: addBusinessMs(cal, start, Math.floor((totalMs * warnAtPercent) / 100) + c.pausedMs).toISOString(),
  };
}

function startClock(cal: BusinessCalendar, targetMinutes: number, at: Date, warnAtPercent: number): SlaClock {
  return schedule(cal, { targetMinutes, startedAt: at.toISOString(), pausedMs: 0 }, warnAtPercent);
}

/** The SLA of a new ticket, or undefined when the policy has no target for its priority. */
export function startSla(
  policy: SlaPolicy,
  cal: BusinessCalendar,
  priority: Priority,
  at: Date,
  paused = false,
): TicketSla | undefined {
  const target = policy.targets[priority];
  if (!target) return undefined;
  const sla: TicketSla = {
    policyId: policy.id,
    calendarId: cal.id,
    warnAtPercent: policy.warnAtPercent,
    firstResponse: startClock(cal, target.firstResponseMinutes, at, policy.warnAtPercent),
    resolution: startClock(cal, target.resolutionMinutes, at, policy.warnAtPercent),
  };
  return paused ? pauseSla(sla, at) : sla;
}

function running(c: SlaClock): boolean {
  return !c.metAt && !c.pausedSince;
}

function pauseClock(c: SlaClock, at: Date): SlaClock {
  if (!running(c)) return c;
  const { dueAt: _d, warnAt: _w, ...rest } = c;
  return { ...rest, pausedSince: at.toISOString() };
}

function resumeClock(cal: BusinessCalendar, c: SlaClock, at: Date, warnAtPercent: number): SlaClock {
  if (!c.pausedSince || c.metAt) return c;
  const { pausedSince, ...rest } = c;
  return schedule(
    cal,
    { ...rest, pausedMs: c.pausedMs + businessMsBetween(cal, new Date(pausedSince), at) },
    warnAtPercent,
  );
}

/** Business ms the clock has counted at `now` (pauses excluded). */
export function elapsedMs(cal: BusinessCalendar, c: SlaClock, now: Date): number {
  const end = c.metAt ?? c.pausedSince;
  const upTo = end && new Date(end) < now ? new Date(end) : now;
  return Math.max(0, businessMsBetween(cal, new Date(c.startedAt), upTo) - c.pausedMs);
}

function meetClock(cal: BusinessCalendar, c: SlaClock, at: Date): SlaClock {
  if (c.metAt) return c;
  const met = !c.breachedAt && elapsedMs(cal, c, at) <= c.targetMinutes * MINUTE;
  const { dueAt: _d, warnAt: _w, pausedSince: _p, ...rest } = c;
  const pausedMs = c.pausedSince ? c.pausedMs + businessMsBetween(cal, new Date(c.pausedSince), at) : c.pausedMs;
  return { ...rest, pausedMs, metAt: at.toISOString(), met };
}

/** The ticket now waits on its requester (pending): both clocks stop counting. */
export function pauseSla(sla: TicketSla, at: Date): TicketSla {
  return { ...sla, firstResponse: pauseClock(sla.firstResponse, at), resolution: pauseClock(sla.resolution, at) };
}

/** The ticket is worked on again: paused clocks count again and get new deadlines. */
export function resumeSla(cal: BusinessCalendar, sla: TicketSla, at: Date): TicketSla {
  return {
    ...sla,
    firstResponse: resumeClock(cal, sla.firstResponse, at, sla.warnAtPercent),
    resolution: resumeClock(cal, sla.resolution, at, sla.warnAtPercent),
  };
}

/** An agent answered the requester publicly for the first time. */
export function meetFirstResponse(cal: BusinessCalendar, sla: TicketSla, at: Date): TicketSla {
  return { ...sla, firstResponse: meetClock(cal, sla.firstResponse, at) };
}

/** The ticket was resolved: the resolution clock stops (and first response counts as given). */
export function meetResolution(cal: BusinessCalendar, sla: TicketSla, at: Date): TicketSla {
  return {
    ...sla,
    firstResponse: meetClock(cal, sla.firstResponse, at),
    resolution: meetClock(cal, sla.resolution, at),
  };
}

/** A resolved ticket reopened: the resolution clock counts again; time while resolved is excluded. */
export function reopenSla(cal: BusinessCalendar, sla: TicketSla, at: Date): TicketSla {
  const c = sla.resolution;
  if (!c.metAt) return sla;
  const { metAt, met: _m, ...rest } = c;
  const resumed = resumeClock(cal, { ...rest, pausedSince: metAt }, at, sla.warnAtPercent);
  return { ...sla, resolution: resumed };
}

/** Priority changed: the clocks keep their start and pauses and take the new targets. */
export function retargetSla(policy: SlaPolicy, cal: BusinessCalendar, sla: TicketSla, priority: Priority): TicketSla {
  const target = policy.targets[priority];
  if (!target) return sla;
  const re = (c: SlaClock, minutes: number): SlaClock => {
    const next = { ...c, targetMinutes: minutes };
    return running(next) ? schedule(cal, next, sla.warnAtPercent) : next;
  };
  return {
    ...sla,
    firstResponse: re(sla.firstResponse, target.firstResponseMinutes),
    resolution: re(sla.resolution, target.resolutionMinutes),
  };
}

export type SlaStage = 'warn' | 'breach';

/** What a due SLA timer should do now, judged on the committed clock. */
export function dueStage(c: SlaClock, stage: SlaStage, now: Date): 'fire' | 'not-yet' | 'moot' {
  if (!running(c)) return 'moot';
  if (stage === 'warn') {
    if (c.warnedAt || c.breachedAt || !c.warnAt) return 'moot';
    return new Date(c.warnAt) <= now ? 'fire' : 'not-yet';
  }
  if (c.breachedAt || !c.dueAt) return 'moot';
  return new Date(c.dueAt) <= now ? 'fire' : 'not-yet';
}

/** The timers a clock needs now: stage → due time. */
export function wantedTimers(c: SlaClock): Partial<Record<SlaStage, string>> {
  if (!running(c)) return {};
  const out: Partial<Record<SlaStage, string>> = {};
  if (c.warnAt && !c.warnedAt && !c.breachedAt) out.warn = c.warnAt;
  if (c.dueAt && !c.breachedAt) out.breach = c.dueAt;
  return out;
}

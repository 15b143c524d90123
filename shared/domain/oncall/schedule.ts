// On-call schedules, pure: layers of rotations with restrictions, plus overrides, turned into the
// final shifts (who is on call when). All calendar math is luxon in the layer's IANA zone, never
// hand-written offsets: handoffs stay at the same wall-clock time across daylight-saving changes,
// so a shift that spans a change is an hour shorter or longer in real time.
import { DateTime } from 'luxon';
import * as z from 'zod';
import { oncallIdSchema, timeZoneSchema } from './people';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a wall-clock time HH:mm, e.g. 09:00');
const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'a wall-clock date and time without offset, e.g. 2026-01-05T09:00')
  .refine((s) => DateTime.fromISO(s, { zone: 'utc' }).isValid, 'not a real date and time');
const instant = z.iso.datetime({ offset: true });

export const restrictionSchema = z
  .object({
    /** Days on which the window starts (default: every day). */
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .default([...WEEKDAYS]),
    start: hhmm,
    /** At or before start: the window ends the next day (22:00-06:00); equal to start: 24 hours. */
    end: hhmm,
  })
  .strict();
export type Restriction = z.infer<typeof restrictionSchema>;

const UNIT_MAX = { hours: 24 * 31, days: 90, weeks: 12 } as const;
export const rotationSchema = z
  .object({ every: z.number().int().min(1), unit: z.enum(['hours', 'days', 'weeks']) })
  .strict()
  .refine((r) => r.every <= UNIT_MAX[r.unit], {
    message: 'a shift is at most 744 hours, 90 days or 12 weeks',
    path: ['every'],
  });
export type Rotation = z.infer<typeof rotationSchema>;

export const layerSchema = z
  .object({
    id: oncallIdSchema,
    name: z.string().trim().min(1).max(200).optional(),
    /** In rotation order: the first takes the shift that starts at `start`. */
    participants: z.array(oncallIdSchema).min(1).max(50),
    rotation: rotationSchema,
    /** The first handoff, wall-clock time in the layer's zone. Nobody is on call from this layer before it. */
    start: localDateTime,
    end: localDateTime.optional(),
    /** Defaults to the schedule's zone. */
    timeZone: timeZoneSchema.optional(),
    /** When set, the layer covers only these windows (e.g. weekdays 09:00-18:00). */
    restrictions: z.array(restrictionSchema).max(14).default([]),
  })
  .strict();
export type Layer = z.infer<typeof layerSchema>;

const overrideFields = z
  .object({
    id: oncallIdSchema,
    userId: oncallIdSchema,
    start: instant,
    end: instant,
    reason: z.string().max(500).optional(),
  })
  .strict();
const overrideSpan = <T extends z.ZodType<{ start: string; end: string }>>(schema: T) =>
  schema
    .refine((o) => Date.parse(o.end) > Date.parse(o.start), { message: 'end must be after start', path: ['end'] })
    .refine((o) => Date.parse(o.end) - Date.parse(o.start) <= 92 * 86400000, {
      message: 'an override covers at most 92 days',
      path: ['end'],
    });
export const overrideSchema = overrideSpan(overrideFields);
/** POST /schedules/{id}/overrides: the id may be left to Nocturne. */
export const newOverrideSchema = overrideSpan(overrideFields.extend({ id: oncallIdSchema.optional() }));
export type Override = z.infer<typeof overrideSchema>;

const scheduleFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  timeZone: timeZoneSchema,
  /** Bottom to top: where a later layer has someone, it wins over the layers before it. */
  layers: z.array(layerSchema).min(1).max(10),
  /** Later overrides win over earlier ones; any override wins over every layer. */
  overrides: z.array(overrideSchema).max(200).default([]),
};

function uniqueIds(field: string, items: Array<{ id: string }>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((it, i) => {
    if (seen.has(it.id)) ctx.addIssue({ code: 'custom', path: [field, i, 'id'], message: `duplicate id ${it.id}` });
    seen.add(it.id);
  });
}

function layerEndsAfterStart(layers: Layer[], ctx: z.RefinementCtx): void {
  layers.forEach((l, i) => {
    if (l.end && DateTime.fromISO(l.end, { zone: 'utc' }) <= DateTime.fromISO(l.start, { zone: 'utc' }))
      ctx.addIssue({ code: 'custom', path: ['layers', i, 'end'], message: 'end must be after start' });
  });
}

export const createScheduleSchema = z
  .object({ id: oncallIdSchema, ...scheduleFields })
  .strict()
  .superRefine((s, ctx) => {
    uniqueIds('layers', s.layers, ctx);
    uniqueIds('overrides', s.overrides, ctx);
    layerEndsAfterStart(s.layers, ctx);
  });

export const updateScheduleSchema = z
  .object({
    name: scheduleFields.name.optional(),
    description: z.string().max(2000).nullable().optional(),
    timeZone: timeZoneSchema.optional(),
    layers: scheduleFields.layers.optional(),
    overrides: z.array(overrideSchema).max(200).optional(),
    version: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.layers) {
      uniqueIds('layers', s.layers, ctx);
      layerEndsAfterStart(s.layers, ctx);
    }
    if (s.overrides) uniqueIds('overrides', s.overrides, ctx);
  });

export interface Schedule {
  id: string;
  name: string;
  description?: string;
  timeZone: string;
  layers: Layer[];
  overrides: Override[];
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type ScheduleShape = Pick<Schedule, 'timeZone' | 'layers' | 'overrides'>;

/** A final shift: who is on call over [start, end), and which layer or override put them there. */
export interface Shift {
  userId: string;
  start: string;
  end: string;
  layerId?: string;
  overrideId?: string;
}

interface Interval {
  start: number;
  end: number;
  userId: string;
  source: string;
}

/** Every user a schedule names (for reference checks). */
export function usersOf(s: ScheduleShape): string[] {
  return [...new Set([...s.layers.flatMap((l) => l.participants), ...s.overrides.map((o) => o.userId)])];
}

const NOMINAL_MS = { hours: 3600000, days: 86400000, weeks: 7 * 86400000 } as const;

/**
 * Start of shift k of a layer, in epoch ms. Shift lengths count wall-clock time in the zone:
 * the k-th handoff is the start's wall-clock time plus k shifts, placed in the zone by luxon (a
 * wall-clock time that does not exist, inside a spring-forward gap, moves forward).
 */
function shiftStart(layer: Layer, zone: string, k: number): number {
  const wall = DateTime.fromISO(layer.start, { zone: 'utc' }).plus({ [layer.rotation.unit]: k * layer.rotation.every });
  const { year, month, day, hour, minute, second } = wall.toObject();
  return DateTime.fromObject({ year, month, day, hour, minute, second }, { zone }).toMillis();
}

function wallToMs(local: string, zone: string): number {
  return DateTime.fromISO(local, { zone }).toMillis();
}

const MAX_SHIFTS = 50000;

/** The rotation's shifts that overlap [from, to), clipped to it. */
function rotationIntervals(layer: Layer, zone: string, from: number, to: number): Interval[] {
  const anchor = shiftStart(layer, zone, 0);
  const lo = Math.max(from, anchor);
  const hi = Math.min(to, layer.end ? wallToMs(layer.end, zone) : Infinity);
  if (lo >= hi) return [];
  const nominal = layer.rotation.every * NOMINAL_MS[layer.rotation.unit];
  let k = Math.max(0, Math.floor((lo - anchor) / nominal));
  while (k > 0 && shiftStart(layer, zone, k) > lo) k--;
  while (shiftStart(layer, zone, k + 1) <= lo) k++;
  const out: Interval[] = [];
  const n = layer.participants.length;
  for (let i = 0; i < MAX_SHIFTS; i++, k++) {
    const s = shiftStart(layer, zone, k);
    if (s >= hi) break;
    const e = shiftStart(layer, zone, k + 1);
    out.push({
      start: Math.max(s, lo),
      end: Math.min(e, hi),
      userId: layer.participants[k % n]!,
      source: `layer:${layer.id}`,
    });
  }
  return out;
}

function at(day: DateTime, time: string): DateTime {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  return DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone: day.zone });
}

/** The union of a layer's restriction windows over [from, to), sorted and merged. */
function restrictionWindows(
  restrictions: Restriction[],
  zone: string,
  from: number,
  to: number,
): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let day = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
  const last = DateTime.fromMillis(to, { zone }).startOf('day');
  while (day <= last) {
    const weekday = WEEKDAYS[day.weekday - 1]!;
    for (const r of restrictions) {
      if (!r.days.includes(weekday)) continue;
      const ws = at(day, r.start);
      const we = r.end <= r.start ? at(day.plus({ days: 1 }), r.end) : at(day, r.end);
      const s = Math.max(ws.toMillis(), from);
      const e = Math.min(we.toMillis(), to);
      if (s < e) windows.push([s, e]);
    }
    day = day.plus({ days: 1 });
  }
  windows.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const w of windows) {
    const top = merged[merged.length - 1];
    if (top && w[0] <= top[1]) top[1] = Math.max(top[1], w[1]);
    else merged.push([w[0], w[1]]);
  }
  return merged;
}

function intersect(intervals: Interval[], windows: Array<[number, number]>): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const iv of intervals) {
    while (j < windows.length && windows[j]![1] <= iv.start) j++;
    for (let w = j; w < windows.length && windows[w]![0] < iv.end; w++) {
      const s = Math.max(iv.start, windows[w]![0]);
      const e = Math.min(iv.end, windows[w]![1]);
      if (s < e) out.push({ ...iv, start: s, end: e });
    }
  }
  return out;
}

/** One layer's coverage over [from, to): its rotation, cut down to its restriction windows. */
export function layerIntervals(layer: Layer, scheduleZone: string, from: number, to: number): Interval[] {
  const zone = layer.timeZone ?? scheduleZone;
  const rotation = rotationIntervals(layer, zone, from, to);
  if (!layer.restrictions.length) return rotation;
  return intersect(rotation, restrictionWindows(layer.restrictions, zone, from, to));
}

function covering(intervals: Interval[], t: number): Interval | undefined {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const iv = intervals[mid]!;
    if (t < iv.start) hi = mid - 1;
    else if (t >= iv.end) lo = mid + 1;
    else return iv;
  }
  return undefined;
}

/**
 * The final shifts over [from, to): at every moment the latest override that covers it wins,
 * else the highest layer that has someone then. Adjacent pieces with the same person from the
 * same layer or override are joined; moments nobody covers are left out.
 */
export function finalShifts(s: ScheduleShape, from: Date, to: Date): Shift[] {
  const f = from.getTime();
  const t = to.getTime();
  if (!(f < t)) return [];
  const layers = s.layers.map((l) => layerIntervals(l, s.timeZone, f, t));
  const overrides: Interval[] = s.overrides
    .map((o) => ({
      start: Math.max(Date.parse(o.start), f),
      end: Math.min(Date.parse(o.end), t),
      userId: o.userId,
      source: `override:${o.id}`,
    }))
    .filter((o) => o.start < o.end);
  const points = new Set<number>([f, t]);
  for (const iv of [...layers.flat(), ...overrides]) {
    points.add(iv.start);
    points.add(iv.end);
  }
  const sorted = [...points].sort((a, b) => a - b);
  const pieces: Interval[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    let winner: Interval | undefined;
    for (let o = overrides.length - 1; o >= 0 && !winner; o--)
      if (overrides[o]!.start <= a && a < overrides[o]!.end) winner = overrides[o];
    for (let l = layers.length - 1; l >= 0 && !winner; l--) winner = covering(layers[l]!, a);
    if (!winner) continue;
    const prev = pieces[pieces.length - 1];
    if (prev && prev.end === a && prev.userId === winner.userId && prev.source === winner.source) prev.end = b;
    else pieces.push({ start: a, end: b, userId: winner.userId, source: winner.source });
  }
  return pieces.map((p) => ({
    userId: p.userId,
    start: new Date(p.start).toISOString(),
    end: new Date(p.end).toISOString(),
    ...(p.source.startsWith('layer:') ? { layerId: p.source.slice(6) } : { overrideId: p.source.slice(9) }),
  }));
}

const DAY_MS = 86400000;

/** Who is on call at `at`, with the final shift that covers it (looked for within a window around it). */
export function onCallAt(s: ScheduleShape, when: Date): Shift | undefined {
  const longest = Math.max(...s.layers.map((l) => l.rotation.every * NOMINAL_MS[l.rotation.unit]), DAY_MS);
  const reach = Math.min(2 * longest, 120 * DAY_MS);
  const t = when.getTime();
  return finalShifts(s, new Date(t - reach), new Date(t + reach)).find(
    (sh) => Date.parse(sh.start) <= t && t < Date.parse(sh.end),
  );
}

/** An instant as wall-clock time with offset in a zone, for people reading shifts. */
export function inZone(instantIso: string, zone: string): string {
  return (
    DateTime.fromISO(instantIso, { zone: 'utc' }).setZone(zone).toISO({ suppressMilliseconds: true }) ?? instantIso
  );
}

/** GET /schedules/{id}/oncall */
export const onCallQuerySchema = z.object({ at: instant.optional().describe('When (default: now)') });
/** GET /schedules/{id}/shifts: at most 92 days. */
export const shiftsQuerySchema = z.object({
  from: instant.optional().describe('Start of the range (default: now)'),
  to: instant.optional().describe('End of the range (default: from + 7 days)'),
});

// What an operator defines as a service level objective (docs/slo.md): an SLI (good/total events
// pushed per minute, or availability from the service's probes and incidents), an objective in
// (0, 100), a window (rolling N days, or the calendar month or quarter in the service's time zone)
// and maintenance windows that count neither for nor against it. These zod schemas validate the
// ops API and are its OpenAPI description. Pure: no I/O.
import * as z from 'zod';
import { refIdSchema, slugSchema } from '../probes/ids';
import { isTimeZone } from '../time-zone';

export const SLO_INTEGRATION_ID = 'nocturne-slo';
export const SLO_INTEGRATION_NAME = 'Nocturne SLO burn-rate alerts (built in)';

export const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine((z) => isTimeZone(z), 'an IANA time zone the window can be expressed in (e.g. Europe/Berlin)');

export const sloWindowSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rolling'),
    /** Rolling N calendar days in the service's time zone (a DST day is 23 or 25 hours). */
    days: z.number().int().min(1).max(90),
  }),
  z.object({
    kind: z.literal('calendar'),
    /** The budget is whole again at each boundary, midnight in the service's time zone. */
    unit: z.enum(['month', 'quarter']),
  }),
]);
export type SloWindow = z.infer<typeof sloWindowSchema>;

export const sliSchema = z.discriminatedUnion('kind', [
  z.object({
    /** good/total counts per minute pushed through POST /slos/{id}/events by any system. */
    kind: z.literal('ratio'),
    /** What a good event is, in words (OpenSLO's ratioMetric description). */
    good: z.string().max(500).optional(),
    total: z.string().max(500).optional(),
  }),
  z.object({
    /** One event per minute, good unless the service was down (a probe down or a P1/P2 incident). */
    kind: z.literal('availability'),
  }),
]);
export type Sli = z.infer<typeof sliSchema>;

const isoInstant = z.iso.datetime({ offset: true });
export const maintenanceWindowSchema = z
  .object({ start: isoInstant, end: isoInstant, reason: z.string().max(500).optional() })
  .refine((m) => Date.parse(m.end) > Date.parse(m.start), { message: 'end must be after start', path: ['end'] });
export type MaintenanceWindow = z.infer<typeof maintenanceWindowSchema>;

export const sloAlertingSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Low-traffic guard: a condition fires only when its long window saw at least this many events. */
    minEvents: z.number().int().min(0).max(1_000_000).default(50),
  })
  .default({ enabled: true, minEvents: 50 });

const labelsSchema = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a label name: letters, digits and underscores'),
    z.string().max(256),
  )
  .refine((l) => Object.keys(l).length <= 20, 'at most 20 labels')
  .optional();

const sloFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  service: refIdSchema,
  team: refIdSchema.optional(),
  timeZone: timeZoneSchema.default('UTC'),
  /** Percent of good events, strictly between 0 and 100 (99.9 leaves a 0.1 % error budget). */
  objective: z.number().gt(0, 'must be above 0').lt(100, 'must be below 100'),
  window: sloWindowSchema,
  sli: sliSchema,
  maintenance: z.array(maintenanceWindowSchema).max(200).default([]),
  alerting: sloAlertingSchema,
  labels: labelsSchema,
};

export const createSloSchema = z.object({ id: slugSchema.optional(), ...sloFields }).meta({ id: 'SloInput' });
export type CreateSloInput = z.infer<typeof createSloSchema>;

export const updateSloSchema = z
  .object({
    version: z.number().int().min(1).describe('The version you read (optimistic locking: 409 when stale).'),
    name: sloFields.name.optional(),
    description: sloFields.description,
    team: sloFields.team,
    timeZone: timeZoneSchema.optional(),
    objective: sloFields.objective.optional(),
    window: sloWindowSchema.optional(),
    maintenance: z.array(maintenanceWindowSchema).max(200).optional(),
    alerting: z.object({ enabled: z.boolean(), minEvents: z.number().int().min(0).max(1_000_000) }).optional(),
    labels: labelsSchema,
  })
  .meta({ id: 'SloUpdate' });
export type UpdateSloInput = z.infer<typeof updateSloSchema>;

/** A stored SLO definition. */
export interface Slo extends Omit<CreateSloInput, 'id'> {
  id: string;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** One minute of an SLI: counts from a source, or the sum over sources. */
export interface MinutePoint {
  /** Epoch milliseconds of the minute's start (UTC, whole minutes). */
  minute: number;
  good: number;
  total: number;
}

export const sliEventSchema = z
  .object({
    /** The minute the counts belong to (any instant inside it; seconds are dropped). */
    minute: isoInstant,
    good: z.number().int().min(0).max(1e12),
    total: z.number().int().min(0).max(1e12),
  })
  .refine((e) => e.good <= e.total, { message: 'good must not exceed total', path: ['good'] });

export const pushSliEventsSchema = z
  .object({
    /** Who sends these counts: a repeat of (source, minute) replaces the earlier counts, never adds. */
    source: slugSchema,
    events: z.array(sliEventSchema).min(1).max(1440),
  })
  .meta({ id: 'SliEvents' });
export type PushSliEvents = z.infer<typeof pushSliEventsSchema>;

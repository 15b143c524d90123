// Query strings of the probes, jobs, pings and availability routes (handlers and OpenAPI).
import * as z from 'zod';
import { cursorSchema, limitSchema } from '../page-query';
import { MONTH_PATTERN } from './availability';
import { refIdSchema } from './ids';

export const listProbesQuerySchema = z.object({
  service: refIdSchema.optional(),
  status: z.enum(['new', 'up', 'down', 'paused']).optional(),
  kind: z.enum(['http', 'tcp', 'dns']).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const listJobsQuerySchema = z.object({
  service: refIdSchema.optional(),
  team: refIdSchema.optional(),
  category: z.string().max(64).optional(),
  type: z.string().max(64).optional(),
  status: z.enum(['new', 'up', 'late', 'down', 'paused']).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

export const availabilityQuerySchema = z.object({
  month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM').optional(),
});

/** Documentation of the ping query string (validated with pingPayloadSchema). */
export const pingQuerySchema = z.object({
  processed: z.coerce.number().int().min(0).optional(),
  errored: z.coerce.number().int().min(0).optional(),
  log: z.string().optional(),
});

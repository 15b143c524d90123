// Request schemas shared by list endpoints.
import { z } from 'zod';

export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);
export const cursorSchema = z.string().max(2048).optional();
export const pageQuerySchema = z.object({ limit: limitSchema, cursor: cursorSchema });

export const listAlertsQuerySchema = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  integration: z.string().min(1).max(64).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  limit: limitSchema,
  cursor: cursorSchema,
});

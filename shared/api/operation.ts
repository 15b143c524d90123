// What one HTTP operation looks like in the OpenAPI document, and the shared response pieces.
// Feature modules describe their routes in shared/api/operations/<feature>.ts with these.
import { z } from 'zod';

import type { Role } from '../http/auth';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  auth: 'jwt' | 'token' | 'public';
  role?: Role;
  query?: z.ZodObject;
  body?: z.ZodType;
  bodyDescription?: string;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem' });

export const page = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().optional() });
const std = { 400: 'Malformed request', 401: 'Missing or invalid credentials', 403: 'Role not sufficient', 422: 'Invalid field values' };
export const errors = (...codes: Array<keyof typeof std | 404 | 409 | 413 | 429 | 503>) =>
  Object.fromEntries(
    codes.map((c) => [c, { description: (std as Record<number, string>)[c] ?? { 404: 'Not found', 409: 'Conflict', 413: 'Body over 1 MB', 429: 'Throttled (see Retry-After)', 503: 'Storage unavailable; retry' }[c as 404], schema: problemSchema }]),
  );


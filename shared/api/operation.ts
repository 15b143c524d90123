// One HTTP operation: THE declaration of a route. Feature modules describe their routes in
// shared/api/operations/<feature>.ts, one list per function that serves them. From that one
// declaration the catalog derives the function's HTTP triggers (infra/catalog/routes.ts), the HTTP
// layer checks the role and parses the query and body before the handler runs (shared/http/api.ts),
// and the OpenAPI document is generated (shared/api/openapi.ts).
import * as z from 'zod';

import type { Role } from '../http/auth';

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  tag: string;
  /** jwt: ops route behind the JWT authorizer, role checked before the handler runs; token: webhook
   * authenticated by the integration token in the handler; public: no authentication. */
  auth: 'jwt' | 'token' | 'public';
  /** Least role the caller needs (jwt routes); checked by httpApi before the handler runs. */
  role?: Role;
  /** Query string schema: httpApi parses it and hands the result to the handler (req.input.query). */
  query?: z.ZodObject;
  /** JSON body schema: httpApi parses it and hands the result to the handler (req.input.body). */
  body?: z.ZodType;
  /** 'handler': the handler reads the raw query and body itself (webhook formats, pings, raw mail,
   * entries validated with their path id); `query` and `body` then only document the route. */
  input?: 'handler';
  bodyDescription?: string;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
}

/** API Gateway's route key of an operation: "POST /integrations/{id}". */
export type RouteKey<O extends Operation> = `${Uppercase<O['method']>} ${O['path']}`;
export const routeKeyOf = (op: Operation): string => `${op.method.toUpperCase()} ${op.path}`;

/** A create route: a POST answering 201 Created. Every one honours the Idempotency-Key header
 * (shared/http/idempotency.ts, docs/decisions/0031-idempotency-key.md). */
export const isCreateOperation = (op: Operation): boolean => op.method === 'post' && 201 in op.responses;

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
const std = {
  400: 'Malformed request',
  401: 'Missing or invalid credentials',
  403: 'Role not sufficient',
  422: 'Invalid field values',
};
export const errors = (...codes: Array<keyof typeof std | 404 | 409 | 413 | 429 | 503>) =>
  Object.fromEntries(
    codes.map((c) => [
      c,
      {
        description:
          (std as Record<number, string>)[c] ??
          {
            404: 'Not found',
            409: 'Conflict',
            413: 'Body over 1 MB',
            429: 'Throttled (see Retry-After)',
            503: 'Storage unavailable; retry',
          }[c as 404],
        schema: problemSchema,
      },
    ]),
  );

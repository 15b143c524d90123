// A function's HTTP triggers, derived from the operations it serves (shared/api/operations/*):
// a route is declared once, as an operation; the catalog, the HTTP layer and the OpenAPI
// document all read that declaration.
import type { Operation } from '../../shared/api/operation';
import type { HttpMethod, HttpTrigger } from './types';

export function httpRoutes(operations: readonly Operation[]): HttpTrigger[] {
  return operations.map((op) => ({
    kind: 'http',
    method: op.method.toUpperCase() as HttpMethod,
    path: op.path,
    auth: op.auth,
    ...(op.role ? { role: op.role } : {}),
  }));
}

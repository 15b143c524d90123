// Bridge: routes for httpApi() built from operation declarations (role from the operation, query
// and body parsed with its schemas before the handler, handed over as req.input).
import type { z } from 'zod';
import type { Operation } from '../api/operation';
import { parseBody, parseQuery, type HttpRequest, type HttpResult, type Route } from './api';

type Parsed<O, K extends 'query' | 'body'> = O extends { [P in K]: infer S extends z.ZodType } ? z.output<S> : undefined;
export type OperationRequest<O> = HttpRequest & { input: { query: Parsed<O, 'query'>; body: Parsed<O, 'body'> } };
export type OperationHandlers<Ops extends readonly Operation[]> = {
  [O in Ops[number] as `${Uppercase<O['method']>} ${O['path']}`]: (req: OperationRequest<O>) => Promise<HttpResult>;
};

export function operationRoutes<const Ops extends readonly Operation[]>(ops: Ops, handlers: NoInfer<OperationHandlers<Ops>>): Record<string, Route> {
  const routes: Record<string, Route> = {};
  for (const op of ops) {
    const key = `${op.method.toUpperCase()} ${op.path}`;
    const fn = (handlers as Record<string, (req: HttpRequest & { input: unknown }) => Promise<HttpResult>>)[key];
    if (!fn) throw new Error(`No handler for ${key}`);
    routes[key] = {
      role: op.role,
      handler: (req) => {
        const input = {
          query: op.query ? parseQuery(req, op.query) : undefined,
          body: op.body ? parseBody(req, op.body) : undefined,
        };
        return fn(Object.assign(req, { input }));
      },
    };
  }
  return routes;
}

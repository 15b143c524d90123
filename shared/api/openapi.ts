// The OpenAPI 3.1 document, generated from the same zod schemas the handlers validate with.
// Served at GET /openapi.json and written to docs/openapi.json by `npm run openapi`.
// The catalog's HTTP routes are derived from the same operations (infra/catalog/routes.ts).
// Only functions/openapi imports this module: other handlers import their operations only.
import * as z from 'zod';
import { isCreateOperation, problemSchema, type Operation } from './operation';
import { allOperations } from './operations';

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  return z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12', reused: 'inline' }) as Record<
    string,
    unknown
  >;
}

export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of allOperations as readonly Operation[]) {
    const params: Array<Record<string, unknown>> = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (isCreateOperation(op)) params.push({ $ref: '#/components/parameters/IdempotencyKey' });
    if (op.query) {
      const shape = op.query.shape as Record<string, z.ZodType>;
      for (const [name, s] of Object.entries(shape)) {
        const js = schemaOf(s, 'input');
        delete js.$schema;
        params.push({ name, in: 'query', required: !s.safeParse(undefined).success, schema: js as never });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      const media =
        Number(status) >= 400 && r.schema === problemSchema ? 'application/problem+json' : 'application/json';
      responses[status] = {
        description: r.description,
        ...(r.schema ? { content: { [media]: { schema: stripMeta(schemaOf(r.schema, 'output')) } } } : {}),
      };
    }
    (paths[op.path] ??= {})[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${op.path
        .replace(/[{}]/g, '')
        .replace(/\/(\w)/g, (_m, c: string) => c.toUpperCase())
        .replace(/[^A-Za-z0-9]/g, '')}`,
      security:
        op.auth === 'jwt'
          ? [{ opsJwt: [] }]
          : op.auth === 'token'
            ? [{ integrationToken: [] }, { integrationTokenHeader: [] }, { integrationTokenQuery: [] }]
            : [],
      ...(op.role ? { 'x-nocturne-role': op.role } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: true,
              description: op.bodyDescription,
              content: { 'application/json': { schema: stripMeta(schemaOf(op.body, 'input')) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Nocturne API',
      version: '1',
      description:
        'Alert ingestion webhooks and the ops API of Nocturne. Errors are RFC 9457 problem+json documents naming the field at fault.',
    },
    components: {
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description:
            'Makes a create request safe to retry: the first answer (status and body) is kept 24 hours per caller, route and key, and a retry with the same key and body gets it again without creating anything twice. The same key with a different body is a 422 naming this header; a retry while the first is still running is a 409 with Retry-After.',
          schema: { type: 'string', minLength: 1, maxLength: 255 },
        },
      },
      securitySchemes: {
        opsJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Cognito access token; roles from cognito:groups (viewer, responder, admin).',
        },
        integrationToken: { type: 'http', scheme: 'bearer', description: 'The integration token.' },
        integrationTokenHeader: { type: 'apiKey', in: 'header', name: 'X-Nocturne-Token' },
        integrationTokenQuery: { type: 'apiKey', in: 'query', name: 'token' },
      },
    },
    paths,
  };
}

function stripMeta(js: Record<string, unknown>): Record<string, unknown> {
  delete js.$schema;
  return js;
}

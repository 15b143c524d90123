// Lambda entry serving the OpenAPI document (see infra/catalog.ts: "openapi").
import { buildOpenApi } from '../../shared/api/openapi';
import { openapiOperations } from '../../shared/api/operations/ingest';
import { httpApi, json } from '../../shared/http/api';

let doc: Record<string, unknown> | undefined;

export const handler = httpApi(openapiOperations, {
  'GET /openapi.json': async () => json(200, (doc ??= buildOpenApi()), { 'cache-control': 'public, max-age=300' }),
});

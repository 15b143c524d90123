// Lambda entry serving the OpenAPI document (see infra/catalog.ts: "openapi").
import { buildOpenApi } from '../../shared/api/openapi';
import { httpApi, json } from '../../shared/http/api';

let doc: Record<string, unknown> | undefined;

export const handler = httpApi({
  'GET /openapi.json': {
    handler: async () => json(200, (doc ??= buildOpenApi()), { 'cache-control': 'public, max-age=300' }),
  },
});

// Lambda entry serving the OpenAPI document (see infra/catalog.ts: "openapi"). The document is
// data: docs/openapi.json, generated from the zod schemas by `npm run openapi` (a unit test keeps
// it current). The bundle embeds it compressed (infra/aws/bundling.ts) instead of bundling the
// whole API's schemas and building it again on every cold start.
import document from '../../docs/openapi.json';
import { openapiOperations } from '../../shared/api/operations/ingest';
import { httpApi } from '../../shared/http/api';

let body: string | undefined;

export const handler = httpApi(openapiOperations, {
  'GET /openapi.json': async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: (body ??= JSON.stringify(document)),
  }),
});

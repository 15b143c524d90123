// Lambda entry for the integrations ops API (see infra/catalog.ts: "ops-integrations").
// Tokens are returned only by create and rotate-token; afterwards only a hint is visible.
import { ulid } from 'ulid';
import { newToken, publicIntegration } from '../../shared/domain/integration';
import { integrationOperations } from '../../shared/api/operations/ingest';
import { httpApi, json, noContent } from '../../shared/http/idempotent-api';
import {
  createIntegration,
  deleteIntegration,
  listIntegrations,
  requireIntegration,
  rotateIntegrationToken,
  updateIntegration,
} from '../../shared/store/integrations';

export const handler = httpApi(integrationOperations, {
  'POST /integrations': async (req) => {
    const input = req.input.body;
    const token = newToken();
    const created = await createIntegration(
      { ...input, id: input.id ?? `int-${ulid().toLowerCase()}` },
      token,
      req.now.toISOString(),
    );
    return json(201, { ...publicIntegration(created), token }, { location: `/integrations/${created.id}` });
  },
  'GET /integrations': async (req) => {
    const q = req.input.query;
    const page = await listIntegrations(q.limit, q.cursor);
    return json(200, { items: page.items.map(publicIntegration), nextCursor: page.nextCursor });
  },
  'GET /integrations/{id}': async (req) => json(200, publicIntegration(await requireIntegration(req.params.id!))),
  'PATCH /integrations/{id}': async (req) => {
    const patch = req.input.body;
    return json(200, publicIntegration(await updateIntegration(req.params.id!, patch, req.now.toISOString())));
  },
  'DELETE /integrations/{id}': async (req) => {
    await deleteIntegration(req.params.id!);
    return noContent();
  },
  'POST /integrations/{id}/rotate-token': async (req) => {
    const token = newToken();
    const rotated = await rotateIntegrationToken(req.params.id!, token, req.now.toISOString());
    return json(200, { ...publicIntegration(rotated), token });
  },
});

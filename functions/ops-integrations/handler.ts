// Lambda entry for the integrations ops API (see infra/catalog.ts: "ops-integrations").
// Tokens are returned only by create and rotate-token; afterwards only a hint is visible.
import { ulid } from 'ulid';
import {
  createIntegrationSchema,
  newToken,
  publicIntegration,
  updateIntegrationSchema,
} from '../../shared/domain/integration';
import { httpApi, json, noContent, parseBody, parseQuery } from '../../shared/http/api';
import { pageQuerySchema } from '../../shared/http/schemas';
import {
  createIntegration,
  deleteIntegration,
  listIntegrations,
  requireIntegration,
  rotateIntegrationToken,
  updateIntegration,
} from '../../shared/store/integrations';

export const handler = httpApi({
  'POST /integrations': {
    role: 'admin',
    handler: async (req) => {
      const input = parseBody(req, createIntegrationSchema);
      const token = newToken();
      const created = await createIntegration({ ...input, id: input.id ?? `int-${ulid().toLowerCase()}` }, token, req.now.toISOString());
      return json(201, { ...publicIntegration(created), token }, { location: `/integrations/${created.id}` });
    },
  },
  'GET /integrations': {
    role: 'admin',
    handler: async (req) => {
      const q = parseQuery(req, pageQuerySchema);
      const page = await listIntegrations(q.limit, q.cursor);
      return json(200, { items: page.items.map(publicIntegration), nextCursor: page.nextCursor });
    },
  },
  'GET /integrations/{id}': {
    role: 'admin',
    handler: async (req) => json(200, publicIntegration(await requireIntegration(req.params.id!))),
  },
  'PATCH /integrations/{id}': {
    role: 'admin',
    handler: async (req) => {
      const patch = parseBody(req, updateIntegrationSchema);
      return json(200, publicIntegration(await updateIntegration(req.params.id!, patch, req.now.toISOString())));
    },
  },
  'DELETE /integrations/{id}': {
    role: 'admin',
    handler: async (req) => {
      await deleteIntegration(req.params.id!);
      return noContent();
    },
  },
  'POST /integrations/{id}/rotate-token': {
    role: 'admin',
    handler: async (req) => {
      const token = newToken();
      const rotated = await rotateIntegrationToken(req.params.id!, token, req.now.toISOString());
      return json(200, { ...publicIntegration(rotated), token });
    },
  },
});

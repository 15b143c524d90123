// The OpenAPI document describes every HTTP route of the catalog, with the same auth and role,
// and the copy in docs/ is current.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpTriggers } from '../../infra/catalog';
import { buildOpenApi } from '../../shared/api/openapi';

const doc = buildOpenApi() as {
  paths: Record<string, Record<string, { security: unknown[]; 'x-nocturne-role'?: string }>>;
};

describe('OpenAPI document', () => {
  it.each(httpTriggers().map(({ fn, trigger }) => [`${trigger.method} ${trigger.path}`, fn.name, trigger]))(
    '%s (%s) is documented with its auth and role',
    (_route, _fn, trigger) => {
      const op = doc.paths[trigger.path]?.[trigger.method.toLowerCase()];
      expect(op).toBeDefined();
      expect(op!['x-nocturne-role']).toBe(trigger.role);
      expect(op!.security.length > 0).toBe(trigger.auth !== 'public');
    },
  );

  it('documents no route the catalog lacks', () => {
    const routes = new Set(httpTriggers().map(({ trigger }) => `${trigger.method} ${trigger.path}`));
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((r) => !routes.has(r))).toEqual([]);
  });

  it('docs/openapi.json is current (run `npm run openapi` after changing a schema)', () => {
    const committed = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'openapi.json'), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

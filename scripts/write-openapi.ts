// Writes docs/openapi.json from the zod schemas (npm run openapi). A test fails when the
// committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildOpenApi } from '../shared/api/openapi';

writeFileSync(join(__dirname, '..', 'docs', 'openapi.json'), `${JSON.stringify(buildOpenApi(), null, 2)}\n`);
console.log('wrote docs/openapi.json');

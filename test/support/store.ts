// Test data helpers that go through the real store (DynamoDB Local).
import type { AlertSource } from '../../shared/domain/alert';
import { createIntegration } from '../../shared/store/integrations';

let n = 0;

export async function givenIntegration(
  type: AlertSource,
  opts: { enabled?: boolean; service?: string; allowedTopicArns?: string[] } = {},
) {
  const id = `t-${type}-${process.pid}-${Date.now().toString(36)}-${n++}`;
  const token = `tok-${id}`;
  const integration = await createIntegration(
    {
      id,
      type,
      name: `Test ${type}`,
      enabled: opts.enabled ?? true,
      service: opts.service,
      allowedTopicArns: opts.allowedTopicArns ?? [],
    },
    token,
    new Date().toISOString(),
  );
  return { integration, id, token };
}

/**
 * Give this test file a table of its own (fresh, empty): for tests of process-wide state such
 * as the incident rules. Call at the top level of a test file.
 */
export function useOwnTable(): void {
  const previous = process.env.TABLE_NAME;
  let name = '';
  beforeAll(async () => {
    const { ensureTables } = await import('../../infra/local/tables');
    name = `nocturne-own-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    await ensureTables(process.env.AWS_ENDPOINT_URL_DYNAMODB!, { main: name, idempotency: `${name}-idem` });
    process.env.TABLE_NAME = name;
  });
  afterAll(async () => {
    process.env.TABLE_NAME = previous;
    if (!name) return;
    const { dropTables } = await import('../../infra/local/tables');
    await dropTables(process.env.AWS_ENDPOINT_URL_DYNAMODB!, { main: name, idempotency: `${name}-idem` });
  });
}

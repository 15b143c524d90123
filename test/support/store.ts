// Test data helpers that go through the real store (DynamoDB Local).
import type { AlertSource } from '../../shared/domain/alert';
import { createIntegration } from '../../shared/store/integrations';

let n = 0;

export async function givenIntegration(type: AlertSource, opts: { enabled?: boolean; service?: string; allowedTopicArns?: string[] } = {}) {
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

// jest globalTeardown (project "integration"): stops the DynamoDB Local that globalSetup started.
import type { DynamoDbLocal } from '../../infra/local/dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __nocturneDynamoDbLocal?: DynamoDbLocal };
  await g.__nocturneDynamoDbLocal?.stop();
  g.__nocturneDynamoDbLocal = undefined;
}

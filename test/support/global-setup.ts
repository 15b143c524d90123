// jest globalSetup (project "integration"): one DynamoDB Local, in memory, on a free port, for
// the whole run. Its endpoint and the table names go into process.env, which the test workers
// inherit. Set NOCTURNE_TEST_DYNAMODB_ENDPOINT to use an already running DynamoDB instead.
import {
  LONG_RUNNING_JVM_ARGS,
  LOCAL_STORE_REQUEST_TIMEOUT_MS,
  startDynamoDbLocal,
} from '../../infra/local/dynamodb-local';
import { ensureTables } from '../../infra/local/tables';

export const TEST_TABLES = { main: 'nocturne-test', idempotency: 'nocturne-test-idempotency' };

export default async function globalSetup(): Promise<void> {
  let endpoint = process.env.NOCTURNE_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) {
    // Full JIT: the suite runs for minutes, so C2's throughput beats C1's faster start.
    const ddb = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS], startTimeoutMs: 120_000 });
    (globalThis as { __nocturneDynamoDbLocal?: typeof ddb }).__nocturneDynamoDbLocal = ddb;
    endpoint = ddb.endpoint;
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: TEST_TABLES.main,
    IDEMPOTENCY_TABLE_NAME: TEST_TABLES.idempotency,
    NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS:
      process.env.NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS ?? String(LOCAL_STORE_REQUEST_TIMEOUT_MS),
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  await ensureTables(endpoint, TEST_TABLES);
}

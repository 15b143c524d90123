// The idempotency table (Powertools persistence, its documented default schema: `id`, TTL on
// `expiration`), on the same DynamoDB client as the rest of the store, so the local runtime's
// endpoint and grants apply. The table is created by both runtimes from the catalog
// (catalog.tables.idempotency); its name comes in IDEMPOTENCY_TABLE_NAME.
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { dynamoDBClient } from './client';

let store: { tableName: string; client: unknown; layer: DynamoDBPersistenceLayer } | undefined;

export function idempotencyStore(): DynamoDBPersistenceLayer {
  const tableName = process.env.IDEMPOTENCY_TABLE_NAME;
  if (!tableName)
    throw new Error('IDEMPOTENCY_TABLE_NAME is not set: grant the function idempotencyTable in the catalog');
  const client = dynamoDBClient();
  if (store?.tableName !== tableName || store.client !== client)
    store = { tableName, client, layer: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }) };
  return store.layer;
}

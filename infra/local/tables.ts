// Creates Nocturne's tables in DynamoDB Local from the one table declaration
// (shared/store/table-definition.ts, via the catalog), so local and AWS cannot drift.
// Idempotent: an existing table is kept and only brought up to date (missing indexes,
// stream, TTL), so data under .local/ survives restarts and schema additions.
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { catalog, type Catalog } from '../catalog';
import type { IndexDefinition, TableDefinition } from '../../shared/store/table-definition';
import { localDynamoClient } from './dynamodb-local';

export type TableNames = Record<keyof Catalog['tables'], string>;

/** Physical names for a prefix: `<prefix>` for the main table, `<prefix>-<id>` for the others. */
export function tableNamesFor(prefix: string): TableNames {
  const names = {} as TableNames;
  for (const key of Object.keys(catalog.tables) as Array<keyof Catalog['tables']>)
    names[key] = key === 'main' ? prefix : `${prefix}-${key}`;
  return names;
}

function keySchema(pk: string, sk: string | undefined): KeySchemaElement[] {
  return [{ AttributeName: pk, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : [])];
}

// The declaration has no key types: every key attribute is a string (keys.ts builds them so).
function attributeDefinitions(def: TableDefinition, indexes: IndexDefinition[]): AttributeDefinition[] {
  const names = new Set([def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])]);
  for (const i of indexes) {
    names.add(i.partitionKey);
    names.add(i.sortKey);
  }
  return [...names].map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));
}

function gsi(i: IndexDefinition) {
  return {
    IndexName: i.name,
    KeySchema: keySchema(i.partitionKey, i.sortKey),
    Projection: { ProjectionType: i.projection },
  };
}

async function describe(client: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (err) {
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

async function ensureTable(
  client: DynamoDBClient,
  name: string,
  def: TableDefinition,
  log: (m: string) => void,
): Promise<void> {
  let table = await describe(client, name);
  if (!table) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keySchema(def.partitionKey, def.sortKey),
          AttributeDefinitions: attributeDefinitions(def, def.indexes),
          GlobalSecondaryIndexes: def.indexes.length ? def.indexes.map(gsi) : undefined,
          StreamSpecification: def.stream ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
        }),
      );
      log(`created table ${name}`);
    } catch (err) {
      // Another process (a parallel test worker) created it first.
      if ((err as { name?: string }).name !== 'ResourceInUseException') throw err;
    }
    table = await describe(client, name);
  } else {
    const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    for (const index of def.indexes.filter((i) => !existing.has(i.name))) {
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: attributeDefinitions(def, [index]),
          GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
        }),
      );
      log(`added index ${index.name} to table ${name}`);
    }
    if (def.stream && !table.StreamSpecification?.StreamEnabled) {
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      );
      log(`enabled the stream of table ${name}`);
    }
  }
  if (def.ttlAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: def.ttlAttribute },
        }),
      );
    }
  }
}

/** Create (or bring up to date) every catalog table under the given physical names. */
export async function ensureTables(
  endpoint: string,
  names: TableNames,
  log: (m: string) => void = () => {},
): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    for (const key of Object.keys(catalog.tables) as Array<keyof Catalog['tables']>)
      await ensureTable(client, names[key], catalog.tables[key], log);
  } finally {
    client.destroy();
  }
}

/**
 * Delete every catalog table under the given physical names (missing ones are fine). The tests use
 * it so that one DynamoDB Local serving the whole suite does not carry every file's tables and
 * stream records to the end of the run.
 */
export async function dropTables(endpoint: string, names: TableNames): Promise<void> {
  const client = localDynamoClient(endpoint);
  try {
    for (const name of Object.values(names))
      await client.send(new DeleteTableCommand({ TableName: name })).catch((err: Error) => {
        if (err.name !== 'ResourceNotFoundException') throw err;
      });
  } finally {
    client.destroy();
  }
}

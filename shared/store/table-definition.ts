// The one declaration of Nocturne's tables. The CDK app (infra/aws) and the local runtime's
// table creation (infra/local) both read it, so the two cannot drift. Key *values* are built
// only in shared/store/keys.ts.

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
  /**
   * What the index copies of each item: ALL (a list reads its items from the index), or KEYS_ONLY
   * (the table's and the index's keys; a query reads the items by key). An index copy is written
   * whenever a projected attribute changes, so KEYS_ONLY items can change at no index cost. A GSI's
   * projection cannot change in place: a new one is a new index (decision 0090).
   */
  projection: 'ALL' | 'KEYS_ONLY';
}

export interface TableDefinition {
  /** Logical id; the physical name comes from the environment (TABLE_NAME etc.). */
  id: string;
  partitionKey: string;
  sortKey?: string;
  indexes: IndexDefinition[];
  /** Attribute holding the epoch-seconds expiry (DynamoDB TTL). */
  ttlAttribute?: string;
  /** NEW_AND_OLD_IMAGES stream that drives the outbox (events follow committed writes). */
  stream: boolean;
}

export const mainTable: TableDefinition = {
  id: 'Main',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
    // The items written per alert (alerts, incidents): an alert by id, a service's incidents.
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk', projection: 'KEYS_ONLY' },
    // The same items by the day they were first received / opened.
    { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk', projection: 'KEYS_ONLY' },
  ],
  ttlAttribute: 'expiresAt',
  stream: true,
};

/** Powertools idempotency persistence layer (its documented default schema). */
export const idempotencyTable: TableDefinition = {
  id: 'Idempotency',
  partitionKey: 'id',
  indexes: [],
  ttlAttribute: 'expiration',
  stream: false,
};

export const tables = [mainTable, idempotencyTable] as const;

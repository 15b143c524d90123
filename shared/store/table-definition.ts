// The one declaration of Nocturne's tables. The CDK app (infra/aws) and the local runtime's
// table creation (infra/local) both read it, so the two cannot drift. Key *values* are built
// only in shared/store/keys.ts.

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey: string;
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
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
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

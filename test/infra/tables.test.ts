// The tables are built from shared/store/table-definition.ts, the declaration the local runtime
// also creates its tables from.
import { catalog } from '../../infra/catalog';
import type { TableDefinition } from '../../shared/store/table-definition';
import { logicalId, resourcesOfType, synth } from './support/synth';

describe('tables', () => {
  const s = synth(catalog);
  const tables: Array<[string, TableDefinition, string]> = [
    ['main', catalog.tables.main, logicalId(s.stack.mainTable)],
    ['idempotency', catalog.tables.idempotency, logicalId(s.stack.idempotencyTable)],
  ];

  it('deploys exactly the declared tables', () => {
    expect(resourcesOfType(s, 'AWS::DynamoDB::Table')).toHaveLength(tables.length);
  });

  describe.each(tables)('%s table', (_name, def, id) => {
    const table = () => s.resources[id]!;

    it('has the declared keys, all strings', () => {
      const p = table().Properties!;
      expect(p.KeySchema).toEqual([
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
      ]);
      const keyNames = [
        def.partitionKey,
        def.sortKey,
        ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ].filter(Boolean);
      expect(p.AttributeDefinitions).toEqual(
        expect.arrayContaining(keyNames.map((AttributeName) => ({ AttributeName, AttributeType: 'S' }))),
      );
      expect(p.AttributeDefinitions).toHaveLength(new Set(keyNames).size);
    });

    it('has the declared GSIs with their projections', () => {
      const expected = def.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          { AttributeName: i.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: i.projection },
      }));
      expect(table().Properties!.GlobalSecondaryIndexes ?? []).toEqual(expected);
    });

    it('expires items by the declared TTL attribute', () => {
      expect(table().Properties!.TimeToLiveSpecification).toEqual(
        def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined,
      );
    });

    it('streams new and old images when declared', () => {
      expect(table().Properties!.StreamSpecification).toEqual(
        def.stream ? { StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined,
      );
    });

    it('is on-demand, point-in-time recoverable, encrypted, protected from deletion and retained', () => {
      expect(table()).toMatchObject({
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
        },
        DeletionPolicy: 'Retain',
      });
    });
  });
});

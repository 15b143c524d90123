// Decision 0090: alerts and incidents moved from gsi1/gsi2 (all attributes) to the keys-only
// gsi3/gsi4. Items written before that still carry gsi1/gsi2 keys: this moves each one's keys
// (same values, new attribute names) so the lists, alert-by-id and outage intervals find it, and
// its per-alert changes stop rewriting index copies. Idempotent and safe beside live traffic: each
// item is updated only while it still carries the gsi1 key it was read with; the revision does not
// move, so the outbox publishes nothing for it.
//
//   TABLE_NAME=<main table> npx tsx scripts/backfill-hot-indexes.ts   (AWS credentials and region
//   from the environment; AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local)
// Run it once after the release that reads gsi3/gsi4; it prints how many items it moved.
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isConditionalCheckFailed, tableName } from '../shared/store/client';

const TYPES = ['Alert', 'Incident'];

/** Move every older alert's and incident's index keys; how many were moved and how many changed meanwhile. */
export async function backfillHotIndexes(): Promise<{ moved: number; skipped: number }> {
  let moved = 0;
  let skipped = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: '#t IN (:a, :i) AND attribute_exists(gsi1pk) AND attribute_not_exists(gsi3pk)',
        ProjectionExpression: 'pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':a': TYPES[0], ':i': TYPES[1] },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await documentClient().send(
          new UpdateCommand({
            TableName: tableName(),
            Key: { pk: item.pk, sk: item.sk },
            UpdateExpression:
              'SET gsi3pk = :g1pk, gsi3sk = :g1sk, gsi4pk = :g2pk, gsi4sk = :g2sk REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk',
            ConditionExpression: 'gsi1pk = :g1pk',
            ExpressionAttributeValues: {
              ':g1pk': item.gsi1pk,
              ':g1sk': item.gsi1sk,
              ':g2pk': item.gsi2pk,
              ':g2sk': item.gsi2sk,
            },
          }),
        );
        moved++;
      } catch (err) {
        // Rewritten meanwhile (an incident's next change writes gsi3/gsi4 itself) or deleted: nothing to move.
        if (!isConditionalCheckFailed(err)) throw err;
        skipped++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { moved, skipped };
}

if (process.argv[1]?.endsWith('backfill-hot-indexes.ts'))
  backfillHotIndexes().then(
    (r) => console.log(JSON.stringify({ backfill: 'gsi1/gsi2 → gsi3/gsi4', table: tableName(), ...r })),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );

// Data migrations that a release needs run once over data stored before it. The data-migrations
// function applies the pending ones: in AWS at the end of the deployment (its deploy trigger), in
// the local runtime when it starts, so a data dir written by an older release comes up whole
// (decision 0090 and its addendum).
import { GetCommand, PutCommand, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, isConditionalCheckFailed, isTransactionConflict, tableName } from './client';
import { incidentKeys, keys } from './keys';

const HOT_INDEX_TYPES = ['Alert', 'Incident'];

type Item = Record<string, unknown>;

const SCAN_PAGE_ITEMS = 500;

/**
 * Scans the items a migration still has to move (the filter names them, so a second run finds
 * none) and moves each one by `move`. An item that `isGone` says changed meanwhile (its condition
 * refused) is counted as skipped; any other error stops the migration, to resume on the next run.
 */
async function moveEach(
  scan: { filter: string; projection: string; names: Record<string, string>; values: Item },
  move: (item: Item) => Promise<unknown>,
  isGone: (err: unknown) => boolean,
): Promise<{ moved: number; skipped: number }> {
  let moved = 0;
  let skipped = 0;
  let start: Item | undefined;
  do {
    const page = await documentClient().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: scan.filter,
        ProjectionExpression: scan.projection,
        ExpressionAttributeNames: scan.names,
        ExpressionAttributeValues: scan.values,
        // A bounded page: each request reads at most this many items, however few the filter keeps,
        // so no single request of a long migration nears the store's request timeout.
        Limit: SCAN_PAGE_ITEMS,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      try {
        await move(item);
        moved++;
      } catch (err) {
        if (!isGone(err)) throw err;
        skipped++;
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { moved, skipped };
}

/**
 * Decision 0090: alerts and incidents moved from gsi1/gsi2 (all attributes) to the keys-only
 * gsi3/gsi4. Items written before that still carry gsi1/gsi2 keys: this moves each one's keys (same
 * values, new attribute names) so the lists, alert-by-id and outage intervals find it. Idempotent
 * and safe beside live traffic: each item is updated only while it still carries the gsi1 key it
 * was read with; the revision does not move, so the outbox publishes nothing for it.
 */
export function backfillHotIndexes(): Promise<{ moved: number; skipped: number }> {
  return moveEach(
    {
      filter: '#t IN (:a, :i) AND attribute_exists(gsi1pk) AND attribute_not_exists(gsi3pk)',
      projection: 'pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      names: { '#t': 'type' },
      values: { ':a': HOT_INDEX_TYPES[0], ':i': HOT_INDEX_TYPES[1] },
    },
    (item) =>
      documentClient().send(
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
      ),
    // Rewritten meanwhile (an incident's next change writes gsi3/gsi4 itself) or deleted: nothing to move.
    isConditionalCheckFailed,
  );
}

/**
 * Decision 0092: each inhibitor bucket counts its source items in a `#SOURCES` item, which a target
 * reads instead of querying the bucket. Sources registered before that are counted nowhere: this
 * counts each one, marking it `counted` in the same transaction, conditional on it still existing
 * uncounted (so it is safe beside live registrations and removals, and idempotent).
 */
export function countInhibitorSources(): Promise<{ moved: number; skipped: number }> {
  return moveEach(
    {
      filter: '#t = :inhibitor AND attribute_not_exists(counted)',
      projection: 'pk, sk',
      names: { '#t': 'type' },
      values: { ':inhibitor': 'Inhibitor' },
    },
    (item) =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName(),
                Key: { pk: item.pk, sk: item.sk },
                UpdateExpression: 'SET counted = :t',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(counted)',
                ExpressionAttributeValues: { ':t': true },
              },
            },
            {
              Update: {
                TableName: tableName(),
                Key: incidentKeys.inhibitorCount(String(item.pk)),
                UpdateExpression: 'ADD sources :one SET #t = :type',
                ExpressionAttributeNames: { '#t': 'type' },
                ExpressionAttributeValues: { ':one': 1, ':type': 'InhibitorBucket' },
              },
            },
          ],
        }),
      ),
    // Removed (or counted) meanwhile: nothing to count.
    isTransactionConflict,
  );
}

/**
 * Decision 0093: tickets moved from gsi1 (open tickets of a queue) and gsi2 (tickets by day), which
 * project all attributes, to the keys-only gsi3 and gsi4. Tickets written before that still carry
 * gsi1/gsi2 keys: this moves each one's keys (same values, new attribute names; a closed ticket has
 * no gsi1 key and gets no gsi3 key) so the lists and reports find it. Idempotent and safe beside
 * live traffic: each ticket is updated only while it still carries the gsi2 key it was read with
 * (any change committed by this release rewrites the item without it); the revision does not move,
 * so the outbox publishes nothing for it.
 */
export function moveTicketIndexes(): Promise<{ moved: number; skipped: number }> {
  return moveEach(
    {
      filter: '#t = :ticket AND attribute_exists(gsi2pk)',
      projection: 'pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk',
      names: { '#t': 'type' },
      values: { ':ticket': 'Ticket' },
    },
    (item) => {
      const open = typeof item.gsi1pk === 'string';
      return documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: `SET ${open ? 'gsi3pk = :g1pk, gsi3sk = :g1sk, ' : ''}gsi4pk = :g2pk, gsi4sk = :g2sk REMOVE gsi1pk, gsi1sk, gsi2pk, gsi2sk`,
          ConditionExpression: 'gsi2pk = :g2pk',
          ExpressionAttributeValues: {
            ...(open ? { ':g1pk': item.gsi1pk, ':g1sk': item.gsi1sk } : {}),
            ':g2pk': item.gsi2pk,
            ':g2sk': item.gsi2sk,
          },
        }),
      );
    },
    // Rewritten meanwhile (its next change writes gsi3/gsi4 itself): nothing to move.
    isConditionalCheckFailed,
  );
}

/** The migrations in the order they were released; an id is never reused. */
const MIGRATIONS: Array<{ id: string; run: () => Promise<{ moved: number; skipped: number }> }> = [
  { id: '0090-hot-indexes', run: backfillHotIndexes },
  { id: '0092-inhibitor-counts', run: countInhibitorSources },
  { id: '0093-ticket-indexes', run: moveTicketIndexes },
];

export interface AppliedMigration {
  id: string;
  moved: number;
  skipped: number;
}

/** Run one migration (again, if it ran before: each is idempotent) and record it as applied. */
export async function runMigration(id: string, now: Date): Promise<AppliedMigration> {
  const m = MIGRATIONS.find((x) => x.id === id);
  if (!m) throw new Error(`unknown migration ${id}; known: ${MIGRATIONS.map((x) => x.id).join(', ')}`);
  const result = await m.run();
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...keys.migration(id), type: 'Migration', appliedAt: now.toISOString(), ...result },
    }),
  );
  return { id, ...result };
}

/**
 * Run every migration not yet recorded in the table (a `MIGRATION` item per id). A run cut short
 * is recorded nowhere and runs again next time.
 */
export async function applyPendingMigrations(now: Date): Promise<AppliedMigration[]> {
  const applied: AppliedMigration[] = [];
  for (const m of MIGRATIONS) {
    const { Item } = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: keys.migration(m.id), ConsistentRead: true }),
    );
    if (!Item) applied.push(await runMigration(m.id, now));
  }
  return applied;
}

// The versioned (optimistic-lock) update, written once: set the given attributes (null removes
// one, undefined leaves it), bump `version`, stamp `updatedAt`, and commit only while the item
// exists and, when the caller names one, is still at the version it read.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';

export interface VersionedUpdate {
  what: string;
  key: Record<string, unknown>;
  patch: Record<string, unknown>;
  now: string;
  /** The version the caller read; omitted: last writer wins (the item must still exist). */
  expectedVersion?: number;
  /** The error when there is no such item. */
  missing: () => Error;
  /** The error when the item is at another version than expected (it gets the stored item). */
  stale: (current: Record<string, unknown>) => Error;
}

/** The item as stored after the update. */
export async function updateVersioned(u: VersionedUpdate): Promise<Record<string, unknown>> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':now': u.now, ':one': 1 };
  const sets = ['updatedAt = :now', 'version = version + :one'];
  const removes: string[] = [];
  for (const [k, v] of Object.entries(u.patch)) {
    if (v === undefined) continue;
    names[`#${k}`] = k;
    if (v === null) removes.push(`#${k}`);
    else {
      sets.push(`#${k} = :${k}`);
      values[`:${k}`] = v;
    }
  }
  let condition = 'attribute_exists(pk)';
  if (u.expectedVersion !== undefined) {
    condition += ' AND version = :expected';
    values[':expected'] = u.expectedVersion;
  }
  try {
    const r = await guard(u.what, () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: u.key,
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return r.Attributes!;
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const current = (err as { Item?: Record<string, unknown> }).Item;
    throw current ? u.stale(current) : u.missing();
  }
}

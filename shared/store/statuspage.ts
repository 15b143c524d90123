// Public incidents of the status page: one item per incident that has a public update, in the
// incident's partition, listed on gsi1 by creation time. Written with an optimistic lock on
// `version`. Also the claims that make a status update's delivery to subscribers happen once.
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../domain/errors';
import type { PublicIncident } from '../domain/statuspage/model';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { statusPageKeys } from './keys';
import { queryAll } from './query';

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type', 'expiresAt']);
const strip = (item: Record<string, unknown>): PublicIncident => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!META.has(k)) out[k] = v;
  return out as unknown as PublicIncident;
};

export class StalePublicIncidentError extends ConflictError {}

export async function getPublicIncident(incidentId: string): Promise<PublicIncident | undefined> {
  const r = await guard('get public incident', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: statusPageKeys.publicIncident(incidentId), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip(r.Item) : undefined;
}

/** Save `next` only if the stored one is still at next.version - 1 (or absent when it is 1). */
export async function savePublicIncident(next: PublicIncident): Promise<void> {
  try {
    await guard('save public incident', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...statusPageKeys.publicIncident(next.incidentId),
            gsi1pk: statusPageKeys.list(),
            gsi1sk: statusPageKeys.listSort(next.createdAt, next.incidentId),
            type: 'PublicIncident',
            ...next,
          },
          ConditionExpression: next.version === 1 ? 'attribute_not_exists(pk)' : 'version = :previous',
          ExpressionAttributeValues: next.version === 1 ? undefined : { ':previous': next.version - 1 },
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err))
      throw new StalePublicIncidentError('The public incident changed meanwhile; post the update again.');
    throw err;
  }
}

/** Every public incident, newest first (bounded: the page shows the most recent ones). */
export async function listPublicIncidents(max = 200): Promise<PublicIncident[]> {
  const items = await queryAll({
    what: 'public incidents',
    pk: statusPageKeys.list(),
    index: 'gsi1',
    newestFirst: true,
    max,
  });
  return items.map(strip);
}

/**
 * Public incidents created before `to`, newest first, up to `max`: those whose impact can fall in a
 * period ending at `to` (availability), with the oldest left out once there are more than `max`.
 */
export async function publicIncidentsCreatedBefore(to: Date, max = 1000): Promise<PublicIncident[]> {
  const items = await queryAll({
    what: 'public incidents',
    pk: statusPageKeys.list(),
    index: 'gsi1',
    skBetween: ['0', `${to.toISOString()}~`],
    newestFirst: true,
    max,
  });
  return items.map(strip);
}

/** Claim one delivery of a status update; false when it was claimed (sent) before. */
export async function claimStatusUpdateDelivery(
  incidentId: string,
  updateId: string,
  subscriptionId: string,
  destination: string,
  now: Date,
): Promise<boolean> {
  try {
    await guard('claim status update delivery', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...statusPageKeys.updateSent(incidentId, updateId, subscriptionId, destination),
            type: 'StatusUpdateSent',
            at: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export async function releaseStatusUpdateDelivery(
  incidentId: string,
  updateId: string,
  subscriptionId: string,
  destination: string,
): Promise<void> {
  await guard('release status update delivery', () =>
    documentClient().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: statusPageKeys.updateSent(incidentId, updateId, subscriptionId, destination),
      }),
    ),
  );
}

// Postmortem items: the postmortem itself (one per incident, optimistic-locked on `version`) and one
// index item per action item (its ticket and due date, listed by due date for the overdue report).
// A change writes the postmortem and its item index in one transaction.
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { ActionItem, Postmortem, PostmortemStatus } from '../domain/postmortems/model';
import {
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
  type TransactItem,
} from './client';
import { POSTMORTEM_ENTITY, postmortemKeys } from './keys';
import type { Page } from './pagination';
import { queryAll, queryPage, type Item } from './query';

const META = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type'];
const strip = <T>(item: Item): T => {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!META.includes(k)) out[k] = v;
  return out as T;
};

function postmortemItem(pm: Postmortem): Item {
  return {
    ...postmortemKeys.postmortem(pm.id),
    gsi1pk: postmortemKeys.byStatus(pm.status),
    gsi1sk: `${pm.createdAt}#${pm.id}`,
    type: POSTMORTEM_ENTITY.postmortem,
    ...pm,
  };
}

/** The index entry of an action item (what the overdue report and the reminders read). */
export interface ActionItemEntry {
  postmortemId: string;
  incidentNumber: number;
  key: string;
  title: string;
  owner: ActionItem['owner'];
  dueDate: string;
  ticketId: string;
  ticketNumber: number;
}

function actionItemItem(pm: Postmortem, a: ActionItem): Item {
  const entry: ActionItemEntry = {
    postmortemId: pm.id,
    incidentNumber: pm.facts.incidentNumber,
    key: a.key,
    title: a.title,
    owner: a.owner,
    dueDate: a.dueDate,
    ticketId: a.ticketId,
    ticketNumber: a.ticketNumber,
  };
  return {
    ...postmortemKeys.actionItem(pm.id, a.key),
    gsi1pk: postmortemKeys.itemsByDue(),
    gsi1sk: `${a.dueDate}#${pm.id}#${a.key}`,
    type: POSTMORTEM_ENTITY.actionItem,
    ...entry,
  };
}

/** Store a new postmortem; false when the incident already has one. */
export async function insertPostmortem(pm: Postmortem): Promise<boolean> {
  try {
    await guard('create postmortem', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: postmortemItem(pm),
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

export async function getPostmortem(id: string): Promise<Postmortem | undefined> {
  const r = await guard('get postmortem', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: postmortemKeys.postmortem(id), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<Postmortem>(r.Item) : undefined;
}

export async function requirePostmortem(id: string): Promise<Postmortem> {
  const pm = await getPostmortem(id);
  if (!pm) throw new NotFoundError(`No postmortem for incident ${id}.`);
  return pm;
}

/**
 * Replace the postmortem with `next` (version + 1) if it is still at `expectedVersion`, and write the
 * index entries of its action items, in one transaction. A lost race is a ConflictError (409).
 */
export async function savePostmortem(next: Postmortem, expectedVersion: number): Promise<Postmortem> {
  const stored: Postmortem = { ...next, version: expectedVersion + 1 };
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName(),
        Item: postmortemItem(stored),
        ConditionExpression: 'attribute_exists(pk) AND version = :v',
        ExpressionAttributeValues: { ':v': expectedVersion },
      },
    },
    ...stored.actionItems.map((a) => ({ Put: { TableName: tableName(), Item: actionItemItem(stored, a) } })),
  ];
  try {
    await guard('save postmortem', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
  } catch (err) {
    if (isTransactionConflict(err))
      throw new ConflictError(
        `The postmortem changed since version ${expectedVersion}; read it again and reapply your change.`,
      );
    throw err;
  }
  return stored;
}

export async function listPostmortems(
  status: PostmortemStatus,
  limit: number,
  cursor?: string,
): Promise<Page<Postmortem>> {
  const page = await queryPage({
    what: 'list postmortems',
    index: 'gsi1',
    pk: postmortemKeys.byStatus(status),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: page.items.map((i) => strip<Postmortem>(i)), nextCursor: page.nextCursor };
}

/** Action items due on or before `day` (YYYY-MM-DD), oldest due first, at most `max`. */
export async function actionItemsDueBy(day: string, max = 1000): Promise<ActionItemEntry[]> {
  const items = await queryAll({
    what: 'list due action items',
    index: 'gsi1',
    pk: postmortemKeys.itemsByDue(),
    skBetween: ['0000', `${day}~`],
    max,
  });
  return items.slice(0, max).map((i) => strip<ActionItemEntry>(i));
}

export async function getActionItemEntry(id: string, key: string): Promise<ActionItemEntry | undefined> {
  const r = await guard('get action item', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: postmortemKeys.actionItem(id, key), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<ActionItemEntry>(r.Item) : undefined;
}

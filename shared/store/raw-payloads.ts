// Raw webhook bodies, kept 30 days for investigation and replay. Content-addressed per
// integration (the id is a hash of the body), gzip-compressed and chunked under DynamoDB's
// 400 KB item limit. The first chunk doubles as the retry detector: its `receivedAt` says when
// this body was first received within the retry window (decision 0001, addendum 3).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { ENTITY, keys } from './keys';
import { queryAll } from './query';

export const RAW_PAYLOAD_TTL_DAYS = 30;
/** A byte-identical delivery within this window of the first one is a retry, if nothing changed since. */
export const RETRY_WINDOW_SECONDS = 3600;
const CHUNK_BYTES = 350 * 1024;

export interface RawPayload {
  id: string;
  integrationId: string;
  contentType: string;
  body: string;
  /** When this body was received; a retry within RETRY_WINDOW_SECONDS keeps the first time. */
  receivedAt: string;
}

export function payloadIdFor(integrationId: string, body: string): string {
  const digest = createHash('sha256').update(integrationId).update('\0').update(body, 'utf8').digest('base64url');
  return digest.slice(0, 32);
}

const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Store the body, before any alert it carries (decision 0009). `seen` says the same body was already
 * received within the retry window: the delivery may be a retry. The head is then left as it is (its
 * `receivedAt` stays the first one of the window). One conditional Put, refused or not, and no
 * completion mark: the caller tells a true retry by its alerts (storeDelivery). The extra chunks of a
 * body over 350 KB are written every time: a first attempt may have stopped between its head and its
 * chunks.
 */
export async function storePayload(p: RawPayload): Promise<{ seen: boolean }> {
  const zipped = gzipSync(Buffer.from(p.body, 'utf8'));
  const chunks: Buffer[] = [];
  for (let off = 0; off < zipped.length || chunks.length === 0; off += CHUNK_BYTES)
    chunks.push(zipped.subarray(off, off + CHUNK_BYTES));
  const expiresAt = epoch(p.receivedAt) + RAW_PAYLOAD_TTL_DAYS * 86400;
  const common = {
    type: ENTITY.rawPayload,
    payloadId: p.id,
    integrationId: p.integrationId,
    receivedAt: p.receivedAt,
    expiresAt,
  };
  let seen = false;
  try {
    await guard('store raw payload', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...keys.rawPayload(p.id, 0),
            ...common,
            contentType: p.contentType,
            chunks: chunks.length,
            data: chunks[0],
          },
          // Items stored before decision 0001's addendum 3 may carry `processedAt`: it is ignored (and
          // dropped when the body is stored again).
          ConditionExpression: 'attribute_not_exists(pk) OR receivedAt < :windowStart',
          ExpressionAttributeValues: {
            ':windowStart': new Date(Date.parse(p.receivedAt) - RETRY_WINDOW_SECONDS * 1000).toISOString(),
          },
        }),
      ),
    );
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    seen = true;
  }
  for (let i = 1; i < chunks.length; i += 25) {
    const batch = chunks.slice(i, i + 25).map((data, j) => ({
      PutRequest: { Item: { ...keys.rawPayload(p.id, i + j), ...common, data } },
    }));
    await guard('store raw payload chunks', async () => {
      let pending: typeof batch | undefined = batch;
      for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
        const r = await documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } }));
        pending = r.UnprocessedItems?.[tableName()] as typeof batch | undefined;
      }
      if (pending?.length) throw new Error('unprocessed raw payload chunks');
    });
  }
  return { seen };
}

export async function getPayload(id: string): Promise<RawPayload | undefined> {
  const items = await queryAll({ what: 'read raw payload', pk: keys.rawPayload(id, 0).pk });
  const head = items[0];
  if (!head || items.length !== head.chunks) return undefined;
  const body = gunzipSync(Buffer.concat(items.map((i) => Buffer.from(i.data as Uint8Array)))).toString('utf8');
  return {
    id,
    integrationId: head.integrationId as string,
    contentType: head.contentType as string,
    body,
    receivedAt: head.receivedAt as string,
  };
}

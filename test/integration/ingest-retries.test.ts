// A sender's retry of a webhook delivery, against DynamoDB Local, with the clock passed in: no
// completion mark (decision 0001, addendum 3). A retry answers duplicate when the body was seen
// within the retry window and none of its alerts changed since; a retry of an attempt that stopped
// part-way records what is missing, each alert once.
import { normalize } from '../../shared/domain/normalizers';
import { getLiveAlert } from '../../shared/store/alerts';
import { randomBytes } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { addDynamoClientConfigurer, documentClient, tableName } from '../../shared/store/client';
import { storeDelivery } from '../../shared/store/ingestion';
import { keys } from '../../shared/store/keys';
import { getPayload, payloadIdFor } from '../../shared/store/raw-payloads';
import { givenIntegration } from '../support/store';

const T0 = Date.parse('2026-11-21T08:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

type Entry = { dedupKey: string; status?: string; summary?: string };

/** One delivery of a generic JSON body, normalized as the webhook does, received at `receivedAt`. */
function delivery(integrationId: string, entries: Entry[], receivedAt: string) {
  const body = JSON.stringify({
    alerts: entries.map((e) => ({ severity: 'critical', summary: `Problem ${e.dedupKey}`, ...e })),
  });
  const alerts = normalize(
    'generic',
    { body, contentType: 'application/json', query: {} },
    { integrationId, receivedAt },
  );
  return { integrationId, body, contentType: 'application/json', receivedAt, alerts };
}

/** The DynamoDB commands sent while `fn` runs, by name, in order. */
async function commandsOf<T>(fn: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
  const commands: string[] = [];
  const stop = addDynamoClientConfigurer((c) =>
    c.middlewareStack.add(
      (next, context) => (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'countIngestCommands' },
    ),
  );
  try {
    return { result: await fn(), commands };
  } finally {
    stop();
  }
}

const live = (integrationId: string, keys: string[]) => Promise.all(keys.map((k) => getLiveAlert(integrationId, k)));

describe('a retried webhook delivery', () => {
  it('answers duplicate and changes nothing: no count, revision or last-seen moves, the first receipt is kept', async () => {
    const { id } = await givenIntegration('generic');
    await storeDelivery(delivery(id, [{ dedupKey: 'gone' }], at(0)));
    const entries: Entry[] = [{ dedupKey: 'a' }, { dedupKey: 'b' }, { dedupKey: 'gone', status: 'resolved' }];
    const first = await storeDelivery(delivery(id, entries, at(1)));
    expect(first.duplicate).toBe(false);
    expect(first.results.map((r) => r.outcome)).toEqual(['created', 'created', 'resolved']);
    const before = await live(id, ['a', 'b']);
    expect(before.map((a) => [a?.count, a?.revision])).toEqual([
      [1, 1],
      [1, 1],
    ]);

    // The sender retries 10 and 59 minutes later (it did not see the answer).
    for (const minutes of [11, 60]) {
      const again = await storeDelivery(delivery(id, entries, at(minutes)));
      expect(again).toEqual({ payloadId: first.payloadId, duplicate: true, results: [] });
    }
    // Not one attribute of the live alerts moved (so no stream record and no event); the resolved one stays resolved.
    expect(await live(id, ['a', 'b', 'gone'])).toEqual([...before, undefined]);
    expect((await getPayload(first.payloadId))?.receivedAt).toBe(at(1));
  });

  it('is new once the retry window has passed: stored again, its alerts still counted once', async () => {
    const { id } = await givenIntegration('generic');
    const first = await storeDelivery(delivery(id, [{ dedupKey: 'late' }], at(0)));
    const before = await getLiveAlert(id, 'late');
    const late = await storeDelivery(delivery(id, [{ dedupKey: 'late' }], at(61)));
    expect(late.duplicate).toBe(false);
    expect(late.results).toEqual([expect.objectContaining({ outcome: 'duplicate', alertId: before!.id })]);
    expect(await getLiveAlert(id, 'late')).toEqual(before);
    expect((await getPayload(first.payloadId))?.receivedAt).toBe(at(61));
  });

  it('completes a first attempt that stopped after 2 of 5 alerts: each alert recorded once', async () => {
    const { id } = await givenIntegration('generic');
    const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];
    const full = delivery(
      id,
      keys.map((dedupKey) => ({ dedupKey })),
      at(0),
    );
    // What a first attempt leaves when it stopped after 2 alerts: the body and those two.
    await storeDelivery({ ...full, alerts: full.alerts.slice(0, 2) });

    const retry = await storeDelivery({ ...full, receivedAt: at(1) });
    expect(retry.duplicate).toBe(false);
    expect(retry.results.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'created', 'created', 'created']);
    const stored = await live(id, keys);
    expect(stored.map((a) => [a?.count, a?.revision])).toEqual(keys.map(() => [1, 1]));

    // The retry's own retry: everything is there now.
    expect((await storeDelivery({ ...full, receivedAt: at(2) })).duplicate).toBe(true);
    expect(await live(id, keys)).toEqual(stored);
  });

  it('completes an attempt answered at its deadline before any alert (the stop leaves nothing to undo)', async () => {
    const { id } = await givenIntegration('generic');
    const keys = ['d0', 'd1', 'd2'];
    const full = delivery(
      id,
      keys.map((dedupKey) => ({ dedupKey })),
      at(0),
    );
    const answered = new AbortController();
    answered.abort();
    await expect(storeDelivery({ ...full, signal: answered.signal })).rejects.toThrow();
    // The body was stored before the first alert (decision 0009).
    expect(await getPayload(payloadIdFor(id, full.body))).toBeDefined();
    expect(await live(id, keys)).toEqual([undefined, undefined, undefined]);

    const retry = await storeDelivery({ ...full, receivedAt: at(1) });
    expect(retry.duplicate).toBe(false);
    expect(retry.results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);
  });

  it('answers accepted for a first delivery of resolves for unknown alerts, duplicate for its retry', async () => {
    const { id } = await givenIntegration('generic');
    const entries: Entry[] = [
      { dedupKey: 'never-1', status: 'resolved' },
      { dedupKey: 'never-2', status: 'resolved' },
    ];
    const first = await storeDelivery(delivery(id, entries, at(0)));
    expect(first.duplicate).toBe(false);
    expect(first.results).toEqual([
      expect.objectContaining({ outcome: 'dropped', reason: 'no-open-alert' }),
      expect.objectContaining({ outcome: 'dropped', reason: 'no-open-alert' }),
    ]);
    expect((await storeDelivery(delivery(id, entries, at(5)))).duplicate).toBe(true);
  });

  it('is not a duplicate when an alert it resolved fired again since (its resolve, older, is dropped as stale)', async () => {
    const { id } = await givenIntegration('generic');
    await storeDelivery(delivery(id, [{ dedupKey: 'flap' }], at(0)));
    const resolve = delivery(id, [{ dedupKey: 'flap', status: 'resolved' }], at(1));
    await storeDelivery(resolve);
    const refired = await storeDelivery(delivery(id, [{ dedupKey: 'flap', summary: 'again' }], at(2)));
    const again = await storeDelivery({ ...resolve, receivedAt: at(3) });
    expect(again.duplicate).toBe(false);
    expect(again.results).toEqual([expect.objectContaining({ outcome: 'dropped', reason: 'stale-resolve' })]);
    expect(await getLiveAlert(id, 'flap')).toMatchObject({ id: refired.results[0]!.alertId, status: 'firing' });
  });

  it('reads a body stored before the completion mark went (with its processedAt) and takes its retry as one', async () => {
    const { id } = await givenIntegration('generic');
    const old = delivery(id, [{ dedupKey: 'stored-before' }], at(0));
    const first = await storeDelivery(old);
    // The mark the earlier code wrote last.
    await documentClient().send(
      new UpdateCommand({
        TableName: tableName(),
        Key: keys.rawPayload(first.payloadId, 0),
        UpdateExpression: 'SET processedAt = :t',
        ExpressionAttributeValues: { ':t': at(0) },
      }),
    );
    expect((await storeDelivery({ ...old, receivedAt: at(30) })).duplicate).toBe(true);
    expect(await getPayload(first.payloadId)).toEqual({
      id: first.payloadId,
      integrationId: id,
      contentType: 'application/json',
      body: old.body,
      receivedAt: at(0),
    });
  });

  it('stores a body over 350 KB whole again when a first attempt stopped between its head and its chunks', async () => {
    const { id } = await givenIntegration('generic');
    const small = delivery(id, [{ dedupKey: 'big' }], at(0));
    // Incompressible: about 455 KB gzipped, two chunks.
    const body = JSON.stringify({
      alerts: JSON.parse(small.body).alerts,
      blob: randomBytes(450 * 1024).toString('base64'),
    });
    const first = await storeDelivery({ ...small, body });
    await documentClient().send(
      new DeleteCommand({ TableName: tableName(), Key: keys.rawPayload(first.payloadId, 1) }),
    );
    expect(await getPayload(first.payloadId)).toBeUndefined();
    expect((await storeDelivery({ ...small, body, receivedAt: at(1) })).duplicate).toBe(true);
    expect((await getPayload(first.payloadId))?.body).toBe(body);
  });

  it('costs 2 requests per one-alert delivery: the body Put and the alert write (a retry reads the alert)', async () => {
    const { id } = await givenIntegration('generic');
    const one = delivery(id, [{ dedupKey: 'counted' }], at(0));
    const first = await commandsOf(() => storeDelivery(one));
    expect(first.result.duplicate).toBe(false);
    expect(first.commands).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    const retry = await commandsOf(() => storeDelivery({ ...one, receivedAt: at(1) }));
    expect(retry.result.duplicate).toBe(true);
    expect(retry.commands).toEqual(['PutItemCommand', 'GetItemCommand']);
    // A batch: one Put for the body, one write per alert.
    const batch = delivery(
      id,
      ['b0', 'b1', 'b2', 'b3'].map((dedupKey) => ({ dedupKey })),
      at(2),
    );
    expect((await commandsOf(() => storeDelivery(batch))).commands.sort()).toEqual([
      'PutItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
    ]);
    // Its retry reads the four alerts in one BatchGetItem, and changes nothing.
    const batchRetry = await commandsOf(() => storeDelivery({ ...batch, receivedAt: at(3) }));
    expect(batchRetry.result).toMatchObject({ duplicate: true, results: [] });
    expect(batchRetry.commands).toEqual(['PutItemCommand', 'BatchGetItemCommand']);
  });

  it('tells a batch retry from a new delivery by every alert it carries, not only the first', async () => {
    const { id } = await givenIntegration('generic');
    const keys4 = ['c0', 'c1', 'c2', 'c3'];
    const body = delivery(
      id,
      keys4.map((dedupKey) => ({ dedupKey })),
      at(0),
    );
    await storeDelivery(body);
    // Another delivery moves the last alert on: the same body again is then a new notification for it.
    await storeDelivery(delivery(id, [{ dedupKey: 'c3', summary: 'changed' }], at(1)));
    const again = await storeDelivery({ ...body, receivedAt: at(2) });
    expect(again.duplicate).toBe(false);
    expect(again.results.map((r) => r.outcome)).toEqual(['duplicate', 'duplicate', 'duplicate', 'repeated']);
  });
});

// Decision 0090: alerts and incidents stored before the keys-only indexes (keys on gsi1/gsi2) are
// found by id meanwhile and listed again once the backfill (shared/store/migrations.ts) moved their keys.
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { handler as ingest } from '../../functions/ingest/handler';
import { applyPendingMigrations, backfillHotIndexes } from '../../shared/store/migrations';
import { getAlert, getLiveAlert, listAlerts } from '../../shared/store/alerts';
import { documentClient, tableName } from '../../shared/store/client';
import { keys } from '../../shared/store/keys';
import { call, type Handler } from '../support/http-event';
import { givenIntegration } from '../support/store';

/** Rewrite an item as a release before decision 0090 stored it: its gsi3/gsi4 keys under gsi1/gsi2. */
async function asBefore0090(key: { pk: string; sk: string }): Promise<void> {
  const { Item } = await documentClient().send(new GetCommand({ TableName: tableName(), Key: key }));
  const { gsi3pk, gsi3sk, gsi4pk, gsi4sk, ...rest } = Item!;
  await documentClient().send(
    new PutCommand({
      TableName: tableName(),
      Item: { ...rest, gsi1pk: gsi3pk, gsi1sk: gsi3sk, gsi2pk: gsi4pk, gsi2sk: gsi4sk },
    }),
  );
}

describe('backfill of the keys-only indexes', () => {
  it('finds an older alert by id, and lists it again once its keys were moved', async () => {
    const { id, token } = await givenIntegration('generic');
    const r = await call(ingest as Handler, {
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: id },
      headers: { authorization: `Bearer ${token}` },
      body: { dedupKey: 'old-one', summary: 'stored before 0090' },
    });
    expect(r.status).toBe(202);
    const live = await getLiveAlert(id, 'old-one');
    await asBefore0090(keys.liveAlert(id, 'old-one'));
    const listed = async () =>
      (
        await listAlerts({
          integrationId: id,
          since: new Date(Date.now() - 3600_000),
          until: new Date(Date.now() + 60_000),
          limit: 10,
        })
      ).items.map((a) => a.id);

    expect((await getAlert(live!.id))?.id).toBe(live!.id);
    expect(await listed()).toEqual([]);

    const first = await backfillHotIndexes();
    expect(first.moved).toBeGreaterThanOrEqual(1);
    expect(await listed()).toEqual([live!.id]);
    const item = (
      await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.liveAlert(id, 'old-one') }))
    ).Item!;
    expect(item).toMatchObject({ gsi3pk: `ALERT#${live!.id}`, gsi4sk: `${live!.firstReceivedAt}#${live!.id}` });
    expect(item.gsi1pk).toBeUndefined();
    expect(item.revision).toBe(live!.revision);
    expect(await getAlert(live!.id)).toEqual(live);
    // Again: nothing left to move for this alert.
    await backfillHotIndexes();
    expect(await listed()).toEqual([live!.id]);
  });

  it('moves a table of older items in bounded pages, every one of them', async () => {
    const run = `bulk-${Date.now()}`;
    const items = Array.from({ length: 1200 }, (_, i) => ({
      pk: `ALERT#${run}-${i}`,
      sk: 'ALERT',
      type: 'Alert',
      gsi1pk: `ALERT#${run}-${i}`,
      gsi1sk: 'ALERT',
      gsi2pk: `ALERTS#${run}`,
      gsi2sk: `2026-11-01T00:00:00.000Z#${i}`,
    }));
    for (let i = 0; i < items.length; i += 25)
      await documentClient().send(
        new BatchWriteCommand({
          RequestItems: { [tableName()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
    const client = documentClient();
    const send = jest.spyOn(client, 'send');
    try {
      const result = await backfillHotIndexes();
      expect(result.moved).toBeGreaterThanOrEqual(items.length);
      const scans = send.mock.calls.map(([command]) => command).filter((c) => c instanceof ScanCommand);
      // However big the table, no request reads more than a page's worth (the store's request timeout).
      expect(scans.length).toBeGreaterThanOrEqual(3);
      for (const scan of scans) expect((scan as ScanCommand).input.Limit).toBeLessThanOrEqual(500);
    } finally {
      send.mockRestore();
    }
    for (let i = 0; i < items.length; i += 100) {
      const { Responses } = await documentClient().send(
        new BatchGetCommand({
          RequestItems: {
            [tableName()]: { Keys: items.slice(i, i + 100).map(({ pk, sk }) => ({ pk, sk })), ConsistentRead: true },
          },
        }),
      );
      const got = Responses![tableName()]!;
      expect(got).toHaveLength(Math.min(100, items.length - i));
      for (const item of got) {
        expect(item.gsi3pk).toBe(item.pk);
        expect(item.gsi1pk).toBeUndefined();
      }
    }
  });
});

describe('pending migrations', () => {
  it('run once, are recorded, and are not run again', async () => {
    const { id, token } = await givenIntegration('generic');
    await call(ingest as Handler, {
      routeKey: 'POST /hooks/{integrationId}',
      params: { integrationId: id },
      headers: { authorization: `Bearer ${token}` },
      body: { dedupKey: 'older-still', summary: 'stored before 0090' },
    });
    const live = await getLiveAlert(id, 'older-still');
    const at = new Date('2026-12-01T03:00:00Z');
    // Whatever ran before (another test, a runtime start) recorded 0090: forget it, as an older data dir would.
    await documentClient().send(new DeleteCommand({ TableName: tableName(), Key: keys.migration('0090-hot-indexes') }));
    await asBefore0090(keys.liveAlert(id, 'older-still'));

    const first = (await applyPendingMigrations(at)).filter((m) => m.id === '0090-hot-indexes');
    expect(first).toEqual([expect.objectContaining({ id: '0090-hot-indexes' })]);
    expect(first[0]!.moved).toBeGreaterThanOrEqual(1);
    const moved = (
      await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.liveAlert(id, 'older-still') }))
    ).Item!;
    expect(moved.gsi3pk).toBe(`ALERT#${live!.id}`);
    const marker = (
      await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.migration('0090-hot-indexes') }))
    ).Item!;
    expect(marker).toMatchObject({ type: 'Migration', appliedAt: at.toISOString(), moved: first[0]!.moved });

    // Recorded: a later start scans nothing, even if an old-shaped item appeared meanwhile.
    await asBefore0090(keys.liveAlert(id, 'older-still'));
    expect(await applyPendingMigrations(at)).toEqual([]);
    const untouched = (
      await documentClient().send(new GetCommand({ TableName: tableName(), Key: keys.liveAlert(id, 'older-still') }))
    ).Item!;
    expect(untouched.gsi3pk).toBeUndefined();
  });
});

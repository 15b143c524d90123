// Joining an incident costs the same at any size: the incident item carries counters only (each
// alert's link, with its join's timeline entry, and its key's history are items of their own), so
// an incident grows past 20,000 alerts without a failed join and without its item growing. The memberships are written
// directly in batches (the test is about size); the last joins go through the real engine.
import { BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { onAlertOpened } from '../../shared/app/incidents/engine';
import { documentClient, tableName } from '../../shared/store/client';
import { getIncident } from '../../shared/store/incidents';
import { incidentKeys } from '../../shared/store/keys';
import { at, setRules, snap } from '../support/incidents';
import { useOwnTable } from '../support/store';
import { LONG_RUNNING_JVM_ARGS, startDynamoDbLocal, type DynamoDbLocal } from '../../infra/local/dynamodb-local';

// A DynamoDB Local of its own, started before useOwnTable's hook runs: the one the suite shares gets
// slower with every write it has taken (this file took 15 s on a fresh one, then 143 s and 327 s when
// run again on the same one, with its tables dropped in between), and 20,000 writes here would slow
// every file after it.
let ownDynamo: DynamoDbLocal | undefined;
const sharedEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
beforeAll(async () => {
  ownDynamo = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS], startTimeoutMs: 120_000 });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = ownDynamo.endpoint;
}, 180_000);
useOwnTable();
afterAll(async () => {
  await ownDynamo?.stop();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = sharedEndpoint;
});
jest.setTimeout(600_000);

const SIZE = 20_000;
const JOINS = 20;
const T = '2026-11-23T04:00:00.000Z';

async function writeAll(items: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const worker = async () => {
    for (let batch = batches.pop(); batch; batch = batches.pop()) {
      let request: Record<string, unknown>[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
      while (request?.length) {
        const r = await documentClient().send(
          new BatchWriteCommand({ RequestItems: { [tableName()]: request as never } }),
        );
        request = r.UnprocessedItems?.[tableName()] as Record<string, unknown>[] | undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

it(`an incident takes alert ${SIZE + JOINS} as it took its second, and its item does not grow`, async () => {
  await setRules({ defaultRoute: { groupBy: ['alertname'] }, storm: { maxIncidentsPerMinute: 100 } });
  const first = await onAlertOpened(snap({ labels: { alertname: 'BigOne', host: 'h-0' } }), at(T, 0));
  const incidentId = first.incidentId!;
  const itemSize = async () => {
    const r = await documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.incident(incidentId), ConsistentRead: true }),
    );
    return JSON.stringify(r.Item).length;
  };
  const sizeAtOne = await itemSize();

  const seeded = SIZE - 1;
  await writeAll(
    Array.from({ length: seeded }, (_, i) => ({
      ...incidentKeys.link(incidentId, `seed-${String(i).padStart(6, '0')}`),
      type: 'IncidentAlert',
      alertId: `seed-${i}`,
      dedupKey: `seed-key-${i}`,
      status: 'firing',
      relation: 'member',
    })),
  );
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: incidentKeys.incident(incidentId),
      UpdateExpression: 'ADD alertCount :n, openAlertCount :n',
      ExpressionAttributeValues: { ':n': seeded },
    }),
  );

  const outcomes = [];
  for (let j = 0; j < JOINS; j++)
    outcomes.push(await onAlertOpened(snap({ labels: { alertname: 'BigOne', host: `late-${j}` } }), at(T, 60 + j)));
  expect(outcomes.map((o) => [o.kind, o.incidentId])).toEqual(
    Array.from({ length: JOINS }, () => ['incident', incidentId]),
  );

  const incident = await getIncident(incidentId);
  expect(incident).toMatchObject({ alertCount: SIZE + JOINS, openAlertCount: SIZE + JOINS, flapping: false });
  // Counters only: the item is the size it was with one alert (give or take the counters' digits).
  expect(await itemSize()).toBeLessThan(sizeAtOne + 100);
  let links = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const r = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
        ExpressionAttributeValues: { ':pk': incidentKeys.incident(incidentId).pk, ':a': incidentKeys.linkPrefix() },
        Select: 'COUNT',
        ExclusiveStartKey: start,
      }),
    );
    links += r.Count ?? 0;
    start = r.LastEvaluatedKey;
  } while (start);
  expect(links).toBe(SIZE + JOINS);
});

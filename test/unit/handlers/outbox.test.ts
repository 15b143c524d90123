// The outbox turns stream records into contract-valid events, and reports the failed record
// so the stream retries from it.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { alertEventDetailSchema, ALERT_DETAIL_TYPES } from '../../../events/alerts';
import { handler } from '../../../functions/outbox/handler';
import { setEventPublisher, EventBridgePublisher } from '../../../shared/adapters/events';

const eb = mockClient(EventBridgeClient);

const alertItem = (over: Record<string, unknown> = {}) => ({
  pk: 'DEDUP#int-1#k',
  sk: 'LIVE',
  type: 'Alert',
  id: '01ALERT',
  integrationId: 'int-1',
  source: 'generic',
  dedupKey: 'k',
  status: 'firing',
  severity: 'critical',
  summary: 'db down',
  labels: {},
  details: {},
  links: [],
  startsAt: '2026-11-21T00:00:00Z',
  count: 1,
  firstReceivedAt: '2026-11-21T00:00:01Z',
  lastReceivedAt: '2026-11-21T00:00:01Z',
  firstPayloadId: 'p1',
  lastPayloadId: 'p1',
  revision: 1,
  ...over,
});

const record = (seq: string, oldImage?: object, newImage?: object): DynamoDBRecord => ({
  eventID: `e${seq}`,
  eventName: oldImage && newImage ? 'MODIFY' : newImage ? 'INSERT' : 'REMOVE',
  dynamodb: {
    SequenceNumber: seq,
    OldImage: oldImage ? (marshall(oldImage) as never) : undefined,
    NewImage: newImage ? (marshall(newImage) as never) : undefined,
  },
});

beforeEach(() => {
  eb.reset();
  setEventPublisher(new EventBridgePublisher(new EventBridgeClient({ region: 'us-east-1' }), 'nocturne-test'));
});

describe('outbox', () => {
  it('publishes one contract-valid event per alert change and none for the delete half of a resolve', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const opened = alertItem();
    const repeated = alertItem({ count: 2, revision: 2 });
    const resolved = alertItem({
      pk: 'ALERT#01ALERT',
      sk: 'ALERT',
      status: 'resolved',
      resolvedAt: '2026-11-21T00:05:00Z',
      revision: 3,
    });
    const event: DynamoDBStreamEvent = {
      Records: [
        record('1', undefined, opened),
        record('2', opened, repeated),
        record('3', repeated, undefined),
        record('4', undefined, resolved),
      ],
    };
    const r = await handler(event);
    expect(r.batchItemFailures).toEqual([]);
    const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual([
      ALERT_DETAIL_TYPES.opened,
      ALERT_DETAIL_TYPES.repeated,
      ALERT_DETAIL_TYPES.resolved,
    ]);
    for (const e of entries) {
      expect(e.EventBusName).toBe('nocturne-test');
      expect(e.Source).toBe('nocturne.alerts');
      expect(alertEventDetailSchema.safeParse(JSON.parse(e.Detail!)).success).toBe(true);
    }
    expect(JSON.parse(entries[1]!.Detail!).eventId).toBe('01ALERT:2');
  });

  it('reports the first record that failed so the stream retries from it', async () => {
    eb.on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] })
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    const r = await handler({
      Records: [
        record('10', undefined, alertItem()),
        record('11', undefined, alertItem({ id: '02' })),
        record('12', undefined, alertItem({ id: '03' })),
      ],
    });
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: '11' }]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(2);
  });
});

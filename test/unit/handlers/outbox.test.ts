// The outbox turns stream records into contract-valid events, and reports the failed record
// so the stream retries from it.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { alertEventDetailSchema, ALERT_DETAIL_TYPES } from '../../../events/alerts';
import { handler } from '../../../functions/outbox/handler';
import { catalog } from '../../../infra/catalog';
import { OUTBOX_ITEM_TYPES } from '../../../shared/store/outbox/item-types';
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
    const repeated = alertItem({ count: 2, severity: 'error', revision: 2 });
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

  it('publishes Alert Repeated only for a repeat that changes what places the alert', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const first = alertItem({ severity: 'error', labels: { alertname: 'DbDown', instance: 'db-1' } });
    // Alertmanager's repeat_interval resend: count, last-seen, payload, details and an annotation
    // summary (the alert is named by its alertname label) move; nothing the engine reads does.
    const same = {
      ...first,
      count: 2,
      lastReceivedAt: '2026-11-21T00:04:01Z',
      lastPayloadId: 'p2',
      summary: 'db down for 4 minutes',
      details: { value: '4m' },
      links: [{ href: 'https://grafana.example.net/d/db' }],
      revision: 2,
    };
    const changes: Array<[string, Record<string, unknown>]> = [
      ['a raised severity', { severity: 'critical' }],
      ['a lowered severity', { severity: 'warning' }],
      ['a new label', { labels: { alertname: 'DbDown', instance: 'db-1', zone: 'a' } }],
      ['a changed label', { labels: { alertname: 'DbDown', instance: 'db-2' } }],
      ['a new service', { service: 'billing-db' }],
      ['a new resource', { resource: 'db-1.internal' }],
      ['the summary of an alert without an alertname', { labels: {}, summary: 'db down' }],
    ];
    const unnamed = alertItem({ severity: 'error', labels: {}, summary: 'db is down' });
    const records = [
      record('20', first, same),
      ...changes.map(([, over], i) => record(`2${i + 1}`, i === 6 ? unnamed : same, { ...same, ...over, revision: 3 })),
    ];
    const r = await handler({ Records: records });
    expect(r.batchItemFailures).toEqual([]);
    const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual(changes.map(() => ALERT_DETAIL_TYPES.repeated));
    expect(entries.map((e) => (JSON.parse(e.Detail!) as { alert: { severity: string } }).alert.severity)).toEqual([
      'critical',
      'warning',
      'error',
      'error',
      'error',
      'error',
      'error',
    ]);
  });

  it('still publishes an acknowledgement and a resolve whatever else changed', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const firing = alertItem();
    const acked = alertItem({ acknowledgedAt: '2026-11-21T00:02:00Z', revision: 2 });
    const resolved = alertItem({ pk: 'ALERT#01ALERT', sk: 'ALERT', status: 'resolved', revision: 3 });
    await handler({ Records: [record('30', firing, acked), record('31', undefined, resolved)] });
    const entries = eb.commandCalls(PutEventsCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(entries.map((e) => e.DetailType)).toEqual([ALERT_DETAIL_TYPES.acknowledged, ALERT_DETAIL_TYPES.resolved]);
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

  it('publishes nothing for changes of item types no mapper reads, and its trigger lets only the mapped types through', async () => {
    eb.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const raw = { pk: 'RAW#p1', sk: 'CHUNK#000', type: 'RawPayload', data: new Uint8Array([1, 2]) };
    const r = await handler({
      Records: [
        record('1', undefined, raw),
        record('2', raw, { ...raw, processedAt: '2026-11-21T00:00:02Z' }),
        record('3', undefined, { pk: 'INCIDENT#i1', sk: 'TL#2026-11-21T00:00:02Z#1', type: 'IncidentTimeline' }),
        record('4', alertItem(), undefined),
      ],
    });
    expect(r.batchItemFailures).toEqual([]);
    expect(eb.commandCalls(PutEventsCommand)).toHaveLength(0);
    // The stream trigger lets only the types with a mapper through (mappers.ts: one per listed type, by type).
    expect(catalog.functions.find((f) => f.name === 'outbox')?.triggers).toEqual([
      { kind: 'tableStream', batchSize: 100, itemTypes: [...OUTBOX_ITEM_TYPES] },
    ]);
  });
});

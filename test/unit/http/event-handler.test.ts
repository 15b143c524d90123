// Event-triggered handlers: the detail is validated against the events/ contract before the
// handler runs; an invalid one is dropped per the one policy (logged at error with the reason and
// event id, counted, no retry); every log line of a handler carries the Lambda request id.
import type { EventBridgeEvent } from 'aws-lambda';
import {
  INCIDENT_DETAIL_TYPES,
  INCIDENT_EVENT_SOURCE,
  incidentEventDetailSchema,
  type IncidentEventDetail,
} from '../../../events/incidents';
import { incidentEventContracts } from '../../../events/incidents';
import { eventHandler, INVALID_EVENTS_METRIC } from '../../../shared/http/event-handler';
import { logger } from '../../../shared/observability/logger';
import { lambdaContext } from '../../support/http-event';

const example = incidentEventContracts.find((c) => c.detailType === INCIDENT_DETAIL_TYPES.opened)!
  .example as IncidentEventDetail;
const busEvent = (detail: unknown): EventBridgeEvent<string, unknown> => ({
  version: '0',
  id: 'ev-123',
  'detail-type': INCIDENT_DETAIL_TYPES.opened,
  source: INCIDENT_EVENT_SOURCE,
  account: '0',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('eventHandler', () => {
  afterEach(() => jest.restoreAllMocks());

  it('hands the handler the typed detail of a valid event', async () => {
    const seen: IncidentEventDetail[] = [];
    const handler = eventHandler(incidentEventDetailSchema, async (event) => {
      seen.push(event.detail);
      return event.detail.incident.id;
    });
    await expect(handler(busEvent(example), lambdaContext)).resolves.toBe(example.incident.id);
    expect(seen).toEqual([incidentEventDetailSchema.parse(example)]);
  });

  it('drops an invalid detail without calling the handler or throwing (no retry), logged and counted', async () => {
    const errors = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const fn = jest.fn();
    const handler = eventHandler(incidentEventDetailSchema, fn);
    const { incident: _dropped, ...withoutIncident } = example;
    await expect(handler(busEvent(withoutIncident), lambdaContext)).resolves.toBeUndefined();
    expect(fn).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledTimes(1);
    const [message, fields] = errors.mock.calls[0] as unknown as [string, Record<string, unknown>];
    expect(message).toMatch(/dropped/);
    expect(fields).toMatchObject({
      eventId: 'ev-123',
      source: INCIDENT_EVENT_SOURCE,
      detailType: INCIDENT_DETAIL_TYPES.opened,
      [INVALID_EVENTS_METRIC]: 1,
    });
    expect(fields.reason).toMatch(/^incident: /);
    expect(fields._aws).toMatchObject({
      CloudWatchMetrics: [{ Metrics: [{ Name: INVALID_EVENTS_METRIC, Unit: 'Count' }] }],
    });
  });

  it('puts the Lambda request id on every log line of the handler', async () => {
    const lines: string[] = [];
    for (const stream of [process.stdout, process.stderr])
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        lines.push(String(chunk));
        return true;
      });
    jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    const handler = eventHandler(incidentEventDetailSchema, async () => {
      logger.warn('inside the handler'); // tests log at WARN and above
    });
    await handler(busEvent(example), { ...lambdaContext, awsRequestId: 'req-42' });
    const line = lines.find((l) => l.includes('inside the handler'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ function_request_id: 'req-42' });
  });
});

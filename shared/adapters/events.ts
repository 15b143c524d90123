// Putting events on the Nocturne bus. Handlers call publishEvents(); in AWS it is EventBridge
// PutEvents, and the local runtime swaps in its in-process bus with setEventPublisher().
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

export interface BusEvent {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  /** Event time (ISO); the bus stamps now when absent. */
  time?: string;
  /** Resources the event is about (ARNs or Nocturne ids). */
  resources?: string[];
}

export interface EventPublisher {
  publish(events: BusEvent[]): Promise<void>;
}

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client = new EventBridgeClient({}),
    private readonly busName = process.env.EVENT_BUS_NAME ?? 'default',
  ) {}

  async publish(events: BusEvent[]): Promise<void> {
    // PutEvents takes at most 10 entries; a partial failure is retried by throwing, and
    // consumers de-duplicate on detail.eventId.
    for (let i = 0; i < events.length; i += 10) {
      const entries: PutEventsRequestEntry[] = events.slice(i, i + 10).map((e) => ({
        EventBusName: this.busName,
        Source: e.source,
        DetailType: e.detailType,
        Detail: JSON.stringify(e.detail),
        Time: e.time ? new Date(e.time) : undefined,
        Resources: e.resources,
      }));
      const r = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if (r.FailedEntryCount) {
        const codes = (r.Entries ?? []).map((x) => x.ErrorCode).filter(Boolean);
        throw new Error(`EventBridge rejected ${r.FailedEntryCount} of ${entries.length} events: ${codes.join(', ')}`);
      }
    }
  }
}

let publisher: EventPublisher | undefined;

export function eventPublisher(): EventPublisher {
  publisher ??= new EventBridgePublisher();
  return publisher;
}

export function setEventPublisher(p: EventPublisher | undefined): void {
  publisher = p;
}

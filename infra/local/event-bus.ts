// The in-process EventBridge bus. Handlers publish through shared/adapters/events.ts, which the
// runtime points here with setEventPublisher(). Each event is stamped like PutEvents does
// (id, time, account, region), appended to events.jsonl, and delivered asynchronously to every
// function whose catalog `event` trigger matches, as a real EventBridge event object.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { EventBridgeEvent } from 'aws-lambda';
import type { BusEvent, EventPublisher } from '../../shared/adapters/events';
import type { EventTrigger, FunctionDefinition } from '../catalog';
import { matchesEventPattern, validateEventPattern, type EventPattern } from './event-pattern';
import { appendJsonl } from './jsonl';
import { checkGrant, type LambdaHost } from './lambda';

export type BusEventEnvelope = EventBridgeEvent<string, Record<string, unknown>>;

export interface BusRule {
  /** Rule name, as the CDK app would name it (nocturne-<function>-rule<i>). */
  name: string;
  function: string;
  pattern: EventPattern;
}

export const ACCOUNT = '000000000000';
/** PutEvents limit for one entry. */
const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_KEPT = 1000;

export class PutEventsValidationError extends Error {
  override readonly name = 'ValidationException';
}

export class LocalEventBus implements EventPublisher {
  readonly rules: BusRule[] = [];
  /** The most recent events, oldest first (all of them are in events.jsonl). */
  readonly events: BusEventEnvelope[] = [];
  private readonly listeners = new Set<(e: BusEventEnvelope) => void>();

  constructor(
    functions: FunctionDefinition[],
    private readonly host: LambdaHost,
    private readonly opts: { region: string; busName: string; dataDir: string; log: (line: string) => void },
  ) {
    for (const fn of functions) {
      fn.triggers
        .filter((t): t is EventTrigger => t.kind === 'event')
        .forEach((t, i) => {
          validateEventPattern(t.pattern);
          this.rules.push({ name: `nocturne-${fn.name}-rule${i}`, function: fn.name, pattern: t.pattern });
        });
    }
  }

  /** Observe every event put on the bus; returns the unsubscribe function. */
  subscribe(listener: (e: BusEventEnvelope) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(events: BusEvent[]): Promise<void> {
    checkGrant((fn) => fn.publishEvents === true, 'events:PutEvents', 'set publishEvents: true');
    // Validate the whole batch first: PutEvents rejects bad entries without delivering them.
    for (const e of events) {
      if (!e.source || !e.detailType) throw new PutEventsValidationError('An event needs source and detailType.');
      if (typeof e.detail !== 'object' || e.detail === null || Array.isArray(e.detail))
        throw new PutEventsValidationError(`Event ${e.detailType}: detail must be a JSON object.`);
      const size =
        Buffer.byteLength(JSON.stringify(e.detail)) + Buffer.byteLength(e.source) + Buffer.byteLength(e.detailType);
      if (size > MAX_ENTRY_BYTES)
        throw new PutEventsValidationError(`Event ${e.detailType} is ${size} bytes; EventBridge takes at most 256 KB.`);
    }
    for (const e of events) this.put(e);
  }

  private put(e: BusEvent): void {
    const envelope: BusEventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': e.detailType,
      source: e.source,
      account: ACCOUNT,
      time: toEventTime(e.time ? new Date(e.time) : new Date()),
      region: this.opts.region,
      resources: e.resources ?? [],
      detail: e.detail,
    };
    appendJsonl(path.join(this.opts.dataDir, 'events.jsonl'), { bus: this.opts.busName, ...envelope });
    this.events.push(envelope);
    if (this.events.length > MAX_KEPT) this.events.splice(0, this.events.length - MAX_KEPT);
    this.opts.log(`[bus] ${e.source} ${e.detailType}`);
    for (const l of this.listeners) {
      try {
        l(envelope);
      } catch (err) {
        this.opts.log(`[bus] a subscriber threw: ${(err as Error).message}`);
      }
    }
    for (const rule of this.rules) {
      if (matchesEventPattern(rule.pattern, envelope))
        this.host.invokeAsync(rule.function, envelope, `event:${rule.name}`);
    }
  }
}

/** EventBridge times have second precision: 2026-11-21T23:31:00Z. */
export function toEventTime(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

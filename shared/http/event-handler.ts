// The Lambda entry shapes for everything that is not an API route, beside httpApi: every entry
// runs through middy with the Powertools Logger's Lambda context (each log line carries the
// request id), and an EventBridge handler gets its detail validated against its events/ contract.
//
// One policy for an event whose detail does not validate (docs/decisions/0030-invalid-events.md):
// it is logged at error with the reason, the event id, source and detail-type, counted as the
// InvalidEvents metric (CloudWatch embedded metric format, in the same log line), and dropped:
// the invocation succeeds, so neither EventBridge nor the async retries redeliver it (a retry
// cannot make it valid) and it does not fill the dead-letter queue.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import type { z } from 'zod';
import { logger } from '../observability/logger';

export const INVALID_EVENTS_METRIC = 'InvalidEvents';
const METRIC_NAMESPACE = 'Nocturne';

/** A Lambda handler with the logger's Lambda context injected (schedules, streams, direct invokes).
 * The context is optional so tests and in-process callers may call it with the event alone. */
export function lambdaHandler<E, R>(
  fn: (event: E, context: Context) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  const wrapped = middy<E, R, Error, Context>().use(injectLambdaContext(logger)).handler(fn);
  return (event, context) => wrapped(event, context ?? ({} as Context));
}

/** The EventBridge event a handler receives: its detail parsed with the contract's schema. */
export type ContractEvent<D> = EventBridgeEvent<string, D>;

/**
 * Build the Lambda handler of an event-triggered function. `schema` is the detail schema of the
 * events/ contract it consumes (or a projection of it, naming only the fields it reads). An event
 * whose detail does not parse is dropped per the policy above and the handler is not called.
 */
export function eventHandler<S extends z.ZodType, R>(
  schema: S,
  fn: (event: ContractEvent<z.output<S>>, context: Context) => Promise<R>,
) {
  return lambdaHandler<EventBridgeEvent<string, unknown>, R | undefined>(async (event, context) => {
    const parsed = schema.safeParse(event.detail);
    if (!parsed.success) {
      dropInvalidEvent(event, parsed.error);
      return undefined;
    }
    return fn({ ...event, detail: parsed.data }, context);
  });
}

function dropInvalidEvent(event: EventBridgeEvent<string, unknown>, error: z.ZodError): void {
  const issues = error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  logger.error('event does not match its contract; dropped without retry', {
    eventId: event.id,
    source: event.source,
    detailType: event['detail-type'],
    reason: issues.map((i) => `${i.path || 'detail'}: ${i.message}`).join('; '),
    issues,
    // Embedded metric format: CloudWatch counts InvalidEvents per source from this same line.
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['source']],
          Metrics: [{ Name: INVALID_EVENTS_METRIC, Unit: 'Count' }],
        },
      ],
    },
    [INVALID_EVENTS_METRIC]: 1,
  });
}

// Lambda entry for the outbox (see infra/catalog.ts: "outbox"): every committed change of the
// main table arrives here through its DynamoDB stream and becomes at most one versioned event.
// A failure reports the record so the stream retries from it; nothing is lost or skipped.
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { eventPublisher, type BusEvent } from '../../shared/adapters/events';
import { eventsForChange } from './mappers';
import { isOutboxItemType } from '../../shared/store/outbox/item-types';
import { logger } from '../../shared/observability/logger';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  for (const record of event.Records) {
    // A change no mapper reads (the trigger's filter keeps them away; a direct call may not) is not even unmarshalled.
    if (!isOutboxItemType(record.dynamodb?.NewImage?.type?.S)) continue;
    try {
      const oldImage = record.dynamodb?.OldImage ? unmarshall(record.dynamodb.OldImage as never) : undefined;
      const newImage = record.dynamodb?.NewImage ? unmarshall(record.dynamodb.NewImage as never) : undefined;
      const events: BusEvent[] = eventsForChange(oldImage, newImage);
      if (events.length) await eventPublisher().publish(events);
    } catch (err) {
      logger.error('outbox record failed; the stream will retry from it', {
        error: err as Error,
        eventID: record.eventID,
      });
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? record.eventID ?? '' }] };
    }
  }
  return { batchItemFailures: [] };
});

// Lambda entry of the dead-letter redrive (see infra/catalog: "dlq-redrive", docs/decisions/0009). In
// AWS every async DLQ (Lambda async failures and EventBridge rule-target failures; both carry the
// original event as the message body) is an SQS event source of this function, one message at a
// time. The function that queue belongs to is invoked again, synchronously, with that event: when
// it succeeds the message is deleted; when it fails the message comes back after the queue's
// visibility timeout (15 min), and after 5 receives SQS parks it in the alarmed ParkedDeadLetters
// queue for a person. Handlers are idempotent, so a redrive never pages twice.
// Locally the runtime replays dlq.jsonl itself (infra/local/dead-letters.ts); this entry is AWS's.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { lambdaHandler } from '../../shared/http/event-handler';
import { redriveBatch } from './redrive';

export const handler = lambdaHandler((event: SQSEvent): Promise<SQSBatchResponse> => redriveBatch(event));

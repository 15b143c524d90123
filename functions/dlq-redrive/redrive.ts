// The redrive of one batch of dead letters (see handler.ts). The Lambda client is injectable for tests.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger } from '../../shared/observability/logger';

/** `<queue name>=<function name>` pairs, comma-separated (set by the stack, DEAD_LETTER_TARGETS_ENV). */
export function parseTargets(value: string | undefined): Map<string, string> {
  const targets = new Map<string, string>();
  for (const pair of (value ?? '').split(',')) {
    const [queue, fn] = pair.split('=');
    if (queue && fn) targets.set(queue.trim(), fn.trim());
  }
  return targets;
}

/** arn:aws:sqs:<region>:<account>:<name> → name */
const queueNameOf = (arn: string) => arn.split(':').at(-1) ?? '';

let client: Pick<LambdaClient, 'send'> | undefined;
export function setLambdaClient(c: Pick<LambdaClient, 'send'> | undefined): void {
  client = c;
}

export async function redriveBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const targets = parseTargets(process.env.DEAD_LETTER_TARGETS);
  client ??= new LambdaClient({});
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const target = targets.get(queueNameOf(record.eventSourceARN));
    const receives = Number(record.attributes.ApproximateReceiveCount);
    const where = { messageId: record.messageId, queue: queueNameOf(record.eventSourceARN), target, receives };
    if (!target) {
      logger.error('dead letter from a queue no function owns; it stays (and is parked after the last receive)', where);
      failures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      const r = await client.send(
        new InvokeCommand({
          FunctionName: target,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(record.body),
        }),
      );
      if (r.FunctionError) {
        const detail = r.Payload ? Buffer.from(r.Payload).toString('utf8').slice(0, 500) : '';
        throw new Error(`${r.FunctionError}: ${detail}`);
      }
      logger.info('dead letter redriven', where);
    } catch (err) {
      logger.warn('redrive failed; the message comes back later, then is parked for a person', {
        ...where,
        error: String(err),
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}

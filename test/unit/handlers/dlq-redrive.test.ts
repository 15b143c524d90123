// The AWS redrive of dead letters: each message is handed back to the function its queue belongs
// to; success deletes it, a failure (or an unknown queue) leaves it for the next receive.
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { parseTargets, redriveBatch, setLambdaClient } from '../../../functions/dlq-redrive/redrive';

const record = (messageId: string, queue: string, body: unknown, receives = 1): SQSRecord =>
  ({
    messageId,
    receiptHandle: 'r',
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receives) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:${queue}`,
    awsRegion: 'us-east-1',
  }) as unknown as SQSRecord;

describe('dlq-redrive', () => {
  const calls: Array<{ FunctionName?: string; InvocationType?: string; payload: unknown }> = [];
  beforeEach(() => {
    calls.length = 0;
    process.env.DEAD_LETTER_TARGETS = 'engine-dlq=nocturne-incident-engine,paging-dlq=nocturne-paging';
    setLambdaClient({
      send: (async (cmd: InvokeCommand) => {
        const payload = JSON.parse(Buffer.from(cmd.input.Payload as Uint8Array).toString('utf8')) as { fail?: boolean };
        calls.push({ FunctionName: cmd.input.FunctionName, InvocationType: cmd.input.InvocationType, payload });
        return payload.fail
          ? { FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"store down"}') }
          : { StatusCode: 200 };
      }) as never,
    });
  });
  afterAll(() => setLambdaClient(undefined));

  it('parses the queue → function pairs the stack sets', () => {
    expect([...parseTargets('a=f1,b=f2,').entries()]).toEqual([
      ['a', 'f1'],
      ['b', 'f2'],
    ]);
  });

  it('invokes the owning function synchronously with the original event; failures and unknown queues stay', async () => {
    const event: SQSEvent = {
      Records: [
        record('m1', 'engine-dlq', { 'detail-type': 'Alert Opened', detail: { n: 1 } }),
        record('m2', 'paging-dlq', { fail: true }),
        record('m3', 'someone-elses-dlq', {}),
      ],
    };
    const r = await redriveBatch(event);
    expect(calls).toEqual([
      {
        FunctionName: 'nocturne-incident-engine',
        InvocationType: 'RequestResponse',
        payload: { 'detail-type': 'Alert Opened', detail: { n: 1 } },
      },
      { FunctionName: 'nocturne-paging', InvocationType: 'RequestResponse', payload: { fail: true } },
    ]);
    expect(r.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
  });
});

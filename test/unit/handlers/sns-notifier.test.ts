// SNS publishing (pages, stakeholder updates, notifications): one Publish per message to the topic's
// ARN from TOPIC_ARN_<NAME>, with the message attributes subscription filters match on and the
// deduplication hint as the `dedup` attribute. The SNS client package loads on the first publish
// unless a function handed it over at cold start (useSnsSdk); either way the same commands go out.
import * as sns from '@aws-sdk/client-sns';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SnsNotifier, useSnsSdk } from '../../../shared/adapters/notifier';

function fakeSns() {
  const sent: unknown[] = [];
  const client = {
    send: async (cmd: PublishCommand) => {
      if (!(cmd instanceof PublishCommand)) throw new Error(`unexpected ${String(cmd)}`);
      sent.push(cmd.input);
      return { MessageId: `m-${sent.length}` };
    },
  };
  return { client: client as unknown as SNSClient, sent };
}

beforeEach(() => {
  process.env.TOPIC_ARN_PAGES = 'arn:aws:sns:eu-west-1:123456789012:pages';
});
afterEach(() => {
  delete process.env.TOPIC_ARN_PAGES;
});

test('a notification is one Publish to its topic, attributes and dedup hint included', async () => {
  const s = fakeSns();
  const r = await new SnsNotifier(s.client).publish({
    topic: 'pages',
    subject: 'x'.repeat(120),
    message: 'billing-db primary is down',
    attributes: { recipient: 'alice' },
    deduplicationId: 'inc-1:1',
  });
  expect(r).toEqual({ messageId: 'm-1' });
  expect(s.sent).toEqual([
    {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages',
      Subject: 'x'.repeat(100),
      Message: 'billing-db primary is down',
      MessageStructure: undefined,
      MessageAttributes: {
        recipient: { DataType: 'String', StringValue: 'alice' },
        dedup: { DataType: 'String', StringValue: 'inc-1:1' },
      },
    },
  ]);
});

test('with the package handed over at cold start, the same Publish goes out', async () => {
  useSnsSdk(sns);
  const s = fakeSns();
  await new SnsNotifier(s.client).publish({ topic: 'pages', message: 'hello' });
  expect(s.sent).toEqual([
    {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:pages',
      Subject: undefined,
      Message: 'hello',
      MessageStructure: undefined,
      MessageAttributes: undefined,
    },
  ]);
});

// Publishing to SNS topics (pages, stakeholder updates, ticket notifications). In AWS it is
// SNS Publish to the topic ARN from TOPIC_ARN_<NAME>; the local runtime swaps in its
// in-process SNS with setNotifier().
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

export type TopicName = 'pages' | 'stakeholders' | 'notifications' | 'alerts';

export interface Notification {
  topic: TopicName;
  subject?: string;
  /** Plain text, or with `structure: 'json'` a JSON object of per-protocol messages ({default, sms, email, https}). */
  message: string;
  structure?: 'json';
  /** Message attributes used by subscription filter policies (e.g. recipient, channel). */
  attributes?: Record<string, string>;
  /** Idempotency hint carried as an attribute; SNS standard topics do not de-duplicate. */
  deduplicationId?: string;
}

export interface Notifier {
  publish(n: Notification): Promise<{ messageId: string }>;
}

export function topicArn(topic: TopicName): string {
  const arn = process.env[`TOPIC_ARN_${topic.toUpperCase()}`];
  if (!arn) throw new Error(`TOPIC_ARN_${topic.toUpperCase()} is not set`);
  return arn;
}

export class SnsNotifier implements Notifier {
  constructor(private readonly client = new SNSClient({})) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {};
    for (const [k, v] of Object.entries({
      ...(n.attributes ?? {}),
      ...(n.deduplicationId ? { dedup: n.deduplicationId } : {}),
    }))
      attributes[k] = { DataType: 'String', StringValue: v };
    const r = await this.client.send(
      new PublishCommand({
        TopicArn: topicArn(n.topic),
        Subject: n.subject?.slice(0, 100),
        Message: n.message,
        MessageStructure: n.structure,
        MessageAttributes: Object.keys(attributes).length ? attributes : undefined,
      }),
    );
    return { messageId: r.MessageId ?? '' };
  }
}

let notifier: Notifier | undefined;

export function getNotifier(): Notifier {
  notifier ??= new SnsNotifier();
  return notifier;
}

export function setNotifier(n: Notifier | undefined): void {
  notifier = n;
}

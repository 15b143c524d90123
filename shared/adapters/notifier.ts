// Publishing to SNS topics (pages, stakeholder updates, ticket notifications). In AWS it is
// SNS Publish to the topic ARN from TOPIC_ARN_<NAME>; the local runtime swaps in its
// in-process SNS with setNotifier().
//
// The SNS client package loads with the first publish, not at cold start: most functions that can
// publish do so on some invocations only (a status update, a runbook's notify or approval step, an
// order's notification step), and loading it costs ~40–50 ms of CPU at cold start (issue 15). A
// function that publishes on (nearly) every invocation hands the package over at cold start instead
// (useSnsSdk), so that its first event does not pay for it.
import type { SNSClient } from '@aws-sdk/client-sns';

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

type SnsSdk = typeof import('@aws-sdk/client-sns');
let snsSdk: SnsSdk | Promise<SnsSdk> | undefined;

/** Gives the notifier the SNS package loaded at cold start (a function that publishes on every event). */
export function useSnsSdk(sdk: SnsSdk): void {
  snsSdk = sdk;
}

export class SnsNotifier implements Notifier {
  constructor(private client?: SNSClient) {}

  async publish(n: Notification): Promise<{ messageId: string }> {
    const sdk = await (snsSdk ??= import('@aws-sdk/client-sns'));
    this.client ??= new sdk.SNSClient({});
    const attributes: Record<string, { DataType: 'String'; StringValue: string }> = {};
    for (const [k, v] of Object.entries({
      ...(n.attributes ?? {}),
      ...(n.deduplicationId ? { dedup: n.deduplicationId } : {}),
    }))
      attributes[k] = { DataType: 'String', StringValue: v };
    const r = await this.client.send(
      new sdk.PublishCommand({
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

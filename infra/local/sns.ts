// The in-process SNS. Handlers publish through shared/adapters/notifier.ts, which the runtime
// points here with setNotifier(). Each message gets an id, a console line, one JSON line in
// sns.jsonl, and a POST (the SNS Notification envelope) to every HTTP/HTTPS subscriber of its
// topic whose filter policy matches. Delivery is retried and logged, never thrown at the publisher.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { Notification, Notifier, TopicName } from '../../shared/adapters/notifier';
import type { TopicDefinition } from '../catalog';
import { matchesEventPattern, type EventPattern } from './event-pattern';
import { appendJsonl, readJson } from './jsonl';
import { checkGrant, describe, type LambdaHost } from './lambda';

export interface SnsSubscription {
  topic: TopicName;
  /** http:// or https:// URL. */
  endpoint: string;
  /** SNS filter policy on message attributes. */
  filterPolicy?: EventPattern;
  /** Post the message itself instead of the JSON envelope. */
  rawMessageDelivery?: boolean;
}

export interface SnsRecord {
  messageId: string;
  topic: TopicName;
  topicArn: string;
  subject?: string;
  message: string;
  structure?: 'json';
  /** With structure json: the per-protocol messages (default, sms, email, https...). */
  messages?: Record<string, string>;
  attributes: Record<string, string>;
  timestamp: string;
}

export class SnsInvalidParameterError extends Error {
  override readonly name = 'InvalidParameterException';
}

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_KEPT = 1000;

export function localTopicArn(topic: string): string {
  return `arn:aws:sns:local:000000000000:nocturne-${topic}`;
}

export class LocalSns implements Notifier {
  readonly messages: SnsRecord[] = [];
  private readonly topics: Set<string>;
  private fileSubs: { mtimeMs: number; subs: SnsSubscription[] } = { mtimeMs: -1, subs: [] };
  private readonly listeners = new Set<(m: SnsRecord) => void>();

  constructor(
    topics: TopicDefinition[],
    private readonly host: LambdaHost,
    private readonly opts: {
      dataDir: string;
      subscriptions?: SnsSubscription[];
      quiet?: boolean;
      retryDelaysMs?: number[];
      log: (line: string) => void;
    },
  ) {
    this.topics = new Set(topics.map((t) => t.name));
  }

  subscribe(listener: (m: SnsRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscriptions from opts and from $dataDir/subscriptions.json (re-read when it changes). */
  subscriptions(): SnsSubscription[] {
    const file = path.join(this.opts.dataDir, 'subscriptions.json');
    let mtimeMs = 0;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      mtimeMs = 0;
    }
    if (mtimeMs !== this.fileSubs.mtimeMs) {
      let subs: SnsSubscription[] = [];
      try {
        subs = mtimeMs ? readJson<SnsSubscription[]>(file, []) : [];
        if (!Array.isArray(subs)) throw new Error('expected an array of {topic, endpoint, filterPolicy?}');
      } catch (err) {
        this.opts.log(`[sns] ignoring ${file}: ${(err as Error).message}`);
        subs = [];
      }
      this.fileSubs = { mtimeMs, subs };
    }
    return [...(this.opts.subscriptions ?? []), ...this.fileSubs.subs];
  }

  async publish(n: Notification): Promise<{ messageId: string }> {
    checkGrant(
      (fn) => (fn.topics ?? []).includes(n.topic),
      `SNS:Publish on ${localTopicArn(n.topic)}`,
      `add '${n.topic}' to topics`,
    );
    if (!this.topics.has(n.topic))
      throw new SnsInvalidParameterError(`Topic ${n.topic} is not declared in infra/catalog.ts topics.`);
    // The SNS adapter cuts the subject at 100 characters; SNS refuses line breaks in it.
    const subject = n.subject?.slice(0, 100);
    if (subject !== undefined && (subject.trim() === '' || [...subject].some((c) => c.charCodeAt(0) < 0x20)))
      throw new SnsInvalidParameterError(
        'Invalid parameter: Subject must not be empty or contain line breaks or control characters.',
      );
    if (Buffer.byteLength(n.message) > MAX_MESSAGE_BYTES)
      throw new SnsInvalidParameterError('Invalid parameter: Message too long (SNS takes at most 256 KB).');
    let messages: Record<string, string> | undefined;
    if (n.structure === 'json') {
      try {
        messages = JSON.parse(n.message) as Record<string, string>;
      } catch {
        throw new SnsInvalidParameterError('Invalid parameter: Message Structure - JSON message body failed to parse');
      }
      if (typeof messages?.default !== 'string')
        throw new SnsInvalidParameterError(
          'Invalid parameter: Message Structure - No default entry in JSON message body',
        );
    }
    const attributes = { ...(n.attributes ?? {}), ...(n.deduplicationId ? { dedup: n.deduplicationId } : {}) };
    const record: SnsRecord = {
      messageId: randomUUID(),
      topic: n.topic,
      topicArn: localTopicArn(n.topic),
      subject,
      message: n.message,
      structure: n.structure,
      messages,
      attributes,
      timestamp: new Date().toISOString(),
    };
    appendJsonl(path.join(this.opts.dataDir, 'sns.jsonl'), record);
    this.messages.push(record);
    if (this.messages.length > MAX_KEPT) this.messages.splice(0, this.messages.length - MAX_KEPT);
    if (!this.opts.quiet) {
      const text = (messages?.default ?? n.message).replace(/\s+/g, ' ').slice(0, 160);
      console.log(`[sns] ${n.topic}${subject ? ` | ${subject}` : ''} | ${text}`);
    }
    for (const l of this.listeners) l(record);
    for (const sub of this.subscriptions()) {
      if (sub.topic !== n.topic) continue;
      if (sub.filterPolicy && !matchesEventPattern(sub.filterPolicy, attributes)) continue;
      this.host.track(this.deliver(sub, record));
    }
    return { messageId: record.messageId };
  }

  private async deliver(sub: SnsSubscription, m: SnsRecord): Promise<void> {
    const protocol = sub.endpoint.startsWith('https:') ? 'https' : 'http';
    const message = m.messages ? (m.messages[protocol] ?? m.messages.default!) : m.message;
    const subscriptionArn = `${m.topicArn}:${hashOf(sub.endpoint)}`;
    const envelope = {
      Type: 'Notification',
      MessageId: m.messageId,
      TopicArn: m.topicArn,
      ...(m.subject !== undefined ? { Subject: m.subject } : {}),
      Message: message,
      Timestamp: m.timestamp,
      SignatureVersion: '1',
      Signature: 'local-runtime-unsigned',
      SigningCertURL: 'https://sns.local.amazonaws.com/local.pem',
      UnsubscribeURL: `https://sns.local.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
      ...(Object.keys(m.attributes).length
        ? {
            MessageAttributes: Object.fromEntries(
              Object.entries(m.attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
            ),
          }
        : {}),
    };
    const delays = this.opts.retryDelaysMs ?? [500, 2000, 5000];
    let lastError = '';
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i <= delays.length; i++) {
      if (i > 0) await this.host.wait(delays[i - 1]!);
      try {
        const r = await fetch(sub.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=UTF-8',
            'user-agent': 'Amazon Simple Notification Service Agent',
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': m.messageId,
            'x-amz-sns-topic-arn': m.topicArn,
            'x-amz-sns-subscription-arn': subscriptionArn,
            ...(sub.rawMessageDelivery ? { 'x-amz-sns-rawdelivery': 'true' } : {}),
          },
          body: sub.rawMessageDelivery ? message : JSON.stringify(envelope),
          signal: AbortSignal.timeout(15_000),
        });
        await r.arrayBuffer().catch(() => undefined);
        // SNS counts 2xx as delivered and retries everything else.
        if (r.status >= 200 && r.status < 300) return;
        lastError = `HTTP ${r.status}`;
      } catch (err) {
        lastError = describe(err);
      }
      this.opts.log(
        `[sns] delivery of ${m.messageId} to ${sub.endpoint} failed (attempt ${i + 1}/${delays.length + 1}): ${lastError}`,
      );
    }
    appendJsonl(path.join(this.opts.dataDir, 'dlq.jsonl'), {
      time: new Date().toISOString(),
      kind: 'sns',
      topic: m.topic,
      endpoint: sub.endpoint,
      messageId: m.messageId,
      error: lastError,
    });
  }
}

function hashOf(s: string): string {
  let h = 0;
  for (const c of s) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return (h >>> 0).toString(16).padStart(8, '0');
}

// CloudWatch alarms delivered by an SNS HTTPS subscription (docs/monitors/cloudwatch.md).
// Three pure pieces the ingest handler composes: read the SNS envelope, check its signature
// against a certificate the handler fetched, and turn the alarm JSON in Message into an alert.
import { createVerify, X509Certificate } from 'node:crypto';
import * as z from 'zod';
import { boundedKey, type AlertSeverity, type AlertStatus, type CanonicalAlert, type NormalizeContext } from '../alert';
import { ValidationError } from '../errors';
import {
  bounded,
  cleanLabels,
  clip,
  details,
  link,
  links,
  severityFromWord,
  summaryOf,
  text,
  toIsoTime,
} from './fields';
import { parseJson, validate } from './parse';
import type { Normalizer } from './types';

const nonEmpty = z.string().min(1);
const common = {
  MessageId: nonEmpty,
  TopicArn: nonEmpty.max(1024),
  Message: z.string(),
  Timestamp: nonEmpty,
  SignatureVersion: z.enum(['1', '2']),
  Signature: nonEmpty,
  SigningCertURL: nonEmpty,
};

export const snsEnvelopeSchema = z.discriminatedUnion('Type', [
  z.object({
    Type: z.literal('Notification'),
    ...common,
    Subject: z.string().optional(),
    UnsubscribeURL: z.string().optional(),
    MessageAttributes: z.record(z.string(), z.unknown()).optional(),
  }),
  z.object({ Type: z.literal('SubscriptionConfirmation'), ...common, Token: nonEmpty, SubscribeURL: nonEmpty }),
  z.object({ Type: z.literal('UnsubscribeConfirmation'), ...common, Token: nonEmpty, SubscribeURL: nonEmpty }),
]);
export type SnsEnvelope = z.infer<typeof snsEnvelopeSchema>;
export type SnsNotification = Extract<SnsEnvelope, { Type: 'Notification' }>;

/** The SNS message an HTTPS subscription POSTs (a JSON text or an already parsed value). */
export function parseSnsEnvelope(body: unknown): SnsEnvelope {
  return validate(snsEnvelopeSchema, typeof body === 'string' ? parseJson(body) : body, 'SNS message');
}

/**
 * The string SNS signed: "Name\nvalue\n" for each field, in this order. Notifications sign
 * Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type; confirmations sign
 * Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
 */
export function snsStringToSign(envelope: SnsEnvelope): string {
  const fields: [string, string | undefined][] =
    envelope.Type === 'Notification'
      ? [
          ['Message', envelope.Message],
          ['MessageId', envelope.MessageId],
          ['Subject', envelope.Subject],
          ['Timestamp', envelope.Timestamp],
          ['TopicArn', envelope.TopicArn],
          ['Type', envelope.Type],
        ]
      : [
          ['Message', envelope.Message],
          ['MessageId', envelope.MessageId],
          ['SubscribeURL', envelope.SubscribeURL],
          ['Timestamp', envelope.Timestamp],
          ['Token', envelope.Token],
          ['TopicArn', envelope.TopicArn],
          ['Type', envelope.Type],
        ];
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}\n${v}\n`)
    .join('');
}

/**
 * True when Signature is the signing certificate's RSA signature of the string to sign
 * (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). The caller fetches the certificate over
 * HTTPS from a URL that passed `isTrustedSigningCertUrl`; this checks the signature only.
 */
export function verifySnsSignature(envelope: SnsEnvelope, certificatePem: string): boolean {
  try {
    const publicKey = new X509Certificate(certificatePem).publicKey;
    const verifier = createVerify(envelope.SignatureVersion === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
    verifier.update(snsStringToSign(envelope), 'utf8');
    return verifier.verify(publicKey, envelope.Signature, 'base64');
  } catch {
    return false;
  }
}

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/** A signing certificate URL we may fetch: https, on sns.<region>.amazonaws.com(.cn), a .pem file. */
export function isTrustedSigningCertUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.port === '' &&
    u.username === '' &&
    u.password === '' &&
    SNS_HOST.test(u.hostname) &&
    u.pathname.endsWith('.pem')
  );
}

const scalar = z.union([z.string(), z.number()]);

export const cloudWatchAlarmSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: scalar.nullish(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().nullish(),
  StateChangeTime: z.string().nullish(),
  Region: z.string().nullish(),
  AlarmArn: z.string().nullish(),
  OldStateValue: z.string().nullish(),
  AlarmConfigurationUpdatedTimestamp: z.string().nullish(),
  Trigger: z
    .object({
      MetricName: z.string().nullish(),
      Namespace: z.string().nullish(),
      Dimensions: z
        .array(z.object({ name: scalar, value: scalar.nullish() }))
        .max(100)
        .nullish(),
    })
    .loose()
    .nullish(),
  AlarmRule: z.string().nullish(),
});
export type CloudWatchAlarm = z.infer<typeof cloudWatchAlarmSchema>;

/** "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:name" → its partition, region and account. */
function arnParts(arn: string | undefined): { partition: string; region: string; account: string } | undefined {
  const m = arn ? /^arn:(aws[a-z-]*):cloudwatch:([a-z0-9-]+):(\d+):alarm:/.exec(arn) : null;
  return m ? { partition: m[1]!, region: m[2]!, account: m[3]! } : undefined;
}

/** Severity for ALARM: `severity: <word>` in the alarm description, else error. */
function alarmSeverity(alarm: CloudWatchAlarm): AlertSeverity {
  const m = /\bseverity\s*[:=]\s*([a-z0-9]+)/i.exec(alarm.AlarmDescription?.slice(0, 4096) ?? '');
  return severityFromWord(m?.[1]) ?? 'error';
}

/** The alarm JSON SNS carries in Message (text or parsed) to one canonical alert. */
export function normalizeCloudWatchAlarm(
  message: unknown,
  ctx: NormalizeContext,
  sns?: Partial<SnsNotification>,
): CanonicalAlert[] {
  const value = typeof message === 'string' ? parseJson(message) : message;
  const parsed = cloudWatchAlarmSchema.safeParse(value);
  if (!parsed.success)
    throw ValidationError.fromZod('The CloudWatch alarm in the SNS Message is not valid.', parsed.error, 'Message');
  const alarm = parsed.data;

  const arn = text(alarm.AlarmArn);
  const arnInfo = arnParts(arn);
  const account = text(alarm.AWSAccountId) ?? arnInfo?.account;
  const region = arnInfo?.region ?? text(alarm.Region);
  const status: AlertStatus = alarm.NewStateValue === 'OK' ? 'resolved' : 'firing';
  const severity: AlertSeverity = alarm.NewStateValue === 'INSUFFICIENT_DATA' ? 'warning' : alarmSeverity(alarm);
  const dimensions = (alarm.Trigger?.Dimensions ?? []).map(
    (d) => [String(d.name), d.value == null ? '' : String(d.value)] as [string, string],
  );
  const changedAt = toIsoTime(alarm.StateChangeTime);
  const reason = text(alarm.NewStateReason);
  const consoleUrl =
    arnInfo?.partition === 'aws'
      ? `https://${arnInfo.region}.console.aws.amazon.com/cloudwatch/home?region=${arnInfo.region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`
      : undefined;

  const alert: CanonicalAlert = {
    source: 'cloudwatch',
    dedupKey: arn
      ? boundedKey([arn])
      : boundedKey([account ?? 'unknown-account', region ?? 'unknown-region', alarm.AlarmName]),
    status,
    action: status === 'firing' ? 'trigger' : 'resolve',
    severity,
    summary: summaryOf(`${alarm.AlarmName} is ${alarm.NewStateValue}${reason ? `: ${reason}` : ''}`, alarm.AlarmName),
    details: details({
      alarmName: alarm.AlarmName,
      alarmArn: arn,
      description: text(alarm.AlarmDescription),
      newState: alarm.NewStateValue,
      oldState: text(alarm.OldStateValue),
      reason,
      region: text(alarm.Region),
      trigger: alarm.Trigger ? clip(alarm.Trigger) : undefined,
      alarmRule: text(alarm.AlarmRule),
      snsMessageId: sns?.MessageId,
      snsTopicArn: sns?.TopicArn,
      snsSubject: sns?.Subject,
    }),
    labels: cleanLabels([
      ['aws_account', account],
      ['aws_region', region],
      ['namespace', text(alarm.Trigger?.Namespace)],
      ['metric', text(alarm.Trigger?.MetricName)],
      ['state', alarm.NewStateValue],
      ...dimensions.map(([k, v]): [string, string] => [`dimension.${k}`, v]),
    ]),
    service: bounded(ctx.defaultService, 255),
    resource: bounded(
      dimensions.length > 0 ? dimensions.map(([k, v]) => `${k}=${v}`).join(',') : (arn ?? alarm.AlarmName),
      1024,
    ),
    startsAt: changedAt ?? ctx.receivedAt,
    endsAt: status === 'resolved' ? (changedAt ?? ctx.receivedAt) : undefined,
    links: links(link(consoleUrl, 'CloudWatch alarm')),
  };
  return [alert];
}

/**
 * The webhook Normalizer for a CloudWatch integration: an SNS Notification whose Message is an
 * alarm. It does not check the signature nor handle confirmations: the ingest handler does.
 */
export const normalizeCloudWatch: Normalizer = (payload, ctx) => {
  const envelope = parseSnsEnvelope(payload.body);
  if (envelope.Type !== 'Notification') {
    throw new ValidationError('Only SNS Notification messages carry alarms.', [
      { field: 'Type', message: `Expected "Notification", got "${envelope.Type}".` },
    ]);
  }
  let message: unknown;
  try {
    message = JSON.parse(envelope.Message);
  } catch {
    throw new ValidationError('The SNS Message is not a CloudWatch alarm.', [
      { field: 'Message', message: 'Expected the alarm as a JSON document.' },
    ]);
  }
  return normalizeCloudWatchAlarm(message, ctx, envelope);
};

// A CloudWatch alarm through SNS whose signing certificate cannot be fetched (timeout, DNS,
// connection refused) is a retryable 503 with Retry-After, as a non-200 answer already was: never a 500.
import { clearCertificateCache, handleSnsDelivery } from '../../../functions/ingest/cloudwatch-sns';
import { setHttpGetter } from '../../../shared/adapters/https';
import { HttpProblem } from '../../../shared/http/problem';
import type { Integration } from '../../../shared/domain/integration';

const envelope = {
  Type: 'Notification',
  MessageId: '5f1c6f0e-0000-4000-8000-000000000001',
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms',
  Subject: 'ALARM',
  Message: '{}',
  Timestamp: '2026-11-30T01:00:00.000Z',
  SignatureVersion: '2',
  Signature: 'c2lnbmF0dXJl',
  SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0000.pem',
  UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
};
const integration = {
  id: 'cw',
  type: 'cloudwatch',
  enabled: true,
  allowedTopicArns: [envelope.TopicArn],
} as unknown as Integration;
const ctx = { integrationId: 'cw', receivedAt: '2026-11-30T01:00:01.000Z' };

afterEach(() => {
  setHttpGetter(undefined);
  clearCertificateCache();
});

it.each([
  ['a timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
  ['a DNS failure', new TypeError('fetch failed')],
])('answers 503 with Retry-After when fetching the certificate fails with %s', async (_what, failure) => {
  setHttpGetter({ get: () => Promise.reject(failure) });
  const err = await handleSnsDelivery(JSON.stringify(envelope), integration, ctx).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HttpProblem);
  expect((err as HttpProblem).status).toBe(503);
  expect((err as HttpProblem).opts.headers?.['retry-after']).toBeDefined();
});

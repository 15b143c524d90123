// CloudWatch alarms arrive through an SNS HTTPS subscription: verify the SNS signature,
// confirm subscriptions only for the topics the integration allows, then normalize alarms.
import type { CanonicalAlert, NormalizeContext } from '../../shared/domain/alert';
import type { Integration } from '../../shared/domain/integration';
import {
  isTrustedSigningCertUrl,
  normalizeCloudWatchAlarm,
  parseSnsEnvelope,
  verifySnsSignature,
} from '../../shared/domain/normalizers/cloudwatch';
import { parseJson } from '../../shared/domain/normalizers/parse';
import { httpGetter } from '../../shared/adapters/https';
import { problem } from '../../shared/http/problem';
import { logger } from '../../shared/observability/logger';

const certCache = new Map<string, string>();

async function signingCertificate(url: string): Promise<string> {
  const cached = certCache.get(url);
  if (cached) return cached;
  // Unreachable (timeout, DNS, refused) is as retryable as a bad answer: SNS redelivers on a 5xx.
  const r = await httpGetter()
    .get(url, { timeoutMs: 3000 })
    .catch((err: unknown) => {
      logger.warn('SNS signing certificate fetch failed', { url, error: String(err) });
      return { status: 0, body: '' };
    });
  if (r.status !== 200 || !r.body.includes('BEGIN CERTIFICATE'))
    throw problem(503, 'The SNS signing certificate could not be fetched; SNS will retry the delivery.', {
      headers: { 'retry-after': '10' },
    });
  certCache.set(url, r.body);
  return r.body;
}

export type SnsOutcome =
  | { kind: 'alerts'; alerts: CanonicalAlert[] }
  | { kind: 'confirmed'; topicArn: string }
  | { kind: 'ignored'; reason: string };

export async function handleSnsDelivery(
  body: string,
  integration: Integration,
  ctx: NormalizeContext,
): Promise<SnsOutcome> {
  const envelope = parseSnsEnvelope(body);
  if (!isTrustedSigningCertUrl(envelope.SigningCertURL))
    throw problem(403, 'The SNS message names a signing certificate outside amazonaws.com; it was not trusted.');
  const cert = await signingCertificate(envelope.SigningCertURL);
  if (!verifySnsSignature(envelope, cert))
    throw problem(403, 'The SNS message signature does not verify; the message was not accepted.');
  if (!integration.allowedTopicArns.includes(envelope.TopicArn))
    throw problem(
      403,
      `Topic ${envelope.TopicArn} is not allowed on integration ${integration.id}; add it to allowedTopicArns to accept it.`,
    );

  if (envelope.Type === 'SubscriptionConfirmation') {
    const subscribeUrl = envelope.SubscribeURL;
    if (!subscribeUrl || !isTrustedSubscribeUrl(subscribeUrl))
      throw problem(422, 'The subscription confirmation has no SubscribeURL on amazonaws.com.', {
        errors: [{ field: 'SubscribeURL', message: 'must be an https URL on sns.<region>.amazonaws.com' }],
      });
    const r = await httpGetter()
      .get(subscribeUrl, { timeoutMs: 5000 })
      .catch(() => ({ status: 0, body: '' }));
    if (r.status !== 200)
      throw problem(503, 'SNS did not accept the subscription confirmation; it will resend it.', {
        headers: { 'retry-after': '30' },
      });
    logger.info('confirmed SNS subscription', { topicArn: envelope.TopicArn, integrationId: integration.id });
    return { kind: 'confirmed', topicArn: envelope.TopicArn };
  }
  if (envelope.Type === 'UnsubscribeConfirmation') return { kind: 'ignored', reason: 'unsubscribe confirmation' };
  return { kind: 'alerts', alerts: normalizeCloudWatchAlarm(parseJson(envelope.Message), ctx) };
}

function isTrustedSubscribeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname);
  } catch {
    return false;
  }
}

/** For tests: forget cached certificates. */
export function clearCertificateCache(): void {
  certCache.clear();
}

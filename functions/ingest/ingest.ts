// The two ingestion routes: monitor webhooks (POST /hooks/{integrationId}) and the PagerDuty
// Events API v2 (POST /v2/enqueue). Authenticate, normalize, store durably, then answer 202.
import type { NormalizeContext } from '../../shared/domain/alert';
import { ValidationError, MalformedPayloadError } from '../../shared/domain/errors';
import { tokenMatches } from '../../shared/domain/integration';
import { normalize } from '../../shared/domain/normalizers';
import { validatePagerDutyEvent } from '../../shared/domain/normalizers/pagerduty';
import { json, type HttpRequest, type HttpResult } from '../../shared/http/api';
import { problem } from '../../shared/http/problem';
import { cachedIntegration, cachedIntegrationByToken } from '../../shared/store/integrations';
import { storeDelivery } from '../../shared/store/ingestion';
import { handleSnsDelivery } from './cloudwatch-sns';
import { mediaType, presentedToken } from './token';

export async function receiveWebhook(req: HttpRequest): Promise<HttpResult> {
  const integrationId = req.params.integrationId ?? '';
  const token = presentedToken(req);
  // Read through the container's cache (a few seconds): an old token rotated or disabled elsewhere may
  // work that long; a refusal is always decided on a fresh read.
  const integration = await cachedIntegration(
    integrationId,
    req.now.getTime(),
    (i) => i.enabled && !!token && tokenMatches(token, i.tokenHash),
  );
  if (!integration || !integration.enabled)
    throw problem(404, `No enabled integration ${integrationId}. Check the webhook URL, or enable the integration.`);
  if (!token || !tokenMatches(token, integration.tokenHash))
    throw problem(
      401,
      `The token for integration ${integrationId} is missing or wrong. Send it as Authorization: Bearer, X-Nocturne-Token, or ?token=.`,
      {
        headers: { 'www-authenticate': 'Bearer' },
      },
    );

  const receivedAt = req.now.toISOString();
  const ctx: NormalizeContext = { integrationId, defaultService: integration.service, receivedAt };
  const contentType = mediaType(req);
  let alerts;
  if (integration.type === 'cloudwatch') {
    const outcome = await handleSnsDelivery(req.rawBody, integration, ctx);
    if (outcome.kind === 'confirmed')
      return json(200, { status: 'subscription-confirmed', topicArn: outcome.topicArn });
    if (outcome.kind === 'ignored') return json(200, { status: 'ignored', reason: outcome.reason });
    alerts = outcome.alerts;
  } else {
    alerts = normalize(integration.type, { body: req.rawBody, contentType, query: req.query }, ctx);
  }

  const stored = await storeDelivery({
    integrationId,
    body: req.rawBody,
    contentType,
    receivedAt,
    alerts,
    signal: req.signal,
  });
  return json(202, {
    status: stored.duplicate ? 'duplicate' : 'accepted',
    payloadId: stored.payloadId,
    alerts: stored.results,
  });
}

function pdInvalid(errors: string[]): HttpResult {
  return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
}

/** PagerDuty Events API v2 compatible: same validation, answers and status codes. */
export async function enqueuePagerDuty(req: HttpRequest): Promise<HttpResult> {
  let value: unknown;
  try {
    value = JSON.parse(req.rawBody);
  } catch {
    return pdInvalid(['Could not parse the request body as JSON']);
  }
  const checked = validatePagerDutyEvent(value);
  if (!checked.ok) return pdInvalid(checked.errors);
  const integration = await cachedIntegrationByToken(
    checked.event.routing_key,
    req.now.getTime(),
    (i) => i.enabled && i.type === 'pagerduty',
  );
  if (!integration || !integration.enabled || integration.type !== 'pagerduty')
    return pdInvalid(['Invalid routing key']);

  const receivedAt = req.now.toISOString();
  const ctx: NormalizeContext = { integrationId: integration.id, defaultService: integration.service, receivedAt };
  let alerts;
  try {
    // Through normalize(), as every format: canonical check, http(s) links only, storable numbers and sizes.
    alerts = normalize('pagerduty', { body: req.rawBody, contentType: 'application/json', query: {} }, ctx);
  } catch (err) {
    if (err instanceof ValidationError) return pdInvalid(err.issues.map((i) => i.message));
    if (err instanceof MalformedPayloadError) return pdInvalid([err.message]);
    throw err;
  }
  await storeDelivery({
    integrationId: integration.id,
    body: req.rawBody,
    contentType: 'application/json',
    receivedAt,
    alerts,
    signal: req.signal,
  });
  return json(202, { status: 'success', message: 'Event processed', dedup_key: alerts[0]?.dedupKey });
}

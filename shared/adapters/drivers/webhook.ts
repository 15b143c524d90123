// The `webhook` driver: POSTs each operation as JSON to the feature's configured URL, signed with
// HMAC-SHA256 (header X-Nocturne-Signature: t=<unix seconds>,v1=<hex of HMAC(secret, "<t>.<body>")>)
// and carrying the operation key as Idempotency-Key. For e-mail hosting, IPTV, anything with an
// API. Secret: WEBHOOK_SIGNING_SECRET (catalog need `webhookSigningSecret`; comma-separated, the
// first signs); the local runtime falls back to a development secret.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  PermanentDriverError,
  type DriverOperation,
  type DriverRequest,
  type DriverResult,
  type ProvisioningDriver,
} from '../../domain/provisioning/driver';
import { driverFetch } from './http';

export const SIGNATURE_HEADER = 'x-nocturne-signature';
export const LOCAL_WEBHOOK_SECRET = 'local-webhook-signing-secret';

export function webhookSecretFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const first = env.WEBHOOK_SIGNING_SECRET?.split(',')[0]?.trim();
  if (first) return first;
  return env.NOCTURNE_RUNTIME === 'local' ? LOCAL_WEBHOOK_SECRET : undefined;
}

export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** For receivers (and tests): the signature is ours and no older than `toleranceSeconds`. */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(signWebhook(secret, body, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export class WebhookDriver implements ProvisioningDriver {
  readonly name = 'webhook' as const;
  constructor(
    private readonly secret: () => string | undefined = () => webhookSecretFromEnv(),
    private readonly timeoutMs = 5000,
  ) {}

  private async send(operation: DriverOperation, req: DriverRequest): Promise<DriverResult> {
    const url = typeof req.config?.url === 'string' ? req.config.url : undefined;
    if (!url)
      throw new PermanentDriverError(
        `webhook ${operation}: the feature has no config.url`,
        'webhook',
        operation,
        'NOT_CONFIGURED',
      );
    const secret = this.secret();
    if (!secret)
      throw new PermanentDriverError(
        `webhook ${operation}: WEBHOOK_SIGNING_SECRET is not set`,
        'webhook',
        operation,
        'NOT_CONFIGURED',
      );
    const body = JSON.stringify({
      operation,
      operationKey: req.operationKey,
      customerId: req.customerId,
      subscriptionId: req.subscriptionId,
      serviceId: req.serviceId,
      featureId: req.featureId,
      externalId: req.externalId,
      plan: req.plan,
      at: req.now.toISOString(),
    });
    const r = await driverFetch({
      driver: 'webhook',
      operation,
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        'idempotency-key': req.operationKey,
        [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(req.now.getTime() / 1000)),
      },
      body,
      timeoutMs: this.timeoutMs,
      // Removing or checking what the remote side does not know is an answer, not a failure.
      accept: operation === 'deprovision' || operation === 'verify' ? [404, 410] : undefined,
    });
    const answer = (typeof r.body === 'object' && r.body ? r.body : {}) as { externalId?: unknown; present?: unknown };
    const externalId = typeof answer.externalId === 'string' ? answer.externalId : req.externalId;
    if (operation === 'verify')
      return { status: 'done', externalId, details: { present: r.status < 300 && answer.present !== false } };
    return { status: 'done', externalId };
  }

  provision = (req: DriverRequest) => this.send('provision', req);
  modify = (req: DriverRequest) => this.send('modify', req);
  suspend = (req: DriverRequest) => this.send('suspend', req);
  resume = (req: DriverRequest) => this.send('resume', req);
  deprovision = (req: DriverRequest) => this.send('deprovision', req);
  verify = (req: DriverRequest) => this.send('verify', req);
}

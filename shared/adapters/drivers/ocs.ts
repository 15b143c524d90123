// The `ocs` driver: the OCS adaptor. Speaks HTTP/JSON to the charging system (create subscriber,
// set plan, allowances and spend cap, suspend/resume, delete); every change carries the operation
// key as Idempotency-Key, and an undo names the operation it undoes as Cancels-Operation: the OCS
// keeps that key as a tombstone and refuses the cancelled operation if it arrives later (409
// OPERATION_CANCELLED), so a create the driver gave up on cannot land after its compensation
// (decision 0016, "The OCS contract"). Configuration: OCS_CONFIG = {"baseUrl": ..., "apiKey": ...} (in AWS a
// Secrets Manager secret, catalog need `ocsConfig`; locally the simulator's URL and key).
import {
  PermanentDriverError,
  type DriverRequest,
  type DriverResult,
  type ProvisioningDriver,
} from '../../domain/provisioning/driver';
import { driverFetch, type DriverHttpCall } from './http';

export interface OcsConfig {
  baseUrl: string;
  apiKey: string;
  /** Per call (default 5000 ms); a timeout is transient. */
  timeoutMs?: number;
}

export function ocsConfigFromEnv(env: NodeJS.ProcessEnv = process.env): OcsConfig | undefined {
  const raw = env.OCS_CONFIG;
  if (!raw) return undefined;
  try {
    const c = JSON.parse(raw) as Partial<OcsConfig>;
    if (typeof c.baseUrl !== 'string' || typeof c.apiKey !== 'string') return undefined;
    return {
      baseUrl: c.baseUrl.replace(/\/$/, ''),
      apiKey: c.apiKey,
      timeoutMs: typeof c.timeoutMs === 'number' ? c.timeoutMs : undefined,
    };
  } catch {
    return undefined;
  }
}

/** The OCS's refusal of an operation whose undo it has already seen (a tombstone). */
export const OPERATION_CANCELLED = 'OPERATION_CANCELLED';

/** The subscriber id we give the OCS: stable per service, so a retry names the same subscriber. */
export const subscriberIdOf = (req: Pick<DriverRequest, 'externalId' | 'serviceId'>) => req.externalId ?? req.serviceId;

export class OcsDriver implements ProvisioningDriver {
  readonly name = 'ocs' as const;
  constructor(private readonly config: () => OcsConfig | undefined = () => ocsConfigFromEnv()) {}

  private call(
    op: DriverHttpCall['operation'],
    req: DriverRequest,
    method: DriverHttpCall['method'],
    path: string,
    body?: unknown,
    accept?: number[],
  ) {
    const c = this.config();
    if (!c) throw new PermanentDriverError('ocs: OCS_CONFIG is not set (baseUrl, apiKey)', 'ocs', op, 'NOT_CONFIGURED');
    const headers: Record<string, string> = { authorization: `Bearer ${c.apiKey}`, accept: 'application/json' };
    if (method !== 'GET') headers['idempotency-key'] = req.operationKey;
    if (method !== 'GET' && req.undoes) headers['cancels-operation'] = req.undoes;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return driverFetch({
      driver: 'ocs',
      operation: op,
      method,
      url: `${c.baseUrl}${path}`,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: c.timeoutMs ?? 5000,
      accept,
    });
  }

  private planOf(req: DriverRequest, op: DriverHttpCall['operation']) {
    if (!req.plan) throw new PermanentDriverError(`ocs ${op}: the request carries no plan`, 'ocs', op, 'NO_PLAN');
    return req.plan;
  }

  async provision(req: DriverRequest): Promise<DriverResult> {
    const subscriberId = subscriberIdOf(req);
    const r = await this.call(
      'provision',
      req,
      'POST',
      '/v1/subscribers',
      { subscriberId, customerId: req.customerId, plan: this.planOf(req, 'provision') },
      [409],
    );
    if (r.status === 409 && (r.body as { code?: string } | undefined)?.code === OPERATION_CANCELLED)
      // This create was undone (its compensation ran while it was in flight): it must not happen now.
      throw new PermanentDriverError(
        `ocs provision: subscriber ${subscriberId}: the operation ${req.operationKey} was cancelled by its undo`,
        'ocs',
        'provision',
        OPERATION_CANCELLED,
      );
    if (r.status === 409) {
      // Created earlier under another key (e.g. a redrive): ours if it is this customer's.
      const existing = await this.call(
        'verify',
        req,
        'GET',
        `/v1/subscribers/${encodeURIComponent(subscriberId)}`,
        undefined,
        [404],
      );
      const found = existing.body as { customerId?: string } | undefined;
      if (existing.status !== 200 || found?.customerId !== req.customerId)
        throw new PermanentDriverError(
          `ocs provision: subscriber ${subscriberId} exists for another customer`,
          'ocs',
          'provision',
          'SUBSCRIBER_EXISTS',
        );
    }
    return { status: 'done', externalId: subscriberId };
  }

  async modify(req: DriverRequest): Promise<DriverResult> {
    const id = encodeURIComponent(subscriberIdOf(req));
    await this.call('modify', req, 'PUT', `/v1/subscribers/${id}/plan`, { plan: this.planOf(req, 'modify') });
    return { status: 'done', externalId: subscriberIdOf(req) };
  }

  async suspend(req: DriverRequest): Promise<DriverResult> {
    await this.call('suspend', req, 'POST', `/v1/subscribers/${encodeURIComponent(subscriberIdOf(req))}/suspend`);
    return { status: 'done', externalId: subscriberIdOf(req) };
  }

  async resume(req: DriverRequest): Promise<DriverResult> {
    await this.call('resume', req, 'POST', `/v1/subscribers/${encodeURIComponent(subscriberIdOf(req))}/resume`);
    return { status: 'done', externalId: subscriberIdOf(req) };
  }

  async deprovision(req: DriverRequest): Promise<DriverResult> {
    const r = await this.call(
      'deprovision',
      req,
      'DELETE',
      `/v1/subscribers/${encodeURIComponent(subscriberIdOf(req))}`,
      undefined,
      [404],
    );
    return { status: 'done', externalId: subscriberIdOf(req), details: { existed: r.status !== 404 } };
  }

  async verify(req: DriverRequest): Promise<DriverResult> {
    const r = await this.call(
      'verify',
      req,
      'GET',
      `/v1/subscribers/${encodeURIComponent(subscriberIdOf(req))}`,
      undefined,
      [404],
    );
    return {
      status: 'done',
      externalId: subscriberIdOf(req),
      details: { present: r.status === 200, subscriber: r.status === 200 ? r.body : undefined },
    };
  }
}

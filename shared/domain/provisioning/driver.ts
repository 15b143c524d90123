// The one interface every provisioning driver implements (ocs, webhook, manual; see
// docs/provisioning.md). Every call carries an operation key: a retried call with the same key
// does nothing twice. Failures are classified by error *name*, which is what a state machine's
// Retry/Catch matches on: TransientDriverError (retry with back-off) or PermanentDriverError
// (do not retry: compensate).
import type { Allowance, DriverName } from './catalog';

export const DRIVER_OPERATIONS = ['provision', 'modify', 'suspend', 'resume', 'deprovision', 'verify'] as const;
export type DriverOperation = (typeof DRIVER_OPERATIONS)[number];

/** The plan a charging system enforces (from the offering, and its add-ons). */
export interface ChargingPlan {
  offeringId: string;
  allowance?: Allowance;
  spendCap?: { unit: string; value: number };
}

export interface DriverRequest {
  /** Same key → same effect, at most once (e.g. `<executionId>:<state>:<serviceId>`). */
  operationKey: string;
  /**
   * An undo (compensation) names the operation key of the forward operation it undoes. The remote
   * system records it (a tombstone) and refuses that operation whenever it arrives later — a call the
   * driver gave up on after its timeout may still be applied after the undo (decision 0016).
   */
  undoes?: string;
  customerId: string;
  subscriptionId: string;
  serviceId: string;
  featureId: string;
  /** The feature's driver settings from the product specification. */
  config?: Record<string, unknown>;
  /** The remote system's id for this service, once provisioned (e.g. the OCS subscriber id). */
  externalId?: string;
  plan?: ChargingPlan;
  /** Step Functions task token, for drivers that finish later (manual). */
  taskToken?: string;
  executionArn?: string;
  stateName?: string;
  /** Time of the call, passed in (drivers read no clock of their own for what they record). */
  now: Date;
}

export interface DriverResult {
  /** done: the remote system did it. pending: a person or system answers the task token later. */
  status: 'done' | 'pending';
  externalId?: string;
  /** What verify found, or what the remote system answered (small, JSON). */
  details?: Record<string, unknown>;
  /** Manual driver: the ticket that carries the task token. */
  ticketId?: string;
}

export interface ProvisioningDriver {
  readonly name: DriverName;
  provision(req: DriverRequest): Promise<DriverResult>;
  modify(req: DriverRequest): Promise<DriverResult>;
  suspend(req: DriverRequest): Promise<DriverResult>;
  resume(req: DriverRequest): Promise<DriverResult>;
  /** Removing what is not there succeeds: compensation runs it blindly. */
  deprovision(req: DriverRequest): Promise<DriverResult>;
  /** Read-only: does the remote system have what we think it has? details.present says. */
  verify(req: DriverRequest): Promise<DriverResult>;
}

/** Retrying later may succeed (timeout, 5xx, throttled, connection refused). */
export class TransientDriverError extends Error {
  override readonly name = 'TransientDriverError';
  constructor(
    message: string,
    readonly driver: DriverName,
    readonly operation: DriverOperation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Retrying cannot help (rejected request, unknown subscriber, bad configuration): compensate. */
export class PermanentDriverError extends Error {
  override readonly name = 'PermanentDriverError';
  constructor(
    message: string,
    readonly driver: DriverName,
    readonly operation: DriverOperation,
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const DRIVER_ERROR_NAMES = ['TransientDriverError', 'PermanentDriverError'] as const;

/** How an HTTP answer from a remote system is classified (shared by the HTTP drivers). */
export function classifyHttpStatus(status: number): 'ok' | 'transient' | 'permanent' {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'transient';
  return 'permanent';
}

// The DynamoDB document client every store module uses. The endpoint comes from the standard
// AWS_ENDPOINT_URL_DYNAMODB variable (the local runtime points it at DynamoDB Local).
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from './errors';
import { invalidCursor } from './pagination';

/** One write of a TransactWriteItems call (Put, Update, Delete or ConditionCheck). */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

let client: DynamoDBDocumentClient | undefined;
let baseClient: DynamoDBClient | undefined;
let configure: ((c: DynamoDBClient) => void) | undefined;
const extra: Array<(c: DynamoDBClient) => void> = [];

/** Attempts per store call: the first and two retries (throttling, 5xx, timeouts). */
export const STORE_MAX_ATTEMPTS = 3;
/** Default per-attempt limits in AWS (decision 0009): a stalled store fails a call within ~7 s, inside
 * the 8 s an HTTP function with a 10 s timeout has before its early 503. */
export const STORE_CONNECT_TIMEOUT_MS = 1000;
export const STORE_REQUEST_TIMEOUT_MS = 2000;

function envMs(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0)
    throw new Error(`${name} must be a positive whole number of milliseconds, not ${raw}`);
  return ms;
}

/**
 * The per-attempt limits of a store call: NOCTURNE_DYNAMODB_CONNECT_TIMEOUT_MS and
 * NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS override the defaults (the local runtime gives DynamoDB
 * Local more time on a loaded machine; tests use a few hundred milliseconds against a stalled endpoint).
 */
export function storeTimeouts(): { connectionTimeout: number; requestTimeout: number } {
  return {
    connectionTimeout: envMs('NOCTURNE_DYNAMODB_CONNECT_TIMEOUT_MS', STORE_CONNECT_TIMEOUT_MS),
    requestTimeout: envMs('NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS', STORE_REQUEST_TIMEOUT_MS),
  };
}

const noop = (): void => undefined;
/**
 * The SDK logs nothing either way (its default is a no-op logger), but its logger middleware builds
 * a sensitive-data-filtered copy of every request and response for `logger.info` whenever the
 * logger has one: ~3 % of the local runtime's CPU under the order benchmark. A logger without
 * `info`/`error` skips that work (the middleware calls them as `logger?.info?.(…)`).
 */
const SDK_LOGGER = { debug: noop, trace: noop, warn: noop } as unknown as NonNullable<DynamoDBClientConfig['logger']>;

export function documentClient(): DynamoDBDocumentClient {
  if (!client) {
    // A stalled store fails the call (TimeoutError, retried, then StoreUnavailableError: a 503 over
    // HTTP, a retry for an asynchronous consumer) instead of hanging to the function timeout. Without
    // throwOnRequestTimeout the Node handler only logs a warning when requestTimeout passes.
    const base = new DynamoDBClient({
      maxAttempts: STORE_MAX_ATTEMPTS,
      requestHandler: { ...storeTimeouts(), throwOnRequestTimeout: true },
      logger: SDK_LOGGER,
    });
    configure?.(base);
    for (const fn of extra) fn(base);
    baseClient = base;
    client = DynamoDBDocumentClient.from(base, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
  }
  return client;
}

/** The low-level client under documentClient() (same configuration: endpoint, local grants), for libraries that take one. */
export function dynamoDBClient(): DynamoDBClient {
  documentClient();
  return baseClient!;
}

/** Hook for the local runtime and benchmarks (e.g. a request-counting middleware). */
export function configureDynamoClient(fn: (c: DynamoDBClient) => void): void {
  configure = fn;
  client = undefined;
}

/** Add a configurer on top of the current one (benchmarks count requests this way). */
export function addDynamoClientConfigurer(fn: (c: DynamoDBClient) => void): () => void {
  extra.push(fn);
  client = undefined;
  return () => {
    extra.splice(extra.indexOf(fn), 1);
    client = undefined;
  };
}

export function tableName(): string {
  const name = process.env.TABLE_NAME;
  if (!name) throw new Error('TABLE_NAME is not set');
  return name;
}

export function isConditionalCheckFailed(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name;
  return name === 'ConditionalCheckFailedException';
}

export function isTransactionConflict(err: unknown): boolean {
  const e = err as { name?: string; CancellationReasons?: Array<{ Code?: string }> } | undefined;
  return e?.name === 'TransactionCanceledException' || e?.name === 'TransactionConflictException';
}

/** Cancellation reason codes of a failed transaction, one per item. */
export function cancellationCodes(err: unknown): string[] {
  const e = err as { CancellationReasons?: Array<{ Code?: string }> } | undefined;
  return (e?.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The store could not be reached or did not answer in time (no AWS response at all). */
export function isNetworkFailure(err: unknown): boolean {
  const e = err as { code?: string; name?: string; cause?: { code?: string } } | undefined;
  return (
    NETWORK_CODES.has(e?.code ?? '') ||
    NETWORK_CODES.has(e?.cause?.code ?? '') ||
    e?.name === 'TimeoutError' ||
    e?.name === 'RequestTimeout'
  );
}

/** Wrap infrastructure failures so the HTTP layer answers 503 (retry) instead of 500. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isConditionalCheckFailed(err) || isTransactionConflict(err)) throw err;
    // Failures of the AWS call itself (they carry $metadata) and of the connection to it are infrastructure failures.
    if (!(err as { $metadata?: unknown }).$metadata && !isNetworkFailure(err)) throw err;
    const name = (err as { name?: string }).name ?? 'Error';
    if (name === 'ValidationException') {
      // A start key DynamoDB refuses came from a cursor the client altered: a bad request naming it.
      if (/exclusive ?start ?key|starting key/i.test((err as Error).message ?? '')) throw invalidCursor();
      throw err;
    }
    throw new StoreUnavailableError(`DynamoDB ${what} failed: ${name}`, { cause: err });
  }
}

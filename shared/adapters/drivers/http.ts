// The HTTP call both remote drivers (ocs, webhook) make, with errors classified the way the
// state machines Retry/Catch on them: no answer, timeout, 429 or 5xx → TransientDriverError;
// any other non-2xx → PermanentDriverError.
import type { DriverName } from '../../domain/provisioning/catalog';
import {
  classifyHttpStatus,
  PermanentDriverError,
  TransientDriverError,
  type DriverOperation,
} from '../../domain/provisioning/driver';

export interface DriverHttpResponse {
  status: number;
  body: unknown;
}

export interface DriverHttpCall {
  driver: DriverName;
  operation: DriverOperation;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Statuses that are a success for this call besides 2xx (e.g. 404 on delete). */
  accept?: number[];
}

export async function driverFetch(c: DriverHttpCall): Promise<DriverHttpResponse> {
  let r: Response;
  try {
    r = await fetch(c.url, {
      method: c.method,
      headers: c.headers,
      body: c.body,
      signal: AbortSignal.timeout(c.timeoutMs),
      redirect: 'error',
    });
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${c.timeoutMs} ms` : `${e.name}: ${e.message}`;
    throw new TransientDriverError(`${c.driver} ${c.operation}: ${why}`, c.driver, c.operation, { cause: err });
  }
  const text = await r.text().catch(() => '');
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text.slice(0, 500);
    }
  }
  if (c.accept?.includes(r.status)) return { status: r.status, body };
  const kind = classifyHttpStatus(r.status);
  if (kind === 'ok') return { status: r.status, body };
  const detail = typeof body === 'object' && body ? JSON.stringify(body).slice(0, 500) : String(body ?? '');
  const msg = `${c.driver} ${c.operation}: HTTP ${r.status} ${detail}`.trim();
  if (kind === 'transient') throw new TransientDriverError(msg, c.driver, c.operation);
  const code =
    typeof body === 'object' && body && 'code' in body ? String((body as { code: unknown }).code) : `HTTP_${r.status}`;
  throw new PermanentDriverError(msg, c.driver, c.operation, code);
}

// The board's only way to the back end: the public ops API, same origin, bearer token.
import { getToken, signOut } from './auth';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { title?: string; detail?: string; errors?: Array<{ field: string; message: string }> },
  ) {
    super(
      [
        problem.detail ?? problem.title ?? `HTTP ${status}`,
        ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`),
      ]
        .filter(Boolean)
        .join(' '),
    );
  }
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${getToken() ?? ''}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401) {
    signOut();
    throw new ApiError(401, { detail: 'Signed out: the token is not valid any more.' });
  }
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) throw new ApiError(res.status, (data ?? {}) as ApiError['problem']);
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown, headers?: Record<string, string>) =>
  api<T>('POST', path, body, headers);

export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface Incident {
  id: string;
  number: number;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  severity: 'P1' | 'P2' | 'P3' | 'P4' | 'P5';
  serviceId?: string;
  teamId?: string;
  openedAt: string;
  acknowledgedAt?: string;
  resolvedAt?: string;
  alertCount: number;
  openAlertCount: number;
  storm?: boolean;
  stormSize?: number;
  groupKey: string;
  grouping?: { groupBy: string[] };
  revision: number;
}

/** Fetch a file with the bearer token and hand it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${getToken() ?? ''}` } });
  if (!res.ok) throw new ApiError(res.status, { detail: `Download failed (HTTP ${res.status}).` });
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

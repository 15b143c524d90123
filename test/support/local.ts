// End-to-end helpers: the whole local runtime on a free port, against the DynamoDB Local that
// test/support/global-setup.ts started, with its own tables (so its stream holds only its own
// changes), a temporary data dir, schedules off and quick retries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readJsonl } from '../../infra/local/jsonl';
import { dropTables, tableNamesFor } from '../../infra/local/tables';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../infra/local/runtime';
import type { BusEventEnvelope } from '../../infra/local/event-bus';
import type { SnsRecord } from '../../infra/local/sns';

export interface TestRuntime extends LocalRuntime {
  /** fetch against the runtime: `request('GET', '/alerts', { token: 'demo-viewer-token' })`. */
  request(
    method: string,
    urlPath: string,
    init?: { token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal },
  ): Promise<Response>;
  /** Lines of $dataDir/sns.jsonl. */
  snsMessages(): SnsRecord[];
  /** Lines of $dataDir/events.jsonl. */
  busEvents(): Array<BusEventEnvelope & { bus: string }>;
  /** Lines of $dataDir/dlq.jsonl. */
  deadLetters(): Array<Record<string, unknown>>;
}

/** A fresh temporary data dir (pass it to two runtimes to test a restart). */
export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nocturne-e2e-'));
}

/** A table prefix no other test uses. */
export function uniqueTablePrefix(): string {
  return `nocturne-e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export async function startTestRuntime(opts: Partial<LocalRuntimeOptions> = {}): Promise<TestRuntime> {
  const dynamoEndpoint = opts.dynamoEndpoint ?? process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!dynamoEndpoint)
    throw new Error(
      'AWS_ENDPOINT_URL_DYNAMODB is not set: run this test in the jest "integration" project (its globalSetup starts DynamoDB Local).',
    );
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? tempDataDir();
  // Tables named here are this runtime's alone (a restart test passes its own prefix to both runtimes).
  const ownTables = opts.tablePrefix ? undefined : tableNamesFor(uniqueTablePrefix());
  const rt = await startLocalRuntime({
    port: 0,
    ...(ownTables && { tablePrefix: ownTables.main }),
    quiet: true,
    schedules: false,
    streamPollMs: 50,
    ...opts,
    retry: {
      asyncDelaysMs: [20, 50],
      streamMaxAttempts: 3,
      streamRetryBaseMs: 20,
      snsDelaysMs: [20, 50],
      ...opts.retry,
    },
    dataDir,
    dynamoEndpoint,
  });
  const stop = rt.stop.bind(rt);
  return Object.assign(rt, {
    async stop() {
      await stop();
      if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
      if (ownTables) await dropTables(dynamoEndpoint, ownTables);
    },
    request(
      method: string,
      urlPath: string,
      init: { token?: string; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
    ) {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | Buffer | undefined;
      if (init.body !== undefined) {
        body = typeof init.body === 'string' || Buffer.isBuffer(init.body) ? init.body : JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${rt.url}${urlPath}`, { method, headers, body, signal: init.signal });
    },
    snsMessages: () => readJsonl<SnsRecord>(path.join(dataDir, 'sns.jsonl')),
    busEvents: () => readJsonl<BusEventEnvelope & { bus: string }>(path.join(dataDir, 'events.jsonl')),
    deadLetters: () => readJsonl(path.join(dataDir, 'dlq.jsonl')),
  });
}

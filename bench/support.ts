// Shared by the benchmarks: DynamoDB Local + the whole local runtime in this process, request
// counting on the DynamoDB client, and latency statistics.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../infra/local/dynamodb-local';
import { currentInvocation } from '../infra/local/lambda';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../infra/local/runtime';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { addDynamoClientConfigurer, documentClient, tableName } from '../shared/store/client';
import { amPayload, type AmAlert } from '../test/support/alertmanager';

export interface BenchEnv {
  rt: LocalRuntime;
  dynamo: DynamoDbLocal;
  counts: Map<string, number>;
  /** Requests per function (from the local runtime's invocation context), then per operation. */
  byFunction: Map<string, Map<string, number>>;
  resetCounts(): void;
  stop(): Promise<void>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export async function startBench(opts: Partial<LocalRuntimeOptions> = {}): Promise<BenchEnv> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nocturne-bench-'));
  // Full JIT: a benchmark runs long enough for C2 to pay off.
  const dynamo = await startDynamoDbLocal({ port: 0, jvmArgs: [], startTimeoutMs: 120_000 });
  const rt = await startLocalRuntime({
    port: 0,
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    seedDemo: true,
    quiet: true,
    schedules: false,
    ...opts,
  });
  const counts = new Map<string, number>();
  const byFunction = new Map<string, Map<string, number>>();
  addDynamoClientConfigurer((c) =>
    c.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        counts.set(op, (counts.get(op) ?? 0) + 1);
        const fn = currentInvocation.getStore()?.fn.name ?? '(outside)';
        const m = byFunction.get(fn) ?? new Map<string, number>();
        m.set(op, (m.get(op) ?? 0) + 1);
        byFunction.set(fn, m);
        return next(args);
      },
      { step: 'initialize', name: 'benchCounter' },
    ),
  );
  return {
    rt,
    dynamo,
    counts,
    byFunction,
    resetCounts: () => {
      counts.clear();
      byFunction.clear();
    },
    async stop() {
      await rt.stop();
      await dynamo.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function writesOf(counts: Map<string, number>): number {
  let n = 0;
  for (const [op, c] of counts) if (WRITES.has(op)) n += c;
  return n;
}

export function requestsOf(counts: Map<string, number>): number {
  let n = 0;
  for (const c of counts.values()) n += c;
  return n;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Every item of one `type` in the table (a scan: for checking a bench's outcome, not for speed). */
export async function scanType(type: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await documentClient().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: '#t = :t',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: { ':t': type },
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(r.Items ?? []));
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

/** One Alertmanager delivery to the demo integration; anything but 202 throws. Returns its latency (ms). */
export async function postAlerts(url: string, alerts: AmAlert[]): Promise<number> {
  const t = performance.now();
  const r = await fetch(`${url}/hooks/demo-alertmanager`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-alertmanager-token', 'content-type': 'application/json' },
    body: JSON.stringify(amPayload(alerts)),
  });
  await r.arrayBuffer();
  if (r.status !== 202) throw new Error(`webhook answered ${r.status}`);
  return performance.now() - t;
}

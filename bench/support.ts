// Shared by the benchmarks: DynamoDB Local + the whole local runtime in this process, request
// counting on the DynamoDB client, and latency statistics.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  LONG_RUNNING_JVM_ARGS,
  localDynamoClient,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../infra/local/dynamodb-local';
import { readJsonl } from '../infra/local/jsonl';
import { ensureTables, tableNamesFor } from '../infra/local/tables';
import { currentInvocation } from '../infra/local/lambda';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../infra/local/runtime';
import { BatchGetCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { addDynamoClientConfigurer, documentClient, tableName } from '../shared/store/client';
import { sizeOf, transactionUnits, type Item } from './capacity-units';

export { sizeOf };
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

export const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * DynamoDB Local and the whole local runtime in this process. `beforeRuntime` runs between the two,
 * with the runtime's tables created and their streams off: data written there is stored but is no
 * change the runtime's stream consumers will see (a bench's "already stored" history).
 */
export async function startBench(
  opts: Partial<LocalRuntimeOptions> = {},
  beforeRuntime?: (dynamoEndpoint: string) => Promise<void>,
): Promise<BenchEnv> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nocturne-bench-'));
  // Full JIT: a benchmark runs long enough for C2 to pay off.
  const dynamo = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS], startTimeoutMs: 120_000 });
  if (beforeRuntime) {
    const names = tableNamesFor(opts.tablePrefix ?? 'nocturne');
    await ensureTables(dynamo.endpoint, names);
    const client = localDynamoClient(dynamo.endpoint);
    try {
      for (const name of Object.values(names)) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
        if (Table?.StreamSpecification?.StreamEnabled)
          await client.send(new UpdateTableCommand({ TableName: name, StreamSpecification: { StreamEnabled: false } }));
      }
    } finally {
      client.destroy();
    }
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      TABLE_NAME: names.main,
      IDEMPOTENCY_TABLE_NAME: names.idempotency,
    });
    await beforeRuntime(dynamo.endpoint);
  }
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
  const removeCounter = addDynamoClientConfigurer((c) =>
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
      removeCounter();
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
/** The pages the runtime published so far (sns.jsonl, topic `pages`) and each incident's first page time. */
export function pagesSent(dataDir: string): { count: number; firstByIncident: Map<string, number> } {
  const firstByIncident = new Map<string, number>();
  let count = 0;
  for (const m of readJsonl<{ topic: string; attributes: Record<string, string>; timestamp: string }>(
    path.join(dataDir, 'sns.jsonl'),
  )) {
    if (m.topic !== 'pages') continue;
    count++;
    const id = m.attributes.incident ?? '';
    const t = Date.parse(m.timestamp);
    if (!firstByIncident.has(id) || t < firstByIncident.get(id)!) firstByIncident.set(id, t);
  }
  return { count, firstByIncident };
}

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

/** One Alertmanager delivery to the demo integration: its answer's status and latency (ms). */
export async function offerAlerts(url: string, alerts: AmAlert[]): Promise<{ status: number; ms: number }> {
  const t = performance.now();
  const r = await fetch(`${url}/hooks/demo-alertmanager`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-alertmanager-token', 'content-type': 'application/json' },
    body: JSON.stringify(amPayload(alerts)),
  });
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - t };
}

/** One Alertmanager delivery to the demo integration; anything but 202 throws. Returns its latency (ms). */
export async function postAlerts(url: string, alerts: AmAlert[]): Promise<number> {
  const { status, ms } = await offerAlerts(url, alerts);
  if (status !== 202) throw new Error(`webhook answered ${status}`);
  return ms;
}

/** DynamoDB requests of one function, by operation, and the units DynamoDB reported for them. */
export interface FnTally {
  requests: Record<string, number>;
  /** Requests that failed (conditional checks): counted in `requests` too. */
  failed: Record<string, number>;
  rru: number;
  wru: number;
  /** Write units by what was written (see `targetOf`): requests, items, bytes, table and index units. */
  items: Record<string, ItemTally>;
  /** Read requests by what they read (operation, index, key prefixes). */
  reads: Record<string, number>;
}

/** What one kind of written item costs: `gsiWru` are the units of its index copies. */
export interface ItemTally {
  requests: number;
  items: number;
  bytes: number;
  tableWru: number;
  gsiWru: number;
  /** The indexes the item was copied to (from the units DynamoDB reported per index). */
  indexes: string[];
}

/** Units from ConsumedCapacity (one object, or one per table for transactions and batches). */
function units(cc: unknown): number {
  let n = 0;
  for (const c of (Array.isArray(cc) ? cc : cc ? [cc] : []) as Array<Record<string, number | undefined>>)
    n += c.CapacityUnits ?? 0;
  return n;
}

/** The units of index copies in a ConsumedCapacity (asked with ReturnConsumedCapacity INDEXES). */
function indexUnits(cc: unknown): { gsi: number; indexes: string[] } {
  let gsi = 0;
  const indexes: string[] = [];
  for (const c of (Array.isArray(cc) ? cc : cc ? [cc] : []) as Array<{
    GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
  }>)
    for (const [name, v] of Object.entries(c.GlobalSecondaryIndexes ?? {})) {
      gsi += v.CapacityUnits ?? 0;
      if (v.CapacityUnits) indexes.push(name);
    }
  return { gsi, indexes };
}

/**
 * A written item's label: its `type` when the request names it, else its key's prefixes
 * (`INCIDENT#…/ALERT#…` → `INCIDENT/ALERT`); and its size in bytes as DynamoDB counts it (names
 * and values; for updates and deletes the key and the values set, a lower bound of the item's).
 */
function writtenItems(op: string, input: Record<string, unknown>): Array<{ label: string; bytes: number }> {
  const one = (kind: string, w: Record<string, unknown>) => {
    const item = (w.Item ?? w.Key ?? {}) as Record<string, unknown>;
    const prefix = (v: unknown) => String(v ?? '').split('#')[0];
    const type = typeof item.type === 'string' ? item.type : `${prefix(item.pk)}/${prefix(item.sk)}`;
    const values = (w.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
    return { label: `${kind}:${type}`, bytes: sizeOf(item) + (w.Item ? 0 : sizeOf(values)) };
  };
  switch (op) {
    case 'PutItem':
      return [one('Put', input)];
    case 'UpdateItem':
      return [one('Update', input)];
    case 'DeleteItem':
      return [one('Delete', input)];
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>).flatMap((t) =>
        Object.entries(t).map(([kind, w]) => one(kind === 'ConditionCheck' ? 'Check' : kind, w)),
      );
    case 'BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, Array<Record<string, Record<string, unknown>>>>)
        .flat()
        .map((r) => (r.PutRequest ? one('Put', r.PutRequest) : one('Delete', r.DeleteRequest ?? {})));
    default:
      return [];
  }
}

/** What a read reads: index and key prefixes (`gsi1 ALERT`, `INCIDENT/INCIDENT`, `RULESET/CURRENT`). */
function readTarget(input: Record<string, unknown>): string {
  const prefix = (v: unknown) => String(v ?? '').split('#')[0];
  if (input.Key) {
    const k = input.Key as Record<string, unknown>;
    return `${prefix(k.pk)}/${prefix(k.sk)}`;
  }
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, unknown>;
  if (input.KeyConditionExpression) return `${input.IndexName ?? 'table'} ${prefix(values[':pk'])}`;
  if (input.RequestItems)
    return Object.values(input.RequestItems as Record<string, { Keys?: Array<Record<string, unknown>> }>)
      .flatMap((r) => (r.Keys ?? []).map((k) => `${prefix(k.pk)}/${prefix(k.sk)}`))
      .filter((x, i, all) => all.indexOf(x) === i)
      .join(',');
  return '';
}

/** The items a transaction writes or checks, with their keys (Put's from its item). */
function transactionTargets(
  input: Record<string, unknown>,
): Array<{ kind: string; table: string; key: Item; put?: Item }> {
  // The main table's key is pk + sk; the idempotency table's is id.
  const keyOf = (item: Item) =>
    Object.fromEntries((item.pk !== undefined ? ['pk', 'sk'] : ['id']).map((k) => [k, item[k]]));
  return ((input.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>).flatMap((t) =>
    Object.entries(t).map(([kind, w]) => {
      const put = kind === 'Put' ? (w.Item as Item) : undefined;
      return { kind, table: String(w.TableName), key: put ? keyOf(put) : (w.Key as Item), put };
    }),
  );
}

/** The stored items under these keys (consistent reads), `undefined` where there is none. */
async function storedItems(reader: DynamoDBDocumentClient, targets: Array<{ table: string; key: Item }>) {
  const found = new Map<string, Item>();
  const id = (table: string, key: Item) => `${table}|${JSON.stringify(key)}`;
  for (let i = 0; i < targets.length; i += 100) {
    const byTable: Record<string, { Keys: Item[]; ConsistentRead: boolean }> = {};
    for (const t of targets.slice(i, i + 100))
      (byTable[t.table] ??= { Keys: [], ConsistentRead: true }).Keys.push(t.key);
    let request: typeof byTable | undefined = byTable;
    while (request && Object.keys(request).length) {
      const out = await reader.send(new BatchGetCommand({ RequestItems: request }));
      for (const [table, items] of Object.entries(out.Responses ?? {}))
        for (const item of items) {
          const key = Object.fromEntries(
            Object.keys(targets.find((t) => t.table === table)!.key).map((k) => [k, item[k]]),
          );
          found.set(id(table, key), item);
        }
      request = out.UnprocessedKeys as typeof byTable | undefined;
    }
  }
  return targets.map((t) => found.get(id(t.table, t.key)));
}

/**
 * Counts every DynamoDB request of this process while a tally is open, by the local runtime's
 * function (`outside` names the rest), asking DynamoDB for the units it consumed. Install once.
 */
export function capacityCounter(outside = '(outside a function)'): {
  /** Start counting. `priceTransactions`: price each transaction from its items, read before and after
   * it (AWS's figure; DynamoDB Local's is wrong): two more reads per transaction, so for counting runs
   * (bench:cost, calibrations), not for timed ones, whose transactions keep DynamoDB Local's units. */
  open(opts?: { priceTransactions?: boolean }): void;
  close(): Map<string, FnTally>;
} {
  let fns: Map<string, FnTally> | undefined;
  let price = false;
  // Reads the items a transaction touches, before and after it, to price it (not counted).
  let reader: DynamoDBDocumentClient | undefined;
  addDynamoClientConfigurer((c) =>
    c.middlewareStack.add(
      (next, context) => async (args) => {
        if (!fns) return next(args);
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const fn = currentInvocation.getStore()?.fn.name ?? outside;
        let t = fns.get(fn);
        if (!t) fns.set(fn, (t = { requests: {}, failed: {}, rru: 0, wru: 0, items: {}, reads: {} }));
        t.requests[op] = (t.requests[op] ?? 0) + 1;
        const input = args.input as Record<string, unknown>;
        input.ReturnConsumedCapacity = 'INDEXES';
        const written = WRITES.has(op) ? writtenItems(op, input) : [];
        const label = `${op} ${written.map((w) => w.label).join(' + ')}`;
        const item = WRITES.has(op)
          ? (t.items[label] ??= { requests: 0, items: 0, bytes: 0, tableWru: 0, gsiWru: 0, indexes: [] })
          : undefined;
        if (!WRITES.has(op)) {
          const read = `${op} ${readTarget(input)}`;
          t.reads[read] = (t.reads[read] ?? 0) + 1;
        }
        if (item) {
          item.requests++;
          item.items += written.length;
          item.bytes += written.reduce((n, w) => n + w.bytes, 0);
        }
        const targets = price && op === 'TransactWriteItems' ? transactionTargets(input) : [];
        if (targets.length)
          reader ??= DynamoDBDocumentClient.from(localDynamoClient(String(process.env.AWS_ENDPOINT_URL_DYNAMODB)));
        const before = targets.length ? await storedItems(reader!, targets) : [];
        let out;
        try {
          out = await next(args);
        } catch (err) {
          // A failed conditional write (or cancelled transaction) is billed too: at least 1 write unit
          // per item (more for items over 1 KB); DynamoDB returns no ConsumedCapacity with the error.
          if (WRITES.has(op)) t.wru += 1;
          if (item) item.tableWru += 1;
          t.failed[op] = (t.failed[op] ?? 0) + 1;
          throw err;
        }
        const cc = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        let u = units(cc);
        let split = indexUnits(cc);
        if (targets.length) {
          const billed = transactionUnits(targets, before, await storedItems(reader!, targets));
          u = billed.table + billed.gsi;
          split = { gsi: billed.gsi, indexes: billed.indexes };
        }
        if (WRITES.has(op)) t.wru += u;
        else t.rru += u;
        if (item) {
          item.tableWru += u - split.gsi;
          item.gsiWru += split.gsi;
          for (const name of split.indexes) if (!item.indexes.includes(name)) item.indexes.push(name);
        }
        return out;
      },
      { step: 'initialize', name: 'benchCapacityCounter', priority: 'high' },
    ),
  );
  return {
    open: (opts) => {
      fns = new Map();
      price = opts?.priceTransactions ?? false;
    },
    close: () => {
      const out = fns ?? new Map<string, FnTally>();
      fns = undefined;
      return out;
    },
  };
}

/** A tally divided by `per` (alerts, incidents…): totals and the split by function and operation. */
export function perUnitTally(fns: Map<string, FnTally>, per: number) {
  const perUnit = (x: number) => round(x / per, 2);
  const all = [...fns.values()];
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return {
    requests: perUnit(all.reduce((n, t) => n + sum(t.requests), 0)),
    writes: perUnit(
      all.reduce((n, t) => n + Object.entries(t.requests).reduce((a, [op, c]) => a + (WRITES.has(op) ? c : 0), 0), 0),
    ),
    rru: perUnit(all.reduce((n, t) => n + t.rru, 0)),
    wru: perUnit(all.reduce((n, t) => n + t.wru, 0)),
    byFunction: Object.fromEntries(
      [...fns].map(([fn, t]) => [
        fn,
        {
          requests: Object.fromEntries(Object.entries(t.requests).map(([op, c]) => [op, perUnit(c)])),
          failed: Object.fromEntries(Object.entries(t.failed).map(([op, c]) => [op, perUnit(c)])),
          rru: perUnit(t.rru),
          wru: perUnit(t.wru),
          reads: Object.fromEntries(Object.entries(t.reads).map(([what, c]) => [what, perUnit(c)])),
          /** Per kind of write: requests and units per unit, bytes per item written, the indexes copied to. */
          written: Object.fromEntries(
            Object.entries(t.items).map(([what, i]) => [
              what,
              {
                requests: perUnit(i.requests),
                bytesPerItem: i.items ? Math.round(i.bytes / i.items) : 0,
                tableWru: perUnit(i.tableWru),
                gsiWru: perUnit(i.gsiWru),
                indexes: i.indexes,
              },
            ]),
          ),
        },
      ]),
    ),
  };
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU ms (user + system) a process has used, from /proc; undefined where there is no /proc. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK; // utime, stime (fields 14 and 15)
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in MB, from /proc. */
function rssMbOf(pid: number | undefined): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run `run` and measure it until the runtime has drained what it caused (rt.settle): seconds to
 * serve and to drain, CPU ms of this process (webhook, outbox, every function) and of DynamoDB Local
 * apart, DynamoDB requests and units by function, peak RSS of both, and the load average.
 */
export async function measureDrained<T>(
  env: BenchEnv,
  capacity: ReturnType<typeof capacityCounter>,
  run: () => Promise<T>,
) {
  await env.rt.settle();
  const loadAverage1m = round(loadavg()[0]!, 1);
  const peak = { self: process.memoryUsage.rss() / 2 ** 20, dynamo: rssMbOf(env.dynamo.pid) ?? 0 };
  const sampler = setInterval(() => {
    peak.self = Math.max(peak.self, process.memoryUsage.rss() / 2 ** 20);
    peak.dynamo = Math.max(peak.dynamo, rssMbOf(env.dynamo.pid) ?? 0);
  }, 100);
  const cpu0 = process.cpuUsage();
  const dynamoCpu0 = cpuMsOf(env.dynamo.pid);
  capacity.open();
  const started = performance.now();
  let result: T;
  let served: number;
  try {
    result = await run();
    served = performance.now();
    await env.rt.settle();
  } finally {
    clearInterval(sampler);
  }
  const drained = performance.now();
  const tally = capacity.close();
  const cpu = process.cpuUsage(cpu0);
  const dynamoCpu1 = cpuMsOf(env.dynamo.pid);
  return {
    result,
    servedSeconds: (served - started) / 1000,
    drainSeconds: (drained - served) / 1000,
    cpuMs: {
      nocturne: (cpu.user + cpu.system) / 1000,
      dynamodbLocal: dynamoCpu0 === undefined || dynamoCpu1 === undefined ? null : dynamoCpu1 - dynamoCpu0,
    },
    tally,
    peakRssMb: { nocturne: round(peak.self, 0), dynamodbLocal: round(peak.dynamo, 0) },
    loadAverage1m,
  };
}

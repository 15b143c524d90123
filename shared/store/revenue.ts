// Revenue assurance runs (docs/revenue-assurance.md "Stored runs", docs/data-model.md "Revenue
// assurance"): one item per run, its findings in a partition of their own (RAFIND#<runId>, the class
// leading the sort key), and one item per period naming its current run. A re-run of a period
// writes its findings under its own run id; when it completes it becomes the period's current run
// and the findings of the run it replaces are deleted, so a period's findings are replaced, never
// doubled. Findings of one partition are written under deterministic keys (partition, sequence), so
// a retried partition overwrites what it wrote.
import { BatchWriteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { ControlResult, RaControls } from '../domain/revenue/controls';
import type { AnomalyVerdict, VolumePoint } from '../domain/revenue/anomalies';
import type { Finding, FindingClass, ReconcileConfig, RunSummary, Side } from '../domain/revenue/types';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { REVENUE_ENTITY as E, revenueKeys as k } from './keys';
import { decodeCursor, encodeCursor, invalidCursor, type Page } from './pagination';
import { queryAll, queryPage, type Item } from './query';

/** The money unit of charges when the settings name none. */
export const DEFAULT_CURRENCY = 'EUR';

/** Findings and runs are personal data: kept as long as the files (the RA bucket's expiry). */
export const RA_RETENTION_DAYS = 400;

export type RaRunStatus = 'running' | 'succeeded' | 'failed' | 'superseded';

export interface RaRun {
  id: string;
  /** The day reconciled, `YYYY-MM-DD`. */
  period: string;
  status: RaRunStatus;
  trigger: { kind: 'api' | 'schedule'; by: string };
  startedAt: string;
  endedAt?: string;
  executionArn?: string;
  /** The delivered files (inbox keys) whose batches the run read, per side. */
  files?: Record<Side, string[]>;
  /** Lines Load could not use, per side, and the error logs that list them (line, reason). */
  badLines?: Record<Side, { count: number; logs: string[] }>;
  summary?: RunSummary;
  /** Record counts per `side:service:direction` and day, for the volume anomaly control. */
  volumes?: VolumePoint[];
  /** Partitions the run was cut into. */
  partitions?: number;
  /** The reconcile configuration the run started with (settings may change meanwhile). */
  config?: ReconcileConfig;
  /** The currency of the charges (from the settings when the run started). */
  currency?: string;
  controls?: ControlResult[];
  /** Volume anomaly verdicts of the run's day. */
  anomalies?: AnomalyVerdict[];
  error?: { kind: string; message: string; file?: string };
  supersededBy?: string;
  version: number;
}

export interface StoredFinding extends Omit<Finding, 'billing' | 'network'> {
  partition: number;
  billing?: { quantity: number; charge: number; startTime: string; unit?: string; line?: number };
  network?: { quantity: number; charge: number; startTime: string; unit?: string; line?: number };
}

const expiresAt = (iso: string) => Math.floor(Date.parse(iso) / 1000) + RA_RETENTION_DAYS * 86_400;

function toRun(item: Item): RaRun {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, type: _t, expiresAt: _e, ...run } = item;
  return run as unknown as RaRun;
}

/** A new run; false when a run with this id exists (a retried start). */
export async function insertRun(run: RaRun): Promise<boolean> {
  try {
    await guard('store RA run', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...k.run(run.id),
            gsi1pk: k.runList(),
            gsi1sk: k.runListSort(run.period, run.id),
            type: E.run,
            expiresAt: expiresAt(run.startedAt),
            ...run,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export async function getRun(id: string): Promise<RaRun | undefined> {
  const r = await guard('get RA run', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: k.run(id), ConsistentRead: true })),
  );
  return r.Item ? toRun(r.Item) : undefined;
}

export async function requireRun(id: string): Promise<RaRun> {
  const run = await getRun(id);
  if (!run) throw new NotFoundError(`No reconciliation run ${id}.`);
  return run;
}

/**
 * Sets fields of a run. With `whileStatus`, only while the run is in that status (ConflictError
 * otherwise): a late retry cannot move a finished run back.
 */
export async function updateRun(
  id: string,
  fields: Partial<Omit<RaRun, 'id' | 'period' | 'version'>>,
  whileStatus?: RaRunStatus,
): Promise<RaRun> {
  const names: Record<string, string> = { '#v': 'version' };
  const values: Record<string, unknown> = { ':one': 1 };
  const sets = ['#v = #v + :one'];
  Object.entries(fields).forEach(([name, value], i) => {
    if (value === undefined) return;
    names[`#f${i}`] = name;
    values[`:f${i}`] = value;
    sets.push(`#f${i} = :f${i}`);
  });
  let condition = 'attribute_exists(pk)';
  if (whileStatus) {
    names['#status'] = 'status';
    values[':while'] = whileStatus;
    condition += ' AND #status = :while';
  }
  try {
    const r = await guard('update RA run', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: k.run(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return toRun(r.Attributes!);
  } catch (err) {
    if (isConditionalCheckFailed(err))
      throw new ConflictError(`Run ${id} does not exist or is no longer ${whileStatus ?? 'there'}.`);
    throw err;
  }
}

/** Runs, newest period first (optionally of one period). */
export async function listRuns(opts: { limit: number; cursor?: string; period?: string }): Promise<Page<RaRun>> {
  const page = await queryPage({
    what: 'RA runs',
    pk: k.runList(),
    index: 'gsi1',
    newestFirst: true,
    ...(opts.period ? { skPrefix: `${opts.period}#` } : {}),
    limit: opts.limit,
    cursor: opts.cursor,
  });
  return { items: page.items.map(toRun), nextCursor: page.nextCursor };
}

// ---- findings ---------------------------------------------------------------------------------

const WRITE_CONCURRENCY = 4;

async function batchWrite(what: string, requests: Array<Record<string, unknown>>): Promise<void> {
  const chunks: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]!;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        if (attempt >= 8) throw new ConflictError(`${what}: DynamoDB kept items unprocessed; retry.`);
        const r = await guard(what, () =>
          documentClient().send(new BatchWriteCommand({ RequestItems: { [tableName()]: pending } })),
        );
        pending = (r.UnprocessedItems?.[tableName()] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, chunks.length) }, worker));
}

const side = (r: Finding['billing']) =>
  r && {
    quantity: r.quantity,
    charge: r.charge,
    startTime: r.startTime,
    ...(r.unit !== undefined ? { unit: r.unit } : {}),
    ...(r.line !== undefined ? { line: r.line } : {}),
  };

/** Writes one partition's findings (a retry of the partition overwrites the same items). */
export async function putFindings(runId: string, partition: number, findings: readonly Finding[], now: string) {
  const exp = expiresAt(now);
  const seq: Partial<Record<FindingClass, number>> = {};
  await batchWrite(
    'store RA findings',
    findings.map((f) => {
      const n = (seq[f.class] = (seq[f.class] ?? 0) + 1);
      return {
        PutRequest: {
          Item: {
            ...k.finding(runId, f.class, partition, n),
            type: E.finding,
            expiresAt: exp,
            partition,
            recordId: f.recordId,
            class: f.class,
            service: f.service,
            direction: f.direction,
            subscriber: f.subscriber,
            ...(f.side ? { side: f.side } : {}),
            ...(f.billing ? { billing: side(f.billing) } : {}),
            ...(f.network ? { network: side(f.network) } : {}),
            value: f.value,
          },
        },
      };
    }),
  );
}

function toFinding(item: Item): StoredFinding {
  const { pk: _pk, sk: _sk, type: _t, expiresAt: _e, ...f } = item;
  return f as unknown as StoredFinding;
}

export interface FindingFilter {
  class?: Exclude<FindingClass, 'matched'>;
  service?: string;
  direction?: string;
}

/** A page of a run's findings, in class then partition order. */
export async function listFindings(
  runId: string,
  filter: FindingFilter,
  page: { limit: number; cursor?: string },
): Promise<Page<StoredFinding>> {
  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.service) {
    conditions.push('#service = :service');
    names['#service'] = 'service';
    values[':service'] = filter.service;
  }
  if (filter.direction) {
    conditions.push('#direction = :direction');
    names['#direction'] = 'direction';
    values[':direction'] = filter.direction;
  }
  const r = await queryPage({
    what: 'RA findings',
    pk: k.findings(runId),
    ...(filter.class ? { skPrefix: `${filter.class}#` } : {}),
    ...(conditions.length ? { filter: { expression: conditions.join(' AND '), names, values } } : {}),
    limit: page.limit,
    cursor: page.cursor,
  });
  return { items: r.items.map(toFinding), nextCursor: r.nextCursor };
}

/** Deletes every finding of a run (a failed run, or the run a re-run replaced). Returns how many. */
export async function deleteFindings(runId: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const items = await queryAll({ what: 'RA findings', pk: k.findings(runId), projection: 'pk, sk', max: 2500 });
    if (items.length === 0) return deleted;
    await batchWrite(
      'delete RA findings',
      items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    );
    deleted += items.length;
  }
}

// ---- periods ----------------------------------------------------------------------------------

export interface RaPeriod {
  period: string;
  runId: string;
  currency?: string;
  completedAt: string;
  summary: RunSummary;
  volumes: VolumePoint[];
  controls: ControlResult[];
}

/**
 * Makes a completed run the current run of its period; returns the run it replaced (if any). A run
 * that started before the current one does not replace it (two overlapping re-runs: the later
 * start wins), and then `replaced` is the run itself.
 */
export async function makeCurrent(run: RaRun, p: Omit<RaPeriod, 'period' | 'runId'>): Promise<{ replaced?: string }> {
  const prev = await getPeriod(run.period);
  if (prev?.runId === run.id) return {};
  if (prev && prev.runId > run.id) return { replaced: run.id };
  try {
    await guard('store RA period', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...k.period(run.period),
            gsi1pk: k.periodList(),
            gsi1sk: run.period,
            type: E.period,
            period: run.period,
            runId: run.id,
            ...p,
          },
          ConditionExpression: prev ? 'runId = :prev' : 'attribute_not_exists(pk)',
          ExpressionAttributeValues: prev ? { ':prev': prev.runId } : undefined,
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) return makeCurrent(run, p);
    throw err;
  }
  return { replaced: prev?.runId };
}

function toPeriod(item: Item): RaPeriod {
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, type: _t, ...p } = item;
  return p as unknown as RaPeriod;
}

export async function getPeriod(period: string): Promise<RaPeriod | undefined> {
  const r = await guard('get RA period', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: k.period(period), ConsistentRead: true })),
  );
  return r.Item ? toPeriod(r.Item) : undefined;
}

/**
 * The current run's summary of every period in [from, to] (`YYYY-MM-DD`, inclusive), oldest first:
 * what the monthly report reads for "leakage found".
 */
export async function latestRunSummaries(
  from: string,
  to: string,
): Promise<Array<{ period: string; runId: string; completedAt: string; summary: RunSummary; currency?: string }>> {
  const items = await queryAll({ what: 'RA periods', pk: k.periodList(), index: 'gsi1', skBetween: [from, to] });
  return items
    .map(toPeriod)
    .map(({ period, runId, completedAt, summary, currency }) => ({ period, runId, completedAt, summary, currency }));
}

/** Every period with a current run, and that run's id (what Extract sends partners). */
export async function currentRuns(): Promise<Array<{ period: string; runId: string }>> {
  const items = await queryAll({
    what: 'RA current runs',
    pk: k.periodList(),
    index: 'gsi1',
    projection: '#period, runId',
    projectionNames: { '#period': 'period' },
    max: 100_000,
  });
  return items.map((i) => ({ period: String(i.period), runId: String(i.runId) }));
}

/**
 * Daily volumes of these periods (the anomaly baseline): the current run's where a period has one,
 * else the period's imported volume history (days from before the stored runs), else none.
 */
export async function volumesOfPeriods(periods: readonly string[]): Promise<VolumePoint[]> {
  const found = await Promise.all(
    periods.map(async (period) => (await getPeriod(period))?.volumes ?? (await getVolumeHistory(period))?.volumes),
  );
  return found.flatMap((v) => v ?? []);
}

/** A day's volumes from before the stored runs (e.g. the operator's earlier system, or the demo). */
export interface RaVolumeHistory {
  period: string;
  volumes: VolumePoint[];
  /** Where the figures came from (free text, e.g. `demo`). */
  source: string;
  importedAt: string;
}

/** Writes (replaces) one day's imported volume history; only that day's points are kept. */
export async function putVolumeHistory(h: RaVolumeHistory): Promise<void> {
  await guard('store RA volume history', () =>
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...k.volumeHistory(h.period),
          gsi1pk: k.volumeHistoryList(),
          gsi1sk: h.period,
          type: E.volumeHistory,
          ...h,
          volumes: h.volumes.filter((v) => v.period === h.period),
        },
      }),
    ),
  );
}

export async function getVolumeHistory(period: string): Promise<RaVolumeHistory | undefined> {
  const r = await guard('get RA volume history', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: k.volumeHistory(period) })),
  );
  if (!r.Item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, type: _t, ...h } = r.Item;
  return h as RaVolumeHistory;
}

/** One day's stored volumes: its current run's, else its imported history's. */
export interface StoredVolumes {
  period: string;
  source: 'run' | 'history';
  /** The current run whose volumes these are (source run). */
  runId?: string;
  volumes: VolumePoint[];
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` → the next day. */
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

/**
 * The stored daily volumes of [from, to] (inclusive, `YYYY-MM-DD`), oldest first, a page of at most
 * `limit` days: each day's current run's volumes, else its imported history (as the anomaly
 * baseline reads them, volumesOfPeriods). `series`: only series equal to it or under it
 * (`network`, `network:voice`, `network:voice:mo`); a day left with none is skipped. The cursor
 * is the last day returned. Two gsi1 queries per page (RAPERIODS, RAVOLHISTS), each of at most
 * `limit` days: the first `limit` days of their merge are the page.
 */
export async function listStoredVolumes(
  q: { from?: string; to?: string; series?: string },
  page: { limit: number; cursor?: string },
): Promise<Page<StoredVolumes>> {
  const after = decodeCursor<{ after?: unknown }>(page.cursor)?.after;
  if (page.cursor !== undefined && page.cursor !== '' && (typeof after !== 'string' || !DAY.test(after)))
    throw invalidCursor();
  const from = [q.from ?? '0000-01-01', ...(typeof after === 'string' ? [nextDay(after)] : [])].sort().at(-1)!;
  const to = q.to ?? '9999-12-31';
  if (from > to) return { items: [] };
  const read = (pk: string) =>
    queryPage({ what: `RA volumes (${pk})`, pk, index: 'gsi1', skBetween: [from, to], limit: page.limit });
  const [runs, history] = await Promise.all([read(k.periodList()), read(k.volumeHistoryList())]);
  const byDay = new Map<string, StoredVolumes>();
  for (const i of history.items)
    byDay.set(String(i.period), { period: String(i.period), source: 'history', volumes: i.volumes as VolumePoint[] });
  for (const i of runs.items)
    byDay.set(String(i.period), {
      period: String(i.period),
      source: 'run',
      runId: String(i.runId),
      volumes: (i.volumes as VolumePoint[] | undefined) ?? [],
    });
  const days = [...byDay.values()].sort((a, b) => (a.period < b.period ? -1 : 1)).slice(0, page.limit);
  // More may follow when either query stopped early, or the merge held more than a page.
  const more = runs.nextCursor !== undefined || history.nextCursor !== undefined || byDay.size > page.limit;
  const wanted = (v: VolumePoint) => !q.series || v.series === q.series || v.series.startsWith(`${q.series}:`);
  const items = days.map((d) => ({ ...d, volumes: d.volumes.filter(wanted) })).filter((d) => d.volumes.length > 0);
  const last = days.at(-1)?.period;
  return { items, nextCursor: more && last ? encodeCursor({ after: last }) : undefined };
}

// ---- idempotency keys of POST /ra/runs --------------------------------------------------------

/** How long an Idempotency-Key of a run start is remembered. */
export const RUN_KEY_TTL_HOURS = 24;

/** Claims a key for a run id; answers the run id that holds it (this one, or the one claimed first). */
export async function claimRunKey(keyHash: string, runId: string, now: Date): Promise<string> {
  try {
    await guard('store RA run key', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...k.runKey(keyHash),
            type: E.runKey,
            runId,
            expiresAt: Math.floor(now.getTime() / 1000) + RUN_KEY_TTL_HOURS * 3600,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now.getTime() / 1000) },
        }),
      ),
    );
    return runId;
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    const r = await guard('get RA run key', () =>
      documentClient().send(new GetCommand({ TableName: tableName(), Key: k.runKey(keyHash), ConsistentRead: true })),
    );
    return String(r.Item?.runId ?? runId);
  }
}

// ---- settings ---------------------------------------------------------------------------------

export interface RaSettings {
  reconcile: ReconcileConfig;
  controls: RaControls;
  /** ISO 4217 code of the charges in the files. */
  currency: string;
  version: number;
  updatedAt: string;
  updatedBy: string;
}

export async function getSettings(): Promise<RaSettings | undefined> {
  const r = await guard('get RA settings', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: k.settings(), ConsistentRead: true })),
  );
  if (!r.Item) return undefined;
  const { pk: _pk, sk: _sk, type: _t, ...s } = r.Item;
  return s as unknown as RaSettings;
}

/** Replaces the settings at the version the caller read (0: none yet); ConflictError when stale. */
export async function putSettings(s: RaSettings, expectedVersion: number): Promise<RaSettings> {
  try {
    await guard('store RA settings', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...k.settings(), type: E.settings, ...s, version: expectedVersion + 1 },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':v': expectedVersion },
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err))
      throw new ConflictError('The RA settings changed since you read them; read them again.');
    throw err;
  }
  return { ...s, version: expectedVersion + 1 };
}

// Runbooks and runs. A runbook is stored versioned: CURRENT (optimistic lock on `version`) and one
// immutable item per version, written in one transaction, so a run always reads the version it
// started with. A run is one item (its steps, its pending approval token, its report), listed per
// incident on gsi1, plus immutable audit items (conditional puts, never updated).
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { RunbookDefinition } from '../domain/runbooks/definition';
import { documentClient, guard, isConditionalCheckFailed, isTransactionConflict, tableName } from './client';
import { runbookKeys } from './keys';
import { queryAll, type Item } from './query';
import { updateVersioned } from './versioned';

const META = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type'];
const strip = <T>(item: Item): T => {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!META.includes(k)) out[k] = v;
  return out as T;
};

export interface Runbook extends RunbookDefinition {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/** Create (expectedVersion undefined) or replace the runbook at the version the caller read. */
export async function putRunbook(
  id: string,
  def: RunbookDefinition,
  by: string,
  now: string,
  expectedVersion: number | undefined,
): Promise<{ runbook: Runbook; created: boolean }> {
  const current = await getRunbook(id);
  if (expectedVersion === undefined && current)
    throw new ConflictError(`Runbook ${id} exists at version ${current.version}; send that version to replace it.`);
  if (expectedVersion !== undefined && !current) throw new NotFoundError(`No runbook with id ${id}.`);
  if (current && current.version !== expectedVersion)
    throw new ConflictError(`Runbook ${id} is at version ${current.version}, not ${expectedVersion}.`);
  const version = (current?.version ?? 0) + 1;
  const runbook: Runbook = { ...def, id, version, createdAt: current?.createdAt ?? now, updatedAt: now, updatedBy: by };
  try {
    await guard('put runbook', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: {
                  ...runbookKeys.current(id),
                  gsi1pk: runbookKeys.list(),
                  gsi1sk: id,
                  type: 'Runbook',
                  ...runbook,
                },
                ConditionExpression: current ? 'version = :v' : 'attribute_not_exists(pk)',
                ExpressionAttributeValues: current ? { ':v': current.version } : undefined,
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...runbookKeys.version(id, version), type: 'RunbookVersion', ...runbook },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err)) throw new ConflictError(`Runbook ${id} changed meanwhile; read it again.`);
    throw err;
  }
  return { runbook, created: !current };
}

export async function getRunbook(id: string, version?: number): Promise<Runbook | undefined> {
  const r = await guard('get runbook', () =>
    documentClient().send(
      new GetCommand({
        TableName: tableName(),
        Key: version === undefined ? runbookKeys.current(id) : runbookKeys.version(id, version),
        ConsistentRead: true,
      }),
    ),
  );
  return r.Item ? strip<Runbook>(r.Item) : undefined;
}

export async function requireRunbook(id: string, version?: number): Promise<Runbook> {
  const rb = await getRunbook(id, version);
  if (!rb) throw new NotFoundError(`No runbook with id ${id}${version ? ` at version ${version}` : ''}.`);
  return rb;
}

export async function listRunbooks(): Promise<Runbook[]> {
  const items = await queryAll({ what: 'list runbooks', index: 'gsi1', pk: runbookKeys.list(), max: 1000 });
  return items.map((i) => strip<Runbook>(i));
}

export type RunStatus = 'running' | 'waiting-approval' | 'succeeded' | 'failed';

export interface StepRecord {
  index: number;
  id: string;
  kind: string;
  status: 'succeeded' | 'failed' | 'dry-run';
  attempts: number;
  output: string;
  startedAt: string;
  endedAt: string;
}

export interface RunbookRun {
  id: string;
  runbookId: string;
  runbookVersion: number;
  runbookName: string;
  incidentId: string;
  incidentNumber: number;
  trigger: { kind: 'manual' | 'rule'; by: string; name?: string };
  dryRun: boolean;
  parameters: Record<string, string | number | boolean>;
  status: RunStatus;
  steps: StepRecord[];
  /** The approval the run waits on (its task token is never shown). */
  approval?: { index: number; stepId: string; requestedAt: string; taskToken: string };
  executionArn?: string;
  startedAt: string;
  endedAt?: string;
  report?: string;
  version: number;
  updatedAt: string;
}

/** Store a new run; false when a run with this id exists. */
export async function insertRun(run: RunbookRun): Promise<boolean> {
  try {
    await insertRunItem(run);
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

async function insertRunItem(run: RunbookRun): Promise<void> {
  await guard('create runbook run', () =>
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: {
          ...runbookKeys.run(run.id),
          gsi1pk: runbookKeys.runsOfIncident(run.incidentId),
          gsi1sk: `${run.startedAt}#${run.id}`,
          type: 'RunbookRun',
          ...run,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

export async function getRun(runId: string): Promise<RunbookRun | undefined> {
  const r = await guard('get runbook run', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: runbookKeys.run(runId), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<RunbookRun>(r.Item) : undefined;
}

export async function requireRun(runId: string): Promise<RunbookRun> {
  const run = await getRun(runId);
  if (!run) throw new NotFoundError(`No runbook run with id ${runId}.`);
  return run;
}

/** Set attributes of a run (null removes one); `expectedVersion` guards races with approvals. */
export async function updateRun(
  runId: string,
  patch: Record<string, unknown>,
  now: string,
  expectedVersion?: number,
): Promise<RunbookRun> {
  const item = await updateVersioned({
    what: 'update runbook run',
    key: runbookKeys.run(runId),
    patch,
    now,
    expectedVersion,
    missing: () => new NotFoundError(`No runbook run with id ${runId}.`),
    stale: () => new ConflictError(`Runbook run ${runId} changed meanwhile; read it again.`),
  });
  return strip<RunbookRun>(item);
}

export async function runsOfIncident(incidentId: string): Promise<RunbookRun[]> {
  const items = await queryAll({
    what: 'list runbook runs',
    index: 'gsi1',
    pk: runbookKeys.runsOfIncident(incidentId),
    max: 500,
  });
  return items.map((i) => strip<RunbookRun>(i));
}

export interface AuditRecord {
  runId: string;
  at: string;
  action: 'started' | 'approved' | 'rejected' | 'finished';
  by: string;
  /** How an approval or rejection was given: the signed-in API route or a signed link. */
  via?: 'api' | 'link';
  detail: string;
}

/** Append an immutable audit record (a conditional put on a fresh key; nothing ever updates one). */
export async function appendAudit(a: AuditRecord): Promise<void> {
  await guard('append runbook audit', () =>
    documentClient().send(
      new PutCommand({
        TableName: tableName(),
        Item: { ...runbookKeys.audit(a.runId, a.at, randomBytes(4).toString('hex')), type: 'RunbookAudit', ...a },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
}

export async function auditOf(runId: string): Promise<AuditRecord[]> {
  const items = await queryAll({
    what: 'runbook audit',
    pk: runbookKeys.run(runId).pk,
    skPrefix: runbookKeys.auditPrefix(),
    consistentRead: true,
  });
  return items.map((i) => strip<AuditRecord>(i));
}

// Monitored jobs and daemons in the table. Each job is a versioned definition (listed on gsi1)
// and a run-time state item under `JOB#<id>`; pings (30 days) and flips (400 days) sit in the
// same partition; a pointer `PINGKEY#<sha256(key)>` finds the job from its ping URL. Lateness
// is driven by one durable timer per job (`probe-job#<id>`, kind `probe-job-check`), moved to
// the next moment the job's status can change on its own (docs/decisions/0006).
import { createHash, randomBytes } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { JobSubject } from '../domain/probes/alerts';
import { createJobSchema, LOG_EXCERPT_MAX, type JobSpec, type PingKind } from '../domain/probes/definitions';
import {
  applyPing,
  initialJobState,
  pauseJob as pauseState,
  reevaluateJob,
  resumeJob as resumeState,
  type JobSettings,
  type JobState,
  type JobTransition,
  type Ping,
} from '../domain/probes/job-state';
import type { Flip } from '../domain/probes/probe-state';
import { describeSchedule } from '../domain/probes/schedule';
import {
  cancellationCodes,
  documentClient,
  guard,
  isTransactionConflict,
  tableName,
  type TransactItem,
} from './client';
import { probeKeys, PROBE_ENTITY } from './keys';
import type { Page } from './pagination';
import { queryPage } from './query';
import {
  epochPlusDays,
  flipItem,
  mergePatch,
  PING_TTL_DAYS,
  updateOf,
  withoutKeys,
  type SubjectLabels,
  listDefinitionsPage,
} from './probe-history';
import { cancelTimer, scheduleTimer } from './timers';

export const JOB_TIMER_KIND = 'probe-job-check';
export const jobTimerId = (jobId: string) => `probe-job#${jobId}`;

export type JobDefinition = JobSpec & {
  id: string;
  /** The secret part of the job's ping URLs. */
  pingKey: string;
  status: JobState['status'];
  statusSince: string;
  errorLevel: JobState['errorLevel'];
  createdAt: string;
  updatedAt: string;
  version: number;
};

export type Job = JobDefinition & { pingPath: string; state: JobState };

/** 128 random bits, hex: what goes in /pings/{key}. */
export function newPingKey(): string {
  return randomBytes(16).toString('hex');
}

const hashKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export const jobSettingsOf = (d: JobSpec): JobSettings => ({
  schedule: d.schedule,
  graceMinutes: d.graceMinutes,
  maxRunMinutes: d.maxRunMinutes,
  errorRatio: d.errorRatio,
});
const labelsOf = (d: JobDefinition): SubjectLabels => ({
  subjectName: d.name,
  jobType: d.type,
  category: d.category,
  service: d.service,
  team: d.team,
});

// The entity type lives in `type`; the job's own type (Transmission, Load…) is stored as jobType.
function definitionItem(d: JobDefinition) {
  const { type: jobType, ...rest } = d;
  return { ...probeKeys.job(d.id), ...probeKeys.jobList(d.service, d.id), type: PROBE_ENTITY.job, jobType, ...rest };
}

function toDefinition(item: Record<string, unknown>): JobDefinition {
  const { jobType, ...rest } = withoutKeys(item);
  return { ...(rest as Omit<JobDefinition, 'type'>), type: jobType as string };
}

const stateItem = (id: string, s: JobState) => ({ ...probeKeys.jobState(id), type: PROBE_ENTITY.jobState, id, ...s });
const toState = (item: Record<string, unknown>): JobState => {
  const { id: _id, ...rest } = withoutKeys<JobState & { id: string }>(item);
  return rest;
};

export const pingPath = (key: string, kind: PingKind = 'success') =>
  `/pings/${key}${kind === 'success' ? '' : `/${kind}`}`;
const view = (d: JobDefinition, s: JobState): Job => ({ ...d, pingPath: pingPath(d.pingKey), state: s });

export function specOf(d: JobDefinition): JobSpec {
  const {
    id: _i,
    pingKey: _k,
    status: _s,
    statusSince: _ss,
    errorLevel: _e,
    createdAt: _c,
    updatedAt: _u,
    version: _v,
    ...spec
  } = d;
  return spec as JobSpec;
}

async function readBoth(id: string): Promise<{ d?: JobDefinition; s?: JobState }> {
  const [d, s] = await Promise.all(
    [probeKeys.job(id), probeKeys.jobState(id)].map((Key) =>
      guard('get job', () =>
        documentClient().send(new GetCommand({ TableName: tableName(), Key, ConsistentRead: true })),
      ),
    ),
  );
  return { d: d!.Item && toDefinition(d!.Item), s: s!.Item && toState(s!.Item) };
}

export async function createJob(spec: JobSpec & { id: string }, key: string, now: Date): Promise<Job> {
  const at = now.toISOString();
  const state = initialJobState(at);
  const d: JobDefinition = {
    ...spec,
    pingKey: key,
    status: state.status,
    statusSince: at,
    errorLevel: 'ok',
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  try {
    await guard('create job', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: { TableName: tableName(), Item: definitionItem(d), ConditionExpression: 'attribute_not_exists(pk)' },
            },
            {
              Put: {
                TableName: tableName(),
                Item: stateItem(d.id, state),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: tableName(),
                Item: { ...probeKeys.pingKey(hashKey(key)), type: PROBE_ENTITY.pingKey, jobId: d.id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err).includes('ConditionalCheckFailed'))
      throw new ConflictError(`A job with id ${spec.id} already exists.`);
    throw err;
  }
  return view(d, state);
}

export async function getJob(id: string): Promise<Job | undefined> {
  const { d, s } = await readBoth(id);
  return d && s ? view(d, s) : undefined;
}

export async function requireJob(id: string): Promise<Job> {
  const j = await getJob(id);
  if (!j) throw new NotFoundError(`No job with id ${id}.`);
  return j;
}

export async function jobSubject(id: string): Promise<JobSubject | undefined> {
  const j = await getJob(id);
  if (!j) return undefined;
  return {
    kind: 'job',
    id,
    name: j.name,
    type: j.type,
    category: j.category,
    activity: j.activity,
    service: j.service,
    team: j.team,
    labels: j.labels,
    schedule: describeSchedule(j.schedule),
    state: j.state,
  };
}

export async function jobIdByPingKey(key: string): Promise<string | undefined> {
  const r = await guard('find job by ping key', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: probeKeys.pingKey(hashKey(key)) })),
  );
  return r.Item?.jobId as string | undefined;
}

export interface ListJobsQuery {
  service?: string;
  team?: string;
  category?: string;
  type?: string;
  status?: JobState['status'];
  limit: number;
  cursor?: string;
}

export async function listJobs(q: ListJobsQuery): Promise<Page<JobDefinition>> {
  return listDefinitionsPage({
    what: 'list jobs',
    listPk: 'JOBS',
    service: q.service,
    filters: { team: q.team, category: q.category, jobType: q.type, status: q.status },
    limit: q.limit,
    cursor: q.cursor,
    map: toDefinition,
  });
}

// ---------------------------------------------------------------------------------------------
// State changes: pings, the timer, pause/resume and edits all go through `transition`.

interface CommitOptions {
  /** Replace the definition (an edit) under its version. */
  definition?: { next: JobDefinition; expectedVersion: number };
  /** Count as an edit of the definition (pause/resume). */
  bumpVersion?: boolean;
  extraItems?: TransactItem[];
}

/** Point the job's durable timer at the state's next check (or remove it). */
async function syncTimer(id: string, s: JobState): Promise<void> {
  if (s.nextCheckAt)
    await scheduleTimer({ id: jobTimerId(id), kind: JOB_TIMER_KIND, dueAt: s.nextCheckAt, payload: { jobId: id } });
  else await cancelTimer(jobTimerId(id));
}

async function commit(
  d: JobDefinition,
  before: JobState,
  t: JobTransition,
  at: string,
  opts: CommitOptions = {},
): Promise<void> {
  const after = t.state;
  const def = opts.definition?.next ?? d;
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName(),
        Item: stateItem(d.id, after),
        ConditionExpression: 'revision = :rev',
        ExpressionAttributeValues: { ':rev': before.revision },
      },
    },
    ...t.flips.map((f: Flip) => ({
      Put: { TableName: tableName(), Item: flipItem('job', d.id, after.revision, f, labelsOf(def)) },
    })),
    ...(opts.extraItems ?? []),
  ];
  const denormalised = { status: after.status, statusSince: after.statusSince, errorLevel: after.errorLevel };
  if (opts.definition) {
    items.push({
      Put: {
        TableName: tableName(),
        Item: definitionItem({ ...opts.definition.next, ...denormalised }),
        ConditionExpression: 'version = :v',
        ExpressionAttributeValues: { ':v': opts.definition.expectedVersion },
      },
    });
  } else if (t.flips.length || opts.bumpVersion) {
    const u = updateOf(
      opts.bumpVersion ? { ...denormalised, updatedAt: at } : denormalised,
      opts.bumpVersion ? { ':one': 1 } : {},
    );
    items.push({
      Update: {
        TableName: tableName(),
        Key: probeKeys.job(d.id),
        ...u,
        UpdateExpression: opts.bumpVersion ? `${u.UpdateExpression}, version = version + :one` : u.UpdateExpression,
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  }
  await guard('record job state', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
}

const MAX_ATTEMPTS = 6;

/**
 * Read, decide (pure), move the timer, commit under the state revision; again on a lost race.
 * The timer moves before the commit: if the commit never happens, the timer fires early or late
 * once and the check it runs is idempotent; it is never missing for a committed state.
 */
export async function transitionJob(
  id: string,
  now: Date,
  decide: (d: JobDefinition, s: JobState) => { t: JobTransition; opts?: CommitOptions } | undefined,
): Promise<{ job: Job; flips: Flip[] } | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const { d, s } = await readBoth(id);
    if (!d || !s) return undefined;
    const decided = decide(d, s);
    if (!decided) return { job: view(d, s), flips: [] };
    const { t, opts } = decided;
    const def = opts?.definition?.next ?? d;
    const denorm = { status: t.state.status, statusSince: t.state.statusSince, errorLevel: t.state.errorLevel };
    if (!t.changed && !opts) {
      await syncTimer(id, s);
      return { job: view(d, s), flips: [] };
    }
    // An unchanged next check already has its timer (written before the commit that set it).
    const timerMoves = t.state.nextCheckAt !== undefined && t.state.nextCheckAt !== s.nextCheckAt;
    if (timerMoves) await syncTimer(id, t.state);
    try {
      await commit(d, s, t, now.toISOString(), opts);
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
      if (opts?.definition && cancellationCodes(err).at(-1) === 'ConditionalCheckFailed')
        throw new ConflictError(
          `Job ${id} is no longer at version ${opts.definition.expectedVersion}; reload it and apply your change again.`,
        );
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
      continue;
    }
    if (!t.state.nextCheckAt && s.nextCheckAt) await syncTimer(id, t.state);
    const version = opts?.definition ? opts.definition.next.version : opts?.bumpVersion ? d.version + 1 : d.version;
    return {
      job: view(
        { ...def, ...denorm, version, updatedAt: opts?.bumpVersion ? now.toISOString() : def.updatedAt },
        t.state,
      ),
      flips: t.flips,
    };
  }
  throw new ConflictError(`Job ${id} kept changing under concurrent pings; retry.`);
}

export interface PingInput {
  kind: PingKind;
  processed?: number;
  errored?: number;
  log?: string;
  sourceIp?: string;
  userAgent?: string;
}

/** Record a ping and what it changes. Undefined when the job does not exist (any more). */
export async function recordPing(
  id: string,
  ping: PingInput,
  now: Date,
): Promise<{ job: Job; flips: Flip[] } | undefined> {
  const at = now.toISOString();
  const nonce = randomBytes(4).toString('hex');
  const pingItem = {
    ...probeKeys.jobPing(id, at, nonce),
    type: PROBE_ENTITY.jobPing,
    jobId: id,
    kind: ping.kind,
    at,
    processed: ping.processed,
    errored: ping.errored,
    log: ping.log === undefined ? undefined : ping.log.slice(0, LOG_EXCERPT_MAX),
    sourceIp: ping.sourceIp,
    userAgent: ping.userAgent?.slice(0, 200),
    expiresAt: epochPlusDays(at, PING_TTL_DAYS),
  };
  const p: Ping = { kind: ping.kind, at, processed: ping.processed, errored: ping.errored };
  return transitionJob(id, now, (d, s) => ({
    t: applyPing(jobSettingsOf(d), s, p, now),
    opts: { extraItems: [{ Put: { TableName: tableName(), Item: pingItem } }] },
  }));
}

export async function pauseJob(id: string, now: Date): Promise<Job> {
  const r = await transitionJob(id, now, (_d, s) => {
    const t = pauseState(s, now);
    return t.changed ? { t, opts: { bumpVersion: true } } : undefined;
  });
  if (!r) throw new NotFoundError(`No job with id ${id}.`);
  return r.job;
}

export async function resumeJob(id: string, now: Date): Promise<Job> {
  const r = await transitionJob(id, now, (d, s) => {
    const t = resumeState(jobSettingsOf(d), s, now);
    return t.changed ? { t, opts: { bumpVersion: true } } : undefined;
  });
  if (!r) throw new NotFoundError(`No job with id ${id}.`);
  return r.job;
}

/** Apply a PATCH (merged, then validated whole) under the version the caller read; the state is re-evaluated with the new settings. */
export async function updateJob(
  id: string,
  patch: Record<string, unknown> & { version: number },
  now: Date,
): Promise<Job> {
  const at = now.toISOString();
  const r = await transitionJob(id, now, (d, s) => {
    if (d.version !== patch.version)
      throw new ConflictError(
        `Job ${id} is at version ${d.version}, not ${patch.version}; reload it and apply your change again.`,
      );
    const parsed = createJobSchema.safeParse(mergePatch({ ...specOf(d), id }, patch));
    if (!parsed.success) throw ValidationError.fromZod('The change would make the job invalid.', parsed.error);
    const next: JobDefinition = { ...d, ...parsed.data, id, updatedAt: at, version: d.version + 1 };
    const t =
      s.status === 'paused' ? { state: s, flips: [], changed: false } : reevaluateJob(jobSettingsOf(next), s, now);
    const forced: JobTransition = { ...t, state: { ...t.state, revision: s.revision + 1 }, changed: true };
    return { t: forced, opts: { definition: { next, expectedVersion: d.version } } };
  });
  if (!r) throw new NotFoundError(`No job with id ${id}.`);
  return r.job;
}

export async function rotatePingKey(id: string, key: string, now: Date): Promise<Job> {
  const { d, s } = await readBoth(id);
  if (!d || !s) throw new NotFoundError(`No job with id ${id}.`);
  const next: JobDefinition = { ...d, pingKey: key, updatedAt: now.toISOString(), version: d.version + 1 };
  try {
    await guard('rotate ping key', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: definitionItem(next),
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': d.version },
              },
            },
            { Delete: { TableName: tableName(), Key: probeKeys.pingKey(hashKey(d.pingKey)) } },
            {
              Put: {
                TableName: tableName(),
                Item: { ...probeKeys.pingKey(hashKey(key)), type: PROBE_ENTITY.pingKey, jobId: id },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err))
      throw new ConflictError(`Job ${id} changed while its ping key was rotated; try again.`);
    throw err;
  }
  return view(next, s);
}

export async function deleteJob(id: string, now: Date): Promise<void> {
  const { d, s } = await readBoth(id);
  if (!d || !s) throw new NotFoundError(`No job with id ${id}.`);
  const at = now.toISOString();
  try {
    await guard('delete job', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: tableName(),
                Key: probeKeys.job(id),
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': d.version },
              },
            },
            { Delete: { TableName: tableName(), Key: probeKeys.jobState(id) } },
            { Delete: { TableName: tableName(), Key: probeKeys.pingKey(hashKey(d.pingKey)) } },
            {
              Put: {
                TableName: tableName(),
                Item: flipItem(
                  'job',
                  id,
                  s.revision + 1,
                  { condition: 'deleted', from: s.status, to: 'deleted', effectiveAt: at, at },
                  labelsOf(d),
                ),
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err)) throw new ConflictError(`Job ${id} changed while it was being deleted; try again.`);
    throw err;
  }
  await cancelTimer(jobTimerId(id));
}

export interface StoredPing {
  jobId: string;
  kind: PingKind;
  at: string;
  processed?: number;
  errored?: number;
  log?: string;
  sourceIp?: string;
  userAgent?: string;
}

/** Newest first. */
export async function listPings(id: string, limit: number, cursor?: string): Promise<Page<StoredPing>> {
  const page = await queryPage({
    what: 'list pings',
    pk: probeKeys.job(id).pk,
    skPrefix: probeKeys.pingPrefix(),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: page.items.map((i) => withoutKeys<StoredPing>(i)), nextCursor: page.nextCursor };
}

// Service probes in the table. Each probe is two items under `PROBE#<id>`: the definition
// (versioned, optimistic locking, listed on gsi1 by service) and the run-time state (status,
// streaks, certificate, the due-time index on gsi2), so checks never race an edit. Check results
// (35 days) and flips (400 days) sit under the same partition. A round is claimed per probe with
// a conditional update on its due time, so a duplicate or retried batch never checks twice.
import { createHash } from 'node:crypto';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import { createProbeSchema, type ProbeSpec } from '../domain/probes/probe-specs';
import type { ProbeSubject } from '../domain/probes/alerts';
import {
  applyCheckResult,
  initialProbeState,
  nextDueAt,
  pauseProbe as pauseState,
  resumeProbe as resumeState,
  type CheckResult,
  type Flip,
  type ProbeState,
} from '../domain/probes/probe-state';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
  type TransactItem,
} from './client';
import { probeKeys, PROBE_ENTITY } from './keys';
import type { Page } from './pagination';
import { queryPage } from './query';
import { StoreUnavailableError } from './errors';
import {
  epochPlusDays,
  flipItem,
  mergePatch,
  RESULT_TTL_DAYS,
  updateOf,
  withoutKeys,
  type SubjectLabels,
  listDefinitionsPage,
} from './probe-history';

export const PROBE_DUE_SHARDS = 8;

export type ProbeDefinition = ProbeSpec & {
  id: string;
  status: ProbeState['status'];
  statusSince: string;
  createdAt: string;
  updatedAt: string;
  version: number;
};

export interface StoredProbeState extends ProbeState {
  /** Copied from the definition: the claim computes the next due time from it. */
  intervalMinutes: number;
  nextDueAt?: string;
  roundDue?: string;
  roundDone?: string;
  roundClaimedAt?: string;
}

/** Scheduling fields a state change carries over unchanged. */
const carried = (s: StoredProbeState) => ({
  intervalMinutes: s.intervalMinutes,
  nextDueAt: s.nextDueAt,
  roundDue: s.roundDue,
  roundDone: s.roundDone,
  roundClaimedAt: s.roundClaimedAt,
});

export type Probe = ProbeDefinition & {
  state: Omit<StoredProbeState, 'roundDue' | 'roundDone' | 'roundClaimedAt' | 'intervalMinutes'>;
};

const shardOf = (id: string) => createHash('sha1').update(id).digest()[0]! % PROBE_DUE_SHARDS;

export function probeTarget(spec: ProbeSpec): string {
  switch (spec.kind) {
    case 'http':
      return spec.url;
    case 'tcp':
      return `${spec.host}:${spec.port}`;
    case 'dns':
      return `${spec.recordType} ${spec.hostname}${spec.resolver ? ` @${spec.resolver}` : ''}`;
  }
}

function labelsOf(d: ProbeSpec & { id: string }): SubjectLabels {
  return { subjectName: d.name, probeKind: d.kind, service: d.service, team: d.team };
}

function definitionItem(d: ProbeDefinition) {
  return { ...probeKeys.probe(d.id), ...probeKeys.probeList(d.service, d.id), type: PROBE_ENTITY.probe, ...d };
}

function stateItem(id: string, s: StoredProbeState) {
  const due = s.status !== 'paused' && s.nextDueAt ? probeKeys.probeDue(shardOf(id), s.nextDueAt, id) : {};
  return { ...probeKeys.probeState(id), ...due, type: PROBE_ENTITY.probeState, id, ...s };
}

const toDefinition = (item: Record<string, unknown>) => withoutKeys<ProbeDefinition>(item);
const toState = (item: Record<string, unknown>): StoredProbeState => {
  const { id: _id, ...rest } = withoutKeys<StoredProbeState & { id: string }>(item);
  return rest;
};

function view(d: ProbeDefinition, s: StoredProbeState): Probe {
  const { roundDue: _r, roundDone: _d, roundClaimedAt: _c, intervalMinutes: _i, ...state } = s;
  return { ...d, state };
}

export function specOf(d: ProbeDefinition): ProbeSpec {
  const { status: _s, statusSince: _ss, createdAt: _c, updatedAt: _u, version: _v, id: _id, ...spec } = d;
  return spec as ProbeSpec;
}

/** The probe's thresholds as the state machine needs them. */
export function thresholdsOf(d: ProbeSpec) {
  return {
    failuresBeforeDown: d.failuresBeforeDown,
    successesBeforeUp: d.successesBeforeUp,
    expiryWarningDays: d.kind === 'http' ? d.tls.expiryWarningDays : undefined,
  };
}

export async function createProbe(spec: ProbeSpec & { id: string }, now: Date): Promise<Probe> {
  const at = now.toISOString();
  const state: StoredProbeState = { ...initialProbeState(at), intervalMinutes: spec.intervalMinutes, nextDueAt: at };
  const d: ProbeDefinition = {
    ...spec,
    status: state.status,
    statusSince: at,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  try {
    await guard('create probe', () =>
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
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err).includes('ConditionalCheckFailed'))
      throw new ConflictError(`A probe with id ${spec.id} already exists.`);
    throw err;
  }
  return view(d, state);
}

async function readBoth(id: string): Promise<{ d?: ProbeDefinition; s?: StoredProbeState }> {
  const [d, s] = await Promise.all(
    [probeKeys.probe(id), probeKeys.probeState(id)].map((Key) =>
      guard('get probe', () =>
        documentClient().send(new GetCommand({ TableName: tableName(), Key, ConsistentRead: true })),
      ),
    ),
  );
  return { d: d!.Item && toDefinition(d!.Item), s: s!.Item && toState(s!.Item) };
}

export async function getProbe(id: string): Promise<Probe | undefined> {
  const { d, s } = await readBoth(id);
  return d && s ? view(d, s) : undefined;
}

export async function requireProbe(id: string): Promise<Probe> {
  const p = await getProbe(id);
  if (!p) throw new NotFoundError(`No probe with id ${id}.`);
  return p;
}

/** What the alert pipeline needs to know about a probe (undefined once deleted). */
export async function probeSubject(id: string): Promise<ProbeSubject | undefined> {
  const p = await getProbe(id);
  if (!p) return undefined;
  return {
    kind: 'probe',
    id,
    name: p.name,
    probeKind: p.kind,
    target: probeTarget(p),
    service: p.service,
    team: p.team,
    labels: p.labels,
    state: p.state,
  };
}

export interface ListProbesQuery {
  service?: string;
  status?: ProbeState['status'];
  kind?: ProbeSpec['kind'];
  limit: number;
  cursor?: string;
}

export async function listProbes(q: ListProbesQuery): Promise<Page<ProbeDefinition>> {
  return listDefinitionsPage({
    what: 'list probes',
    listPk: 'PROBES',
    service: q.service,
    filters: { status: q.status, kind: q.kind },
    limit: q.limit,
    cursor: q.cursor,
    map: toDefinition,
  });
}

/** Every probe of a service (availability). */
export async function probesOfService(service: string): Promise<ProbeDefinition[]> {
  const out: ProbeDefinition[] = [];
  let cursor: string | undefined;
  do {
    const page = await listProbes({ service, limit: 200, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function transactionFailed(err: unknown, id: string, expectedVersion?: number): never {
  if (isTransactionConflict(err)) {
    const codes = cancellationCodes(err);
    if (codes[0] === 'ConditionalCheckFailed')
      throw new ConflictError(
        expectedVersion !== undefined
          ? `Probe ${id} is no longer at version ${expectedVersion}; reload it and apply your change again.`
          : `Probe ${id} changed meanwhile; try again.`,
      );
    throw new ConflictError(`Probe ${id} changed meanwhile; try again.`);
  }
  throw err;
}

/** Apply a PATCH (merged, then validated whole) under the version the caller read. */
export async function updateProbe(
  id: string,
  patch: Record<string, unknown> & { version: number },
  now: Date,
): Promise<Probe> {
  const { d, s } = await readBoth(id);
  if (!d || !s) throw new NotFoundError(`No probe with id ${id}.`);
  if (d.version !== patch.version)
    throw new ConflictError(
      `Probe ${id} is at version ${d.version}, not ${patch.version}; reload it and apply your change again.`,
    );
  const parsed = createProbeSchema.safeParse(mergePatch({ ...specOf(d), id }, patch));
  if (!parsed.success) throw ValidationError.fromZod('The change would make the probe invalid.', parsed.error);
  const at = now.toISOString();
  const next: ProbeDefinition = {
    ...parsed.data,
    id,
    status: d.status,
    statusSince: d.statusSince,
    createdAt: d.createdAt,
    updatedAt: at,
    version: d.version + 1,
  };
  // A new interval or target is checked soon rather than at the old cadence.
  const nextState: StoredProbeState = {
    ...s,
    intervalMinutes: next.intervalMinutes,
    revision: s.revision + 1,
    ...(s.status === 'paused' ? {} : { nextDueAt: at }),
  };
  try {
    await guard('update probe', () =>
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
            {
              Update: {
                TableName: tableName(),
                Key: probeKeys.probeState(id),
                // The revision bump makes a round in flight drop its result rather than overwrite this.
                ...updateOf(
                  s.status === 'paused'
                    ? { intervalMinutes: next.intervalMinutes, revision: nextState.revision }
                    : {
                        intervalMinutes: next.intervalMinutes,
                        revision: nextState.revision,
                        nextDueAt: at,
                        ...probeKeys.probeDue(shardOf(id), at, id),
                      },
                ),
                ConditionExpression: 'attribute_exists(pk)',
              },
            },
          ],
        }),
      ),
    );
  } catch (err) {
    transactionFailed(err, id, patch.version);
  }
  return view(next, nextState);
}

export async function deleteProbe(id: string, now: Date): Promise<void> {
  const { d, s } = await readBoth(id);
  if (!d || !s) throw new NotFoundError(`No probe with id ${id}.`);
  const at = now.toISOString();
  try {
    await guard('delete probe', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: tableName(),
                Key: probeKeys.probe(id),
                ConditionExpression: 'version = :v',
                ExpressionAttributeValues: { ':v': d.version },
              },
            },
            { Delete: { TableName: tableName(), Key: probeKeys.probeState(id) } },
            // The deletion is a flip too: its event resolves whatever this probe had firing.
            {
              Put: {
                TableName: tableName(),
                Item: flipItem(
                  'probe',
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
    transactionFailed(err, id);
  }
}

async function commitStateChange(
  d: ProbeDefinition,
  before: StoredProbeState,
  after: StoredProbeState,
  flips: Flip[],
  opts: {
    bumpVersion?: boolean;
    extraCondition?: { expression: string; values: Record<string, unknown> };
    extraItems?: TransactItem[];
  } = {},
): Promise<void> {
  const items: TransactItem[] = [
    {
      Put: {
        TableName: tableName(),
        Item: stateItem(d.id, after),
        ConditionExpression: `revision = :rev${opts.extraCondition ? ` AND ${opts.extraCondition.expression}` : ''}`,
        ExpressionAttributeValues: { ':rev': before.revision, ...(opts.extraCondition?.values ?? {}) },
      },
    },
    ...flips.map((f) => ({
      Put: { TableName: tableName(), Item: flipItem('probe', d.id, after.revision, f, labelsOf(d)) },
    })),
    ...(opts.extraItems ?? []),
  ];
  // The definition carries the status for lists; pause/resume also count as an edit (version).
  if (flips.some((f) => f.condition === 'status') || opts.bumpVersion) {
    const u = updateOf(
      {
        status: after.status,
        statusSince: after.statusSince,
        ...(opts.bumpVersion ? { updatedAt: after.statusSince } : {}),
      },
      opts.bumpVersion ? { ':one': 1 } : {},
    );
    items.push({
      Update: {
        TableName: tableName(),
        Key: probeKeys.probe(d.id),
        ...u,
        UpdateExpression: opts.bumpVersion ? `${u.UpdateExpression}, version = version + :one` : u.UpdateExpression,
        ConditionExpression: 'attribute_exists(pk)',
      },
    });
  }
  await guard('record probe state', () => documentClient().send(new TransactWriteCommand({ TransactItems: items })));
}

export async function pauseProbe(id: string, now: Date): Promise<Probe> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { d, s } = await readBoth(id);
    if (!d || !s) throw new NotFoundError(`No probe with id ${id}.`);
    const r = pauseState(s, now.toISOString());
    if (!r.flips.length) return view(d, s);
    const after: StoredProbeState = { ...r.state, ...carried(s), nextDueAt: undefined };
    try {
      await commitStateChange(d, s, after, r.flips, { bumpVersion: true });
      return view(
        {
          ...d,
          status: after.status,
          statusSince: after.statusSince,
          updatedAt: now.toISOString(),
          version: d.version + 1,
        },
        after,
      );
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
    }
  }
  throw new ConflictError(`Probe ${id} kept changing; try again.`);
}

export async function resumeProbe(id: string, now: Date): Promise<Probe> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const { d, s } = await readBoth(id);
    if (!d || !s) throw new NotFoundError(`No probe with id ${id}.`);
    const r = resumeState(s, now.toISOString());
    if (!r.flips.length) return view(d, s);
    const after: StoredProbeState = { ...r.state, ...carried(s), nextDueAt: now.toISOString() };
    try {
      await commitStateChange(d, s, after, r.flips, { bumpVersion: true });
      return view(
        {
          ...d,
          status: after.status,
          statusSince: after.statusSince,
          updatedAt: now.toISOString(),
          version: d.version + 1,
        },
        after,
      );
    } catch (err) {
      if (!isTransactionConflict(err)) throw err;
    }
  }
  throw new ConflictError(`Probe ${id} kept changing; try again.`);
}

// ---------------------------------------------------------------------------------------------
// Rounds: the scheduler finds due probes, a worker claims each, checks it and records the result.

export interface DueProbe {
  id: string;
  dueAt: string;
}

/** Every probe due at `now`, across the shards (oldest first within a shard). */
export async function dueProbes(now: Date, maxPerShard = 100_000): Promise<DueProbe[]> {
  const upTo = `${now.toISOString()}#\uffff`;
  const perShard = await Promise.all(
    Array.from({ length: PROBE_DUE_SHARDS }, async (_, shard) => {
      const out: DueProbe[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const r = await guard('query due probes', () =>
          documentClient().send(
            new QueryCommand({
              TableName: tableName(),
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk <= :upTo',
              ExpressionAttributeValues: { ':pk': `PROBEDUE#${shard}`, ':upTo': upTo },
              ProjectionExpression: 'id, nextDueAt',
              ExclusiveStartKey: start,
            }),
          ),
        );
        for (const i of r.Items ?? []) out.push({ id: i.id as string, dueAt: i.nextDueAt as string });
        start = r.LastEvaluatedKey;
      } while (start && out.length < maxPerShard);
      return out;
    }),
  );
  return perShard.flat();
}

export interface ClaimedRound {
  definition: ProbeDefinition;
  state: StoredProbeState;
  dueAt: string;
}

/** The probe's definition and run-time state in one consistent BatchGetItem (one request, not two). */
async function readForRound(id: string): Promise<{ def?: Record<string, unknown>; state?: Record<string, unknown> }> {
  const out: { def?: Record<string, unknown>; state?: Record<string, unknown> } = {};
  let keys: Array<Record<string, unknown>> | undefined = [probeKeys.probe(id), probeKeys.probeState(id)];
  for (let tries = 0; keys?.length && tries < 5; tries++) {
    const r = await guard('read probe and state', () =>
      documentClient().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys, ConsistentRead: true } } }),
      ),
    );
    for (const item of r.Responses?.[tableName()] ?? []) {
      if (item.sk === probeKeys.probeState(id).sk) out.state = item;
      else out.def = item;
    }
    keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
  }
  if (keys?.length) throw new StoreUnavailableError(`DynamoDB read probe ${id} failed: throttled`);
  return out;
}

/**
 * Claim the round due at `dueAt`: move the probe's due time on, unless another worker already
 * did. A retry of a round that was claimed but never recorded (a crashed worker) may run it again.
 * The definition is read with the state in one request before the claim; when the claimed state's
 * revision is not the one read (an edit changes both), both are read again, so the check never
 * runs a definition older than the state it records on.
 */
export async function claimProbeRound(
  id: string,
  dueAt: string,
  now: Date,
  intervalFallbackMinutes = 5,
): Promise<ClaimedRound | undefined> {
  const { def, state: cur } = await readForRound(id);
  if (!cur || !def) return undefined;
  const interval = (cur.intervalMinutes as number | undefined) ?? intervalFallbackMinutes;
  const next = nextDueAt(dueAt, interval, now);
  let state: StoredProbeState;
  try {
    const r = await guard('claim probe round', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: probeKeys.probeState(id),
          UpdateExpression:
            'SET nextDueAt = :next, gsi2pk = :gpk, gsi2sk = :gsk, roundDue = :due, roundClaimedAt = :now',
          ConditionExpression:
            'attribute_exists(pk) AND #status <> :paused AND (nextDueAt = :due OR (roundDue = :due AND (attribute_not_exists(roundDone) OR roundDone <> :due)))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': next,
            ':gpk': probeKeys.probeDue(shardOf(id), next, id).gsi2pk,
            ':gsk': probeKeys.probeDue(shardOf(id), next, id).gsi2sk,
            ':due': dueAt,
            ':now': now.toISOString(),
            ':paused': 'paused',
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    state = toState(r.Attributes!);
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
  if (state.revision === toState(cur).revision) return { definition: toDefinition(def), state, dueAt };
  // Edited between the read and the claim: the round is ours; take the definition that goes with it.
  const again = await readForRound(id);
  if (!again.def || !again.state) return undefined;
  return { definition: toDefinition(again.def), state: toState(again.state), dueAt };
}

/** Probes whose rounds are claimed together: one BatchGetItem (two keys each, ≤ 100) and one transaction. */
export const CLAIM_ROUNDS_MAX = 50;

/**
 * Claim the rounds of many probes (each due at its `dueAt`) in two requests instead of two each:
 * read their definitions and states in one consistent BatchGetItem, then claim every round that
 * is due in one transaction of `claimProbeRound`'s conditional updates, each also conditional on
 * the state's revision being the one read (so the claimed state is the read one with the claim's
 * changes, and the definition goes with it). All or none: when any claim's condition fails
 * (another worker has it, an edit or a pause landed) or another transaction touches one, each
 * probe is claimed on its own with `claimProbeRound` instead. Results in order; undefined: not
 * claimed (gone, paused, or not due for this round any more).
 */
export async function claimProbeRounds(
  probes: DueProbe[],
  now: Date,
  intervalFallbackMinutes = 5,
): Promise<Array<ClaimedRound | undefined>> {
  if (probes.length > CLAIM_ROUNDS_MAX) throw new Error(`claim at most ${CLAIM_ROUNDS_MAX} probe rounds at once`);
  if (probes.length <= 1)
    return Promise.all(probes.map((p) => claimProbeRound(p.id, p.dueAt, now, intervalFallbackMinutes)));
  const read = new Map<string, { def?: Record<string, unknown>; state?: Record<string, unknown> }>();
  let keys: Array<Record<string, unknown>> | undefined = probes.flatMap((p) => [
    probeKeys.probe(p.id),
    probeKeys.probeState(p.id),
  ]);
  for (let tries = 0; keys?.length && tries < 5; tries++) {
    const r = await guard('read probes and states', () =>
      documentClient().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys, ConsistentRead: true } } }),
      ),
    );
    for (const item of r.Responses?.[tableName()] ?? []) {
      const id = String(item.pk).slice(String(probeKeys.probe('').pk).length);
      const entry = read.get(id) ?? {};
      if (item.sk === probeKeys.probeState(id).sk) entry.state = item;
      else entry.def = item;
      read.set(id, entry);
    }
    keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
  }
  if (keys?.length) throw new StoreUnavailableError('DynamoDB read probes for a round failed: throttled');
  const nowIso = now.toISOString();
  const claims = probes.map((p) => {
    const { def, state } = read.get(p.id) ?? {};
    if (!def || !state || state.status === 'paused') return undefined;
    // Due for this round, or claimed for it by a worker that never recorded it (claimProbeRound's condition).
    if (state.nextDueAt !== p.dueAt && !(state.roundDue === p.dueAt && state.roundDone !== p.dueAt)) return undefined;
    const next = nextDueAt(p.dueAt, (state.intervalMinutes as number | undefined) ?? intervalFallbackMinutes, now);
    const due = probeKeys.probeDue(shardOf(p.id), next, p.id);
    const set = { nextDueAt: next, gsi2pk: due.gsi2pk, gsi2sk: due.gsi2sk, roundDue: p.dueAt, roundClaimedAt: nowIso };
    return {
      round: { definition: toDefinition(def), state: toState({ ...state, ...set }), dueAt: p.dueAt },
      update: {
        TableName: tableName(),
        Key: probeKeys.probeState(p.id),
        UpdateExpression: 'SET nextDueAt = :next, gsi2pk = :gpk, gsi2sk = :gsk, roundDue = :due, roundClaimedAt = :now',
        ConditionExpression:
          'attribute_exists(pk) AND #status <> :paused AND revision = :rev AND (nextDueAt = :due OR (roundDue = :due AND (attribute_not_exists(roundDone) OR roundDone <> :due)))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':next': set.nextDueAt,
          ':gpk': set.gsi2pk,
          ':gsk': set.gsi2sk,
          ':due': p.dueAt,
          ':now': nowIso,
          ':paused': 'paused',
          ':rev': state.revision ?? -1, // none recorded: the condition fails and it is claimed on its own
        },
      },
    };
  });
  const todo = claims.filter((c) => c !== undefined);
  if (todo.length === 0) return claims.map(() => undefined);
  try {
    await guard('claim probe rounds', () =>
      documentClient().send(new TransactWriteCommand({ TransactItems: todo.map((c) => ({ Update: c.update })) })),
    );
    return claims.map((c) => c?.round);
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    // One of them was taken, edited or paused meanwhile: each on its own (re-reading what changed).
    return Promise.all(
      probes.map((p, i) => (claims[i] ? claimProbeRound(p.id, p.dueAt, now, intervalFallbackMinutes) : undefined)),
    );
  }
}

export interface RecordedRound {
  status: ProbeState['status'];
  flips: Flip[];
  recorded: boolean;
}

/** Store a claimed round's result and what it changed, in one transaction. */
export async function recordProbeResult(round: ClaimedRound, result: CheckResult): Promise<RecordedRound> {
  const { definition: d, state: s, dueAt } = round;
  const r = applyCheckResult(s, result, thresholdsOf(d));
  const after: StoredProbeState = { ...r.state, ...carried(s), roundDue: dueAt, roundDone: dueAt };
  const resultItem = {
    ...probeKeys.probeResult(d.id, result.at),
    type: PROBE_ENTITY.probeResult,
    probeId: d.id,
    ...result,
    expiresAt: epochPlusDays(result.at, RESULT_TTL_DAYS),
  };
  try {
    await commitStateChange(d, s, after, r.flips, {
      extraCondition: {
        expression: 'roundDue = :due AND (attribute_not_exists(roundDone) OR roundDone <> :due)',
        values: { ':due': dueAt },
      },
      extraItems: [{ Put: { TableName: tableName(), Item: resultItem } }],
    });
  } catch (err) {
    // Paused, edited or recorded by a duplicate meanwhile: this result is dropped, nothing half-written.
    if (isTransactionConflict(err)) return { status: s.status, flips: [], recorded: false };
    throw err;
  }
  return { status: after.status, flips: r.flips, recorded: true };
}

export interface StoredResult extends CheckResult {
  probeId: string;
}

/** Newest first. */
export async function listProbeResults(id: string, limit: number, cursor?: string): Promise<Page<StoredResult>> {
  const page = await queryPage({
    what: 'list probe results',
    pk: probeKeys.probe(id).pk,
    skPrefix: probeKeys.resultPrefix(),
    newestFirst: true,
    limit,
    cursor,
  });
  return { items: page.items.map((i) => withoutKeys<StoredResult>(i)), nextCursor: page.nextCursor };
}

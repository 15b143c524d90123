// The escalation of each incident and its page log, next to the incident (`INCIDENT#<id>`).
// A page is claimed with a conditional put before it is published, in one transaction with a
// check that the incident is still triggered: an acknowledge or resolve that commits first
// makes every later claim fail, and the same incident/epoch/round/level/person/channel can be
// claimed only once. The escalation item's `next` step moves forward only conditionally.
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Channel } from '../domain/oncall/people';
import type { Level, Step } from '../domain/oncall/policy';
import type { Incident } from '../domain/incidents/model';
import type { TransactItem } from './client';
import {
  cancellationCodes,
  documentClient,
  guard,
  isConditionalCheckFailed,
  isTransactionConflict,
  tableName,
} from './client';
import { incidentFromItem } from './incidents';
import { incidentKeys, oncallKeys } from './keys';
import { queryAll, queryPage } from './query';
import { transactionBatcher, type TransactFn, type TransactionBatcherOptions } from './transaction-batcher';

export const PAGE_TTL_DAYS = 400;

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'type', 'expiresAt']);
const strip = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !META.has(k))) as T;

// ---- Escalation state ----

export type EscalationStatus = 'active' | 'exhausted' | 'no-policy';

export interface EscalationState {
  incidentId: string;
  /** The incident revision whose event (or ack timeout) started this chain. */
  epoch: number;
  policyId?: string;
  policyName?: string;
  /** The policy as it was when the chain started (later edits apply to later chains). */
  levels: Level[];
  repeat: number;
  ackTimeoutMinutes?: number;
  status: EscalationStatus;
  /** The step that runs next, and when. Absent once exhausted. */
  next?: Step & { dueAt: string };
  /** The last step that ran. */
  last?: Step & { at: string; paged: number };
  /** When the incident was last acknowledged in this chain (ack timeout counts from here). */
  ackedAt?: string;
  startedAt: string;
  updatedAt: string;
}

export async function getEscalation(incidentId: string): Promise<EscalationState | undefined> {
  const r = await guard('get escalation', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: oncallKeys.escalation(incidentId), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<EscalationState>(r.Item) : undefined;
}

/** The incident and its escalation in one consistent read. */
export async function incidentWithEscalation(
  incidentId: string,
): Promise<{ incident?: Incident; escalation?: EscalationState }> {
  const out: { incident?: Incident; escalation?: EscalationState } = {};
  let keys: Array<Record<string, unknown>> | undefined = [
    incidentKeys.incident(incidentId),
    oncallKeys.escalation(incidentId),
  ];
  for (let tries = 0; keys?.length && tries < 5; tries++) {
    const r = await guard('get incident and escalation', () =>
      documentClient().send(
        new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys, ConsistentRead: true } } }),
      ),
    );
    for (const item of r.Responses?.[tableName()] ?? []) {
      if (item.sk === 'INCIDENT') out.incident = incidentFromItem(item);
      else out.escalation = strip<EscalationState>(item);
    }
    keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
  }
  if (keys?.length) throw new Error(`could not read incident ${incidentId} and its escalation (throttled)`);
  return out;
}

/** The alerts of an incident as a page shows them (`incidentAlerts`). */
export type IncidentAlertSummary = { summary: string; severity: string; status: string; relation: string };

const alertSummary = (i: Record<string, unknown>): IncidentAlertSummary => ({
  summary: String(i.summary ?? ''),
  severity: String(i.severity ?? ''),
  status: String(i.status ?? ''),
  relation: String(i.relation ?? 'member'),
});

/** Alerts a page lists (the first ones linked, in key order). */
export const PAGE_ALERTS = 100;

/**
 * What an escalation step reads, in one consistent query of the incident's partition: its
 * alert links (`ALERT#…`), its escalation (`ESCALATION`) and the incident (`INCIDENT`) sort in
 * that order with nothing else between them but the follow-up ticket pointer, so a range from
 * the first link to the incident item returns all three (two requests until issue 15: a
 * BatchGetItem and the links' query). An incident with more alerts than a page lists is cut
 * after the first PAGE_ALERTS links; the incident and escalation are then read by key.
 */
export async function incidentForEscalation(
  incidentId: string,
): Promise<{ incident?: Incident; escalation?: EscalationState; alerts: IncidentAlertSummary[] }> {
  const { pk, sk } = incidentKeys.incident(incidentId);
  const escalationSk = oncallKeys.escalation(incidentId).sk;
  const r = await guard('read incident for escalation', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': pk, ':from': incidentKeys.linkPrefix(), ':to': sk },
        ConsistentRead: true,
        // The links a page lists, the escalation, the follow-up pointer and the incident.
        Limit: PAGE_ALERTS + 3,
      }),
    ),
  );
  const out: { incident?: Incident; escalation?: EscalationState; alerts: IncidentAlertSummary[] } = { alerts: [] };
  for (const item of r.Items ?? []) {
    if (item.sk === sk) out.incident = incidentFromItem(item);
    else if (item.sk === escalationSk) out.escalation = strip<EscalationState>(item);
    else if (String(item.sk).startsWith(incidentKeys.linkPrefix()) && out.alerts.length < PAGE_ALERTS)
      out.alerts.push(alertSummary(item));
  }
  if (!out.incident && r.LastEvaluatedKey) return { ...(await incidentWithEscalation(incidentId)), alerts: out.alerts };
  return out;
}

function escalationItem(s: EscalationState): Record<string, unknown> {
  return { ...oncallKeys.escalation(s.incidentId), type: 'Escalation', ...s };
}

/** Start a chain unless one of this epoch or a later one exists; false when it does. */
export async function putEscalation(s: EscalationState): Promise<boolean> {
  try {
    await guard('start escalation', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: escalationItem(s),
          ConditionExpression: 'attribute_not_exists(pk) OR epoch < :e',
          ExpressionAttributeValues: { ':e': s.epoch },
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

/** The chain of `oldEpoch` gives way to `s` (ack timeout): for a transaction with the incident change. */
export function replaceEscalationItem(s: EscalationState, oldEpoch: number): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: escalationItem(s),
      ConditionExpression: 'epoch = :old',
      ExpressionAttributeValues: { ':old': oldEpoch },
    },
  };
}

/** Move the chain from step `from` to `to` (or mark it exhausted): for a transaction with the timeline entry. */
export function advanceEscalationItem(
  incidentId: string,
  epoch: number,
  from: Step,
  to: (Step & { dueAt: string }) | undefined,
  paged: number,
  now: string,
): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: oncallKeys.escalation(incidentId),
      UpdateExpression: to
        ? 'SET #next = :next, #last = :last, updatedAt = :now'
        : 'SET #status = :exhausted, #last = :last, updatedAt = :now REMOVE #next',
      ConditionExpression: 'epoch = :e AND #next.#round = :r AND #next.#level = :l',
      ExpressionAttributeNames: {
        '#next': 'next',
        '#last': 'last',
        '#round': 'round',
        '#level': 'level',
        ...(to ? {} : { '#status': 'status' }),
      },
      ExpressionAttributeValues: {
        ':e': epoch,
        ':r': from.round,
        ':l': from.level,
        ':last': { round: from.round, level: from.level, at: now, paged },
        ':now': now,
        ...(to ? { ':next': to } : { ':exhausted': 'exhausted' }),
      },
    },
  };
}

/** Remember when the incident was acknowledged in this chain (an ack of a later revision than the chain's start). */
export async function recordAcknowledged(
  incidentId: string,
  ackRevision: number,
  at: string,
): Promise<EscalationState | undefined> {
  try {
    const r = await guard('record acknowledgement', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: oncallKeys.escalation(incidentId),
          UpdateExpression: 'SET ackedAt = :at, updatedAt = :at',
          ConditionExpression:
            'attribute_exists(pk) AND epoch < :rev AND (attribute_not_exists(ackedAt) OR ackedAt <= :at)',
          ExpressionAttributeValues: { ':rev': ackRevision, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return strip<EscalationState>(r.Attributes!);
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}

// ---- Page log ----

export type PageStatus = 'claimed' | 'sent' | 'failed' | 'cancelled' | 'abandoned';

export interface PageAttempt {
  /** epoch#round#level#user#channel#contactMethod: the de-duplication key. */
  key: string;
  incidentId: string;
  incidentNumber: number;
  epoch: number;
  round: number;
  level: number;
  userId: string;
  userName: string;
  channel: Channel;
  contactMethodId: string;
  address: string;
  status: PageStatus;
  /** Publish attempts so far. */
  attempts: number;
  claimedAt: string;
  sentAt?: string;
  messageId?: string;
  lastError?: string;
  nextRetryAt?: string;
  /** The escalation policy that paged (rendered into a retried page). */
  policyName?: string;
  /**
   * What is published. Rendered when the page is prepared and not stored: a retry renders it again
   * from the incident (items stored before 2026-12-01 still carry theirs, and a retry reuses it).
   */
  subject?: string;
  message?: string;
}

export function pageKey(p: {
  epoch: number;
  round: number;
  level: number;
  userId: string;
  channel: Channel;
  contactMethodId: string;
}): string {
  return [String(p.epoch).padStart(8, '0'), p.round, p.level, p.userId, p.channel, p.contactMethodId].join('#');
}

const incidentTriggered = (incidentId: string): TransactItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: incidentKeys.incident(incidentId),
    ConditionExpression: '#s = :triggered',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':triggered': 'triggered' },
  },
});

export type ClaimOutcome = 'claimed' | 'duplicate' | 'not-triggered';

/**
 * The transactions of escalation steps (page claims, step records): under load the steps in
 * flight in one process share transactions (group commit, shared/store/transaction-batcher.ts;
 * decision 0008, addendum 2); each step's items still commit all together or not at all.
 */
export const oncallTransact: TransactFn = (items) => batcher(items);
let batcher = transactionBatcher();

/** Replace the group commit's settings (tests; `{ maxItems: 1 }` sends every step's transaction on its own). */
export function setOncallTransactions(opts: TransactionBatcherOptions): void {
  batcher = transactionBatcher(opts);
}

async function claimTransaction(items: TransactItem[], what: string): Promise<ClaimOutcome> {
  try {
    await guard(what, () => oncallTransact(items));
    return 'claimed';
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    const codes = cancellationCodes(err);
    if (codes[0] === 'ConditionalCheckFailed') return 'duplicate';
    if (codes[1] === 'ConditionalCheckFailed') return 'not-triggered';
    throw err;
  }
}

/** The page's log entry, without its rendered text (1-2 KB that every later update would bill again). */
const pagePut = ({ subject: _subject, message: _message, ...p }: PageAttempt, now: Date): TransactItem => ({
  Put: {
    TableName: tableName(),
    Item: {
      ...oncallKeys.page(p.incidentId, p.key),
      type: 'Page',
      ...p,
      expiresAt: Math.floor(now.getTime() / 1000) + PAGE_TTL_DAYS * 86400,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/** Claim a page before publishing it: once per key, and only while the incident is triggered. */
export function claimPage(p: PageAttempt, now: Date): Promise<ClaimOutcome> {
  return claimTransaction([pagePut(p, now), incidentTriggered(p.incidentId)], 'claim page');
}

/**
 * Claim the pages of one incident together (one transaction, up to 99): what a level sends at
 * once. When one of them was claimed before, each is claimed on its own instead.
 */
export async function claimPages(pages: PageAttempt[], now: Date): Promise<ClaimOutcome[]> {
  if (pages.length === 0) return [];
  if (pages.length === 1 || pages.length > 99) {
    const out: ClaimOutcome[] = [];
    for (const p of pages) out.push(await claimPage(p, now));
    return out;
  }
  try {
    await guard('claim pages', () =>
      oncallTransact([...pages.map((p) => pagePut(p, now)), incidentTriggered(pages[0]!.incidentId)]),
    );
    return pages.map(() => 'claimed');
  } catch (err) {
    if (!isTransactionConflict(err)) throw err;
    const codes = cancellationCodes(err);
    if (codes[pages.length] === 'ConditionalCheckFailed') return pages.map(() => 'not-triggered');
    const out: ClaimOutcome[] = [];
    for (const p of pages) out.push(await claimPage(p, now));
    return out;
  }
}

/** Take a failed page back for another publish attempt (once per attempt number, only while triggered). */
export function reclaimFailedPage(incidentId: string, key: string, attempts: number): Promise<ClaimOutcome> {
  return claimTransaction(
    [
      {
        Update: {
          TableName: tableName(),
          Key: oncallKeys.page(incidentId, key),
          UpdateExpression: 'SET #s = :claimed REMOVE nextRetryAt',
          ConditionExpression: '#s = :failed AND attempts = :n',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':claimed': 'claimed', ':failed': 'failed', ':n': attempts },
        },
      },
      incidentTriggered(incidentId),
    ],
    'reclaim page',
  );
}

async function setPage(
  incidentId: string,
  key: string,
  expected: PageStatus,
  set: Record<string, unknown>,
  remove: string[] = [],
): Promise<boolean> {
  const names: Record<string, string> = { '#s': 'status' };
  const values: Record<string, unknown> = { ':expected': expected };
  const sets = Object.entries(set).map(([k, v]) => {
    names[`#${k}`] = k;
    values[`:${k}`] = v;
    return `#${k} = :${k}`;
  });
  for (const r of remove) names[`#${r}`] = r;
  try {
    await guard('update page', () =>
      documentClient().send(
        new UpdateCommand({
          TableName: tableName(),
          Key: oncallKeys.page(incidentId, key),
          UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.map((r) => `#${r}`).join(', ')}` : ''}`,
          ConditionExpression: '#s = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return true;
  } catch (err) {
    if (isConditionalCheckFailed(err)) return false;
    throw err;
  }
}

export function markPageSent(
  incidentId: string,
  key: string,
  attempts: number,
  messageId: string,
  at: string,
): Promise<boolean> {
  return setPage(incidentId, key, 'claimed', { status: 'sent', sentAt: at, messageId, attempts }, ['lastError']);
}

/** A published page, to be recorded as sent. */
export interface SentPage {
  incidentId: string;
  key: string;
  attempts: number;
  messageId: string;
  at: string;
}

/**
 * `markPageSent` as an item of a transaction (the escalation step records its pages as sent with
 * its timeline entry, in one request). Its condition is markPageSent's: the page is still claimed.
 */
export function pageSentItem(p: SentPage): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: oncallKeys.page(p.incidentId, p.key),
      UpdateExpression: 'SET #s = :sent, sentAt = :at, messageId = :mid, attempts = :n REMOVE lastError',
      ConditionExpression: '#s = :claimed',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: {
        ':sent': 'sent',
        ':at': p.at,
        ':mid': p.messageId,
        ':n': p.attempts,
        ':claimed': 'claimed',
      },
    },
  };
}

export function markPageFailed(
  incidentId: string,
  key: string,
  attempts: number,
  error: string,
  nextRetryAt: string | undefined,
): Promise<boolean> {
  return setPage(incidentId, key, 'claimed', {
    status: nextRetryAt ? 'failed' : 'abandoned',
    attempts,
    lastError: error.slice(0, 500),
    ...(nextRetryAt ? { nextRetryAt } : {}),
  });
}

/** A failed page whose incident was acknowledged or resolved meanwhile is not retried. */
export function cancelFailedPage(incidentId: string, key: string, why: string): Promise<boolean> {
  return setPage(incidentId, key, 'failed', { status: 'cancelled', lastError: why }, ['nextRetryAt']);
}

export async function getPage(incidentId: string, key: string): Promise<PageAttempt | undefined> {
  const r = await guard('get page', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: oncallKeys.page(incidentId, key), ConsistentRead: true }),
    ),
  );
  return r.Item ? strip<PageAttempt>(r.Item) : undefined;
}

/** Every page attempt of an incident, in key order (epoch, round, level, person, channel). */
export async function pagesOf(incidentId: string): Promise<PageAttempt[]> {
  const items = await queryAll({
    what: 'list pages',
    pk: incidentKeys.incident(incidentId).pk,
    skPrefix: oncallKeys.pagePrefix(),
    consistentRead: true,
  });
  return items.map((i) => strip<PageAttempt>(i));
}

// ---- Stakeholder updates ----

/** Claim one stakeholder update (incident revision × subscription × destination); false when already sent. */
export async function claimStakeholderUpdate(
  incidentId: string,
  revision: number,
  subscriptionId: string,
  destination: string,
  now: Date,
): Promise<boolean> {
  try {
    await guard('claim stakeholder update', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...oncallKeys.stakeholderSent(incidentId, revision, subscriptionId, destination),
            type: 'StakeholderUpdate',
            incidentId,
            revision,
            subscriptionId,
            at: now.toISOString(),
            expiresAt: Math.floor(now.getTime() / 1000) + 30 * 86400,
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

/** Give a claimed stakeholder update back after its publish failed (the retry may send it). */
export async function releaseStakeholderUpdate(
  incidentId: string,
  revision: number,
  subscriptionId: string,
  destination: string,
): Promise<void> {
  await guard('release stakeholder update', () =>
    documentClient().send(
      new DeleteCommand({
        TableName: tableName(),
        Key: oncallKeys.stakeholderSent(incidentId, revision, subscriptionId, destination),
      }),
    ),
  );
}

/** The alerts linked to an incident (for the text of a page). */
export async function incidentAlerts(incidentId: string): Promise<IncidentAlertSummary[]> {
  const page = await queryPage({
    what: 'incident alerts',
    pk: incidentKeys.incident(incidentId).pk,
    skPrefix: incidentKeys.linkPrefix(),
    limit: PAGE_ALERTS,
  });
  return page.items.map(alertSummary);
}

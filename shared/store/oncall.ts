// On-call configuration: users, team on-call configs, schedules and escalation policies (generic
// versioned entities), stakeholder subscriptions per service, and the directory a level needs.
import { createHash } from 'node:crypto';
import { BatchGetCommand, DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '../domain/errors';
import type { TeamOncall, User } from '../domain/oncall/people';
import type { Directory, EscalationPolicy, Level } from '../domain/oncall/policy';
import { referencesOf } from '../domain/oncall/policy';
import type { Schedule } from '../domain/oncall/schedule';
import type { Subscription } from '../domain/oncall/stakeholders';
import { documentClient, guard, isConditionalCheckFailed, tableName } from './client';
import { entityStore } from './entities';
import { oncallKeys } from './keys';
import { queryAll } from './query';

export const users = entityStore<User>('User', 'user');
export const teamOncall = entityStore<TeamOncall>('TeamOncall', 'team on-call configuration');
export const schedules = entityStore<Schedule>('Schedule', 'schedule');
export const policies = entityStore<EscalationPolicy>('EscalationPolicy', 'escalation policy');

const META = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'type']);
const strip = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !META.has(k))) as T;

/** Several entities of one kind by id (missing ones are absent from the map). */
async function many<T extends { id: string }>(type: string, ids: string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Array<Record<string, unknown>> | undefined = unique
      .slice(i, i + 100)
      .map((id) => ({ pk: `${type.toUpperCase()}#${id}`, sk: type.toUpperCase() }));
    for (let tries = 0; keys?.length && tries < 5; tries++) {
      const r = await guard(`get ${type}s`, () =>
        documentClient().send(new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: keys } } })),
      );
      for (const item of r.Responses?.[tableName()] ?? []) out.set(item.id as string, strip<T>(item));
      keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
    }
  }
  return out;
}

export const usersById = (ids: string[]) => many<User>('User', ids);

const DIRECTORY_TTL_MS = 5000;
let directoryCache = new Map<string, { at: number; dir: Promise<Directory> }>();

/**
 * Everything the levels of a policy refer to, with the people behind schedules and teams. Kept a
 * few seconds per process: a sweep that runs many steps of one policy reads it once, and a
 * configuration change (an override, a new phone number) applies within DIRECTORY_TTL_MS.
 */
export function directoryFor(levels: Level[], nowMs = Date.now()): Promise<Directory> {
  const key = JSON.stringify(levels.map((l) => l.targets));
  const hit = directoryCache.get(key);
  if (hit && nowMs - hit.at <= DIRECTORY_TTL_MS) return hit.dir;
  if (directoryCache.size > 200) directoryCache = new Map();
  const dir = loadDirectory(levels);
  directoryCache.set(key, { at: nowMs, dir });
  dir.catch(() => directoryCache.delete(key));
  return dir;
}

export function invalidateDirectoryCache(): void {
  directoryCache = new Map();
}

async function loadDirectory(levels: Level[]): Promise<Directory> {
  const refs = referencesOf(levels);
  const [schedulesById, teamsById] = await Promise.all([
    many<Schedule>('Schedule', refs.schedules),
    many<TeamOncall>('TeamOncall', refs.teams),
  ]);
  const people = [
    ...refs.users,
    ...[...schedulesById.values()].flatMap((s) => [
      ...s.layers.flatMap((l) => l.participants),
      ...s.overrides.map((o) => o.userId),
    ]),
    ...[...teamsById.values()].flatMap((t) => t.members),
  ];
  return { users: await usersById(people), schedules: schedulesById, teams: teamsById };
}

// ---- Stakeholder subscriptions: SVCSUBS#<serviceId> / SUB#<id> ----

export function subscriptionIdFor(serviceId: string, subscriber: Subscription['subscriber']): string {
  return `sub-${createHash('sha256')
    .update(`${serviceId}|${JSON.stringify(subscriber)}`)
    .digest('hex')
    .slice(0, 12)}`;
}

export async function createSubscription(s: Subscription): Promise<Subscription> {
  try {
    await guard('create subscription', () =>
      documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: { ...oncallKeys.subscription(s.serviceId, s.id), type: 'StakeholderSubscription', ...s },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err))
      throw new ConflictError(`Service ${s.serviceId} already has a subscription ${s.id} (the same subscriber).`);
    throw err;
  }
  return s;
}

export async function subscriptionsOf(serviceId: string): Promise<Subscription[]> {
  const items = await queryAll({
    what: 'list subscriptions',
    pk: oncallKeys.subscriptions(serviceId),
    skPrefix: oncallKeys.subscriptionPrefix(),
  });
  return items.map((i) => strip<Subscription>(i));
}

export async function deleteSubscription(serviceId: string, id: string): Promise<void> {
  try {
    await guard('delete subscription', () =>
      documentClient().send(
        new DeleteCommand({
          TableName: tableName(),
          Key: oncallKeys.subscription(serviceId, id),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  } catch (err) {
    if (isConditionalCheckFailed(err)) throw new NotFoundError(`Service ${serviceId} has no subscription ${id}.`);
    throw err;
  }
}

export const schedulesById = (ids: string[]) => many<Schedule>('Schedule', ids);

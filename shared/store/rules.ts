// The incident ruleset: one current document plus its history, versioned.
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../domain/errors';
import { DEFAULT_RULESET, rulesetSchema, type Ruleset } from '../domain/incidents/rules';
import { cancellationCodes, documentClient, guard, isTransactionConflict, tableName } from './client';

export interface StoredRuleset {
  version: number;
  rules: Ruleset;
  updatedAt?: string;
  updatedBy?: string;
  comment?: string;
}

const CURRENT = { pk: 'RULESET', sk: 'CURRENT' };
const versionKey = (v: number) => ({ pk: 'RULESET', sk: `V#${String(v).padStart(8, '0')}` });

let cache: { at: number; value: StoredRuleset } | undefined;

export async function getRules(opts: { fresh?: boolean } = {}): Promise<StoredRuleset> {
  if (!opts.fresh && cache && Date.now() - cache.at < 5000) return cache.value;
  const r = await guard('get rules', () => documentClient().send(new GetCommand({ TableName: tableName(), Key: CURRENT, ConsistentRead: true })));
  const value: StoredRuleset = r.Item
    ? { version: r.Item.version, rules: rulesetSchema.parse(r.Item.rules), updatedAt: r.Item.updatedAt, updatedBy: r.Item.updatedBy, comment: r.Item.comment }
    : { version: 0, rules: DEFAULT_RULESET };
  cache = { at: Date.now(), value };
  return value;
}

export async function putRules(rules: Ruleset, expectedVersion: number, by: string, now: string, comment?: string): Promise<StoredRuleset> {
  const version = expectedVersion + 1;
  const body = { rules, version, updatedAt: now, updatedBy: by, comment };
  try {
    await guard('put rules', () =>
      documentClient().send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName(),
                Item: { ...CURRENT, type: 'Ruleset', ...body },
                ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
                ExpressionAttributeValues: expectedVersion === 0 ? undefined : { ':v': expectedVersion },
              },
            },
            { Put: { TableName: tableName(), Item: { ...versionKey(version), type: 'RulesetVersion', ...body } } },
          ],
        }),
      ),
    );
  } catch (err) {
    if (isTransactionConflict(err) && cancellationCodes(err)[0] === 'ConditionalCheckFailed')
      throw new ConflictError(`The rules changed since version ${expectedVersion}; reload them and apply your change again.`);
    throw err;
  }
  cache = undefined;
  return { version, rules, updatedAt: now, updatedBy: by, comment };
}

export async function ruleHistory(limit: number): Promise<StoredRuleset[]> {
  const r = await guard('rules history', () =>
    documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
        ExpressionAttributeValues: { ':pk': 'RULESET', ':v': 'V#' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    ),
  );
  return (r.Items ?? []).map((i) => ({ version: i.version, rules: i.rules, updatedAt: i.updatedAt, updatedBy: i.updatedBy, comment: i.comment }));
}

export function invalidateRulesCache(): void {
  cache = undefined;
}

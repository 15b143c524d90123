// The incident ruleset: one current document plus its history, versioned.
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../domain/errors';
import { DEFAULT_RULESET, rulesetSchema, type Ruleset } from '../domain/incidents/rules';
import { cancellationCodes, documentClient, guard, isTransactionConflict, tableName } from './client';
import { cached } from './cached';
import { ruleKeys } from './keys';
import { queryPage } from './query';

export interface StoredRuleset {
  version: number;
  rules: Ruleset;
  updatedAt?: string;
  updatedBy?: string;
  comment?: string;
}

const CURRENT = ruleKeys.current();
const versionKey = ruleKeys.version;

const current = cached(5000, async (): Promise<StoredRuleset> => {
  const r = await guard('get rules', () =>
    documentClient().send(new GetCommand({ TableName: tableName(), Key: CURRENT, ConsistentRead: true })),
  );
  return r.Item
    ? {
        version: r.Item.version,
        rules: rulesetSchema.parse(r.Item.rules),
        updatedAt: r.Item.updatedAt,
        updatedBy: r.Item.updatedBy,
        comment: r.Item.comment,
      }
    : { version: 0, rules: DEFAULT_RULESET };
});

/** The rules in force, cached for 5 s per process (loaded once for concurrent callers). */
export async function getRules(opts: { fresh?: boolean } = {}): Promise<StoredRuleset> {
  return current.get(Date.now(), opts);
}

export async function putRules(
  rules: Ruleset,
  expectedVersion: number,
  by: string,
  now: string,
  comment?: string,
): Promise<StoredRuleset> {
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
      throw new ConflictError(
        `The rules changed since version ${expectedVersion}; reload them and apply your change again.`,
      );
    throw err;
  }
  current.invalidate();
  return { version, rules, updatedAt: now, updatedBy: by, comment };
}

export async function ruleHistory(limit: number): Promise<StoredRuleset[]> {
  const page = await queryPage({
    what: 'rules history',
    pk: ruleKeys.partition(),
    skPrefix: ruleKeys.versionPrefix(),
    newestFirst: true,
    limit,
  });
  return page.items.map((i) => ({
    version: i.version as number,
    rules: i.rules as Ruleset,
    updatedAt: i.updatedAt as string | undefined,
    updatedBy: i.updatedBy as string | undefined,
    comment: i.comment as string | undefined,
  }));
}

export function invalidateRulesCache(): void {
  current.invalidate();
}

// What became of each firing alert: it joined an incident, or it was silenced, inhibited or
// correlated with a reason. Written once per alert (conditional put), so a redelivered event
// changes nothing and no alert is ever counted twice.
import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, guard, tableName } from './client';
import { incidentKeys } from './keys';
import type { TransactItem } from './client';
import type { Disposition } from '../domain/incidents/model';
export type { Disposition, DispositionKind } from '../domain/incidents/model';

export async function getDisposition(alertId: string): Promise<Disposition | undefined> {
  const r = await guard('get disposition', () =>
    documentClient().send(
      new GetCommand({ TableName: tableName(), Key: incidentKeys.disposition(alertId), ConsistentRead: true }),
    ),
  );
  if (!r.Item) return undefined;
  const { pk: _pk, sk: _sk, type: _t, ...rest } = r.Item;
  return rest as Disposition;
}

/** The dispositions of several alerts at once (alerts not placed yet are left out). */
export async function getDispositions(alertIds: string[]): Promise<Map<string, Disposition>> {
  const out = new Map<string, Disposition>();
  const unique = [...new Set(alertIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Array<Record<string, unknown>> | undefined = unique
      .slice(i, i + 100)
      .map((id) => incidentKeys.disposition(id));
    for (let attempt = 0; keys?.length && attempt < 5; attempt++) {
      const request = keys;
      const r = await guard('get dispositions', () =>
        documentClient().send(
          new BatchGetCommand({ RequestItems: { [tableName()]: { Keys: request, ConsistentRead: true } } }),
        ),
      );
      for (const item of r.Responses?.[tableName()] ?? []) {
        const { pk: _pk, sk: _sk, type: _t, ...rest } = item;
        out.set(String(rest.alertId), rest as Disposition);
      }
      keys = r.UnprocessedKeys?.[tableName()]?.Keys as Array<Record<string, unknown>> | undefined;
    }
  }
  return out;
}

/**
 * Write the disposition once. `replacesCorrelationTo`: the one exception, an alert correlated to
 * that upstream incident and still firing when it resolved is placed again, exactly once.
 */
export function putDisposition(d: Disposition, replacesCorrelationTo?: string): TransactItem {
  return {
    Put: {
      TableName: tableName(),
      Item: { ...incidentKeys.disposition(d.alertId), type: 'AlertDisposition', ...d },
      ...(replacesCorrelationTo
        ? {
            ConditionExpression: '#k = :correlated AND incidentId = :upstream AND attribute_not_exists(resolvedAt)',
            ExpressionAttributeNames: { '#k': 'kind' },
            ExpressionAttributeValues: { ':correlated': 'correlated', ':upstream': replacesCorrelationTo },
          }
        : { ConditionExpression: 'attribute_not_exists(pk)' }),
    },
  };
}

/** Resolve the disposition that was read (a re-placement in between makes the condition fail). */
export function resolveDisposition(d: Pick<Disposition, 'alertId' | 'kind' | 'incidentId'>, at: string): TransactItem {
  return {
    Update: {
      TableName: tableName(),
      Key: incidentKeys.disposition(d.alertId),
      UpdateExpression: 'SET resolvedAt = :at',
      ConditionExpression:
        'attribute_exists(pk) AND attribute_not_exists(resolvedAt) AND #k = :kind' +
        (d.incidentId ? ' AND incidentId = :inc' : ''),
      ExpressionAttributeNames: { '#k': 'kind' },
      ExpressionAttributeValues: { ':at': at, ':kind': d.kind, ...(d.incidentId ? { ':inc': d.incidentId } : {}) },
    },
  };
}

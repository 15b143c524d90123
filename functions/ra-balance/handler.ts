// Lambda entry for RA balance reconciliation (see infra/catalog/revenue.ts: "ra-balance"): every 15
// minutes, reconcile each OCS balance file the OCS exported after a bill-cycle change
// (balances/<cycle>/<file> in the RA bucket) against what we sell (shared/app/revenue/balance.ts).
import type { ScheduledEvent } from 'aws-lambda';
import { keyIdOf } from '../../shared/adapters/envelope';
import { bucketName } from '../../shared/adapters/s3';
import { reconcileNewBalanceFiles, type BalanceSummary } from '../../shared/app/revenue/balance';
import { lambdaHandler } from '../../shared/http/event-handler';
import { logger } from '../../shared/observability/logger';

export const handler = lambdaHandler(async (event: Partial<ScheduledEvent>): Promise<BalanceSummary[]> => {
  const now = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const r = await reconcileNewBalanceFiles({ bucket: bucketName('ra-files'), keyId: keyIdOf('ra'), now });
  for (const s of r) logger.info('RA balance reconciliation', { ...s, errors: undefined });
  return r;
});

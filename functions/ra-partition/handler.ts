// Lambda entry of one Distributed Map item of ra-reconcile (see infra/catalog/revenue.ts:
// "ra-partition"): reconcilePartition over the partition's two objects, findings stored.
import { reconcileRunPartition, type PartitionInput, type PartitionOutput } from '../../shared/app/revenue/runs';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(async (event: PartitionInput): Promise<PartitionOutput> =>
  reconcileRunPartition(event),
);

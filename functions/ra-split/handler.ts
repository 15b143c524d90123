// Lambda entry of the ra-reconcile machine's Split Task (see infra/catalog/revenue.ts: "ra-split"):
// both sides' files of the run's period, opened and cut into partitions in the RA bucket.
import { splitRun, type SplitOutput } from '../../shared/app/revenue/runs';
import { lambdaHandler } from '../../shared/http/event-handler';

export const handler = lambdaHandler(async (event: { runId: string }): Promise<SplitOutput> => splitRun(event.runId));

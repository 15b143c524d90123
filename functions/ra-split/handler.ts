// Lambda entry of the ra-reconcile machine's split Tasks (see infra/catalog/revenue.ts: "ra-split"):
// op plan lists the period's batches as the Pieces map's items, op piece cuts one batch into its
// partitions' pieces (one Pieces map item), op collect merges the pieces' results and writes the
// partition manifest.
import {
  collectSplit,
  planSplit,
  splitPiece,
  type CollectInput,
  type PieceInput,
  type PieceOutput,
  type PlanOutput,
  type SplitOutput,
} from '../../shared/app/revenue/runs';
import { lambdaHandler } from '../../shared/http/event-handler';

export type SplitEvent =
  { op: 'plan'; runId: string } | ({ op: 'piece' } & PieceInput) | ({ op: 'collect' } & CollectInput);

export const handler = lambdaHandler(async (event: SplitEvent): Promise<PlanOutput | PieceOutput | SplitOutput> => {
  if (event.op === 'piece') return splitPiece(event);
  if (event.op === 'collect') return collectSplit(event);
  return planSplit(event.runId);
});

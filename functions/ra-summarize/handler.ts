// Lambda entry of ra-reconcile's last Tasks (see infra/catalog/revenue.ts: "ra-summarize"): the run's
// summary and controls (op summarize), or a failed run cleaned up (op fail).
import { failRun, summarizeRun, type FailInput, type SummarizeInput } from '../../shared/app/revenue/runs';
import { lambdaHandler } from '../../shared/http/event-handler';

export type SummarizeEvent = ({ op: 'summarize' } & SummarizeInput) | ({ op: 'fail' } & FailInput);

export const handler = lambdaHandler(async (event: SummarizeEvent) =>
  event.op === 'fail' ? failRun(event) : summarizeRun(event),
);

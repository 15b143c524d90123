// Lambda entry for the runbook interpreter's Tasks (see infra/catalog/runbooks.ts: "runbook-steps"):
// every Task of state-machines/runbook.asl.json invokes this function with { op, runId, ... }.
import {
  abort,
  begin,
  decided,
  finish,
  requestApproval,
  runStep,
  waited,
  type Cursor,
} from '../../shared/app/runbooks/runs';
import { lambdaHandler } from '../../shared/http/event-handler';

export type RunbookTaskEvent =
  | { op: 'begin'; runId: string }
  | { op: 'run'; runId: string; index: number }
  | { op: 'waited'; runId: string; index: number }
  | { op: 'approval'; runId: string; index: number; taskToken: string }
  | { op: 'decided'; runId: string; index: number; decision: unknown }
  | { op: 'finish'; runId: string }
  | { op: 'abort'; runId: string; error: unknown };

export const handler = lambdaHandler(async (event: RunbookTaskEvent): Promise<Cursor | null> => {
  switch (event.op) {
    case 'begin':
      return begin(event.runId);
    case 'run':
      return runStep(event.runId, event.index);
    case 'waited':
      return waited(event.runId, event.index);
    case 'approval':
      await requestApproval(event.runId, event.index, event.taskToken);
      return null;
    case 'decided':
      return decided(event.runId, event.index, event.decision);
    case 'finish':
      await finish(event.runId);
      return null;
    case 'abort':
      await abort(event.runId, event.error);
      return null;
  }
});

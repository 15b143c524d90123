// Saga decisions shared by the step handlers and the state machines: the error names the ASL
// Retry/Catch on (transient → retried with back-off; permanent → compensated; never both), and the
// step timeline read from an execution's history (GetExecutionHistory events, AWS shapes).
import type { StepView } from './order';

/** Error names the state machines match on (state-machines/order-*.asl.json). Keep in step with them. */
export const SAGA_ERRORS = {
  /** A remote system is down or slow: retry with back-off; when retries run out the execution stops (redrivable). */
  transient: [
    'TransientDriverError',
    'TransientStepError',
    'Lambda.ServiceException',
    'Lambda.TooManyRequestsException',
    'Lambda.SdkClientException',
  ],
  /** The remote system refused, for good: compensate. */
  permanent: [
    'PermanentDriverError',
    'PermanentStepError',
    'OrderCancelledError',
    'TicketRejected',
    'States.Timeout',
    'States.HeartbeatTimeout',
  ],
} as const;

/** Thrown by a step that could not reach a remote system; the state machine retries it. */
export class TransientStepError extends Error {
  override readonly name = 'TransientStepError';
}

/** Thrown by a step whose remote system refused for good; the state machine compensates. */
export class PermanentStepError extends Error {
  override readonly name = 'PermanentStepError';
}

/** A step found its order cancelled: the state machine compensates and ends the order cancelled. */
export class OrderCancelledError extends Error {
  override readonly name = 'OrderCancelledError';
}

/** How an error thrown by a driver or adapter is treated (by its name; unknown → transient, so never compensated by mistake). */
export function classifyError(err: unknown): 'transient' | 'permanent' {
  const name = (err as { name?: string })?.name ?? '';
  if ((SAGA_ERRORS.permanent as readonly string[]).includes(name)) return 'permanent';
  if (/permanent|rejected|invalid|notfound|validation/i.test(name)) return 'permanent';
  return 'transient';
}

/** A Catch's `$.error` ({ Error, Cause }) and the step it came from, for the order's failure. */
export function failureFrom(
  error: { Error?: string; Cause?: string } | undefined,
  fallbackStep?: string,
): { error: string; cause?: string; step?: string } {
  const raw = error?.Cause;
  let cause = raw;
  let step = fallbackStep;
  if (raw)
    try {
      const parsed = JSON.parse(raw) as { errorMessage?: string; step?: string };
      cause = parsed.errorMessage ?? raw;
      step = parsed.step ?? step;
    } catch {
      // Cause is plain text (SendTaskFailure, States.Timeout).
    }
  const m = cause ? /^([A-Za-z]+): ([\s\S]*)$/.exec(cause) : null;
  if (m) {
    step = m[1];
    cause = m[2];
  }
  return { error: error?.Error ?? 'Unknown', cause, step };
}

/** One GetExecutionHistory event, as @aws-sdk/client-sfn returns it (only what we read). */
export interface HistoryEvent {
  id: number;
  previousEventId?: number;
  type: string;
  timestamp: Date | string;
  stateEnteredEventDetails?: { name?: string };
  stateExitedEventDetails?: { name?: string };
  taskFailedEventDetails?: { error?: string; cause?: string };
  taskTimedOutEventDetails?: { error?: string; cause?: string };
  lambdaFunctionFailedEventDetails?: { error?: string; cause?: string };
  lambdaFunctionTimedOutEventDetails?: { error?: string; cause?: string };
  executionFailedEventDetails?: { error?: string; cause?: string };
}

const iso = (t: Date | string) => (typeof t === 'string' ? new Date(t) : t).toISOString();

/**
 * The order's step timeline: one entry per Task/Map state entered, with when it started and ended,
 * how many attempts it took and the last error. Events are tied to their state through
 * previousEventId (as AWS links them), so parallel Map iterations do not mix.
 */
export function stepsFromHistory(events: HistoryEvent[]): StepView[] {
  const steps: StepView[] = [];
  const owner = new Map<number, StepView>();
  const openByName = new Map<string, StepView[]>();
  let lastTask: StepView | undefined;
  for (const e of events) {
    if ((e.type === 'TaskStateEntered' || e.type === 'MapStateEntered') && e.stateEnteredEventDetails?.name) {
      const s: StepView = {
        name: e.stateEnteredEventDetails.name,
        status: 'running',
        enteredAt: iso(e.timestamp),
        attempts: 0,
      };
      steps.push(s);
      owner.set(e.id, s);
      openByName.set(s.name, [...(openByName.get(s.name) ?? []), s]);
      if (e.type === 'TaskStateEntered') lastTask = s;
      continue;
    }
    const linked = e.previousEventId !== undefined ? owner.get(e.previousEventId) : undefined;
    if ((e.type === 'TaskStateExited' || e.type === 'MapStateExited') && e.stateExitedEventDetails?.name) {
      const name = e.stateExitedEventDetails.name;
      const queue = openByName.get(name) ?? [];
      const s = linked && linked.name === name && !linked.exitedAt ? linked : queue.find((x) => !x.exitedAt);
      if (!s) continue;
      openByName.set(
        name,
        queue.filter((x) => x !== s),
      );
      s.exitedAt = iso(e.timestamp);
      s.durationMs = Date.parse(s.exitedAt) - Date.parse(s.enteredAt);
      if (s.status !== 'failed') s.status = 'succeeded';
      continue;
    }
    const s = linked ?? lastTask;
    if (!s) continue;
    owner.set(e.id, s);
    if (e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') {
      s.attempts += 1;
      if (s.status === 'failed') s.status = 'running';
    } else if (e.type === 'TaskSubmitted') s.status = 'waiting';
    else {
      const failure =
        e.taskFailedEventDetails ??
        e.taskTimedOutEventDetails ??
        e.lambdaFunctionFailedEventDetails ??
        e.lambdaFunctionTimedOutEventDetails;
      if (failure) {
        s.error = [failure.error, failure.cause && failureFrom({ Error: failure.error, Cause: failure.cause }).cause]
          .filter(Boolean)
          .join(': ');
        s.status = 'failed';
      }
    }
  }
  return steps;
}

/** The step an execution stopped at: the last Task state entered and not exited. */
export function failedStep(events: HistoryEvent[]): string | undefined {
  const steps = stepsFromHistory(events);
  return [...steps].reverse().find((s) => !s.exitedAt)?.name ?? steps.at(-1)?.name;
}

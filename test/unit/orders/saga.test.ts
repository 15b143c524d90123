// Saga decisions: which errors are retried and which compensated, where a failure came from, and
// the step timeline read from an execution's history (AWS GetExecutionHistory shapes).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  SAGA_ERRORS,
  classifyError,
  failedStep,
  failureFrom,
  stepsFromHistory,
  type HistoryEvent,
} from '../../../shared/domain/orders/saga';

const T = (ms: number) => new Date(Date.parse('2026-11-30T01:00:00.000Z') + ms);

describe('saga errors', () => {
  it('transient errors retry, permanent ones compensate, unknown ones are treated as transient', () => {
    expect(classifyError(Object.assign(new Error('x'), { name: 'TransientDriverError' }))).toBe('transient');
    expect(classifyError(Object.assign(new Error('x'), { name: 'PermanentDriverError' }))).toBe('permanent');
    expect(classifyError(new TypeError('bug'))).toBe('transient');
  });

  it('every state machine retries exactly the transient errors and catches only the permanent ones', () => {
    for (const name of ['order-new-customer', 'order-change-services', 'order-terminate']) {
      const text = readFileSync(path.join(__dirname, '../../../state-machines', `${name}.asl.json`), 'utf8');
      const retries: string[][] = [];
      const catches: string[][] = [];
      JSON.parse(text, (k, v) => {
        if (k === 'Retry')
          for (const [i, r] of (v as Array<{ ErrorEquals: string[]; MaxAttempts?: number }>).entries())
            // A step retried on States.ALL may first exclude the permanent errors (never retried).
            if (r.MaxAttempts === 0) {
              expect(r.ErrorEquals).toEqual([...SAGA_ERRORS.permanent]);
              expect(v[i + 1]?.ErrorEquals).toEqual(['States.ALL']);
            } else retries.push(r.ErrorEquals);
        if (k === 'Catch') for (const c of v) catches.push(c.ErrorEquals);
        return v;
      });
      for (const r of retries) expect([[...SAGA_ERRORS.transient], ['States.ALL']]).toContainEqual(r);
      for (const c of catches) expect([[...SAGA_ERRORS.permanent], ['States.ALL']]).toContainEqual(c);
    }
  });

  it('the failure names the step from the error message', () => {
    const cause = JSON.stringify({
      errorType: 'PermanentDriverError',
      errorMessage: 'activateSubscriber: OCS rejected the subscriber (403)',
    });
    expect(failureFrom({ Error: 'PermanentDriverError', Cause: cause })).toEqual({
      error: 'PermanentDriverError',
      cause: 'OCS rejected the subscriber (403)',
      step: 'activateSubscriber',
    });
    expect(failureFrom({ Error: 'States.Timeout', Cause: 'no answer' }, 'ManualService')).toEqual({
      error: 'States.Timeout',
      cause: 'no answer',
      step: 'ManualService',
    });
  });
});

describe('step timeline from the execution history', () => {
  const ev = (
    id: number,
    previousEventId: number | undefined,
    type: string,
    ms: number,
    extra: Partial<HistoryEvent> = {},
  ): HistoryEvent => ({ id, previousEventId, type, timestamp: T(ms), ...extra });
  const history: HistoryEvent[] = [
    ev(1, undefined, 'ExecutionStarted', 0),
    ev(2, 1, 'TaskStateEntered', 5, { stateEnteredEventDetails: { name: 'Validate' } }),
    ev(3, 2, 'TaskScheduled', 5),
    ev(4, 3, 'TaskSucceeded', 40),
    ev(5, 4, 'TaskStateExited', 41, { stateExitedEventDetails: { name: 'Validate' } }),
    ev(6, 5, 'TaskStateEntered', 42, { stateEnteredEventDetails: { name: 'ActivateOnNetwork' } }),
    ev(7, 6, 'TaskScheduled', 42),
    ev(8, 7, 'TaskFailed', 150, {
      taskFailedEventDetails: {
        error: 'TransientDriverError',
        cause: '{"errorMessage":"activateSubscriber: OCS 503"}',
      },
    }),
    ev(9, 8, 'TaskScheduled', 1150),
    ev(10, 9, 'TaskSucceeded', 1260),
    ev(11, 10, 'TaskStateExited', 1261, { stateExitedEventDetails: { name: 'ActivateOnNetwork' } }),
    ev(12, 11, 'MapStateEntered', 1262, { stateEnteredEventDetails: { name: 'EnableServices' } }),
    ev(13, 12, 'TaskStateEntered', 1263, { stateEnteredEventDetails: { name: 'ManualService' } }),
    ev(14, 13, 'TaskScheduled', 1263),
    ev(15, 14, 'TaskSubmitted', 1300),
  ];

  it('pairs entry and exit, counts attempts, keeps the last error, shows a waiting step', () => {
    expect(stepsFromHistory(history)).toEqual([
      {
        name: 'Validate',
        status: 'succeeded',
        enteredAt: T(5).toISOString(),
        exitedAt: T(41).toISOString(),
        durationMs: 36,
        attempts: 1,
      },
      {
        name: 'ActivateOnNetwork',
        status: 'succeeded',
        enteredAt: T(42).toISOString(),
        exitedAt: T(1261).toISOString(),
        durationMs: 1219,
        attempts: 2,
        error: 'TransientDriverError: OCS 503',
      },
      { name: 'EnableServices', status: 'running', enteredAt: T(1262).toISOString(), attempts: 0 },
      { name: 'ManualService', status: 'waiting', enteredAt: T(1263).toISOString(), attempts: 1 },
    ]);
  });

  it('the failed step is the last one entered and not left', () => {
    const stopped = [
      ...history.slice(0, 8),
      ev(9, 8, 'ExecutionFailed', 151, { executionFailedEventDetails: { error: 'TransientDriverError' } }),
    ];
    expect(failedStep(stopped)).toBe('ActivateOnNetwork');
    expect(stepsFromHistory(stopped)[1]).toMatchObject({ status: 'failed', attempts: 1 });
  });
});

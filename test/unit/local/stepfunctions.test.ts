// The local Step Functions emulator on fixture machines (test/fixtures/state-machines/), driven
// through @aws-sdk/client-sfn against its HTTP API as handlers drive it. Test-only functions stand
// in for the catalog's; durations in the definitions run at 1/50 (timeScale), so a "Wait 2 s" is 40 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { FunctionDefinition, StateMachineDefinition } from '../../../infra/catalog';
import { PROJECT_ROOT } from '../../../infra/local/dynamodb-local';
import { loadLocalMachines } from '../../../infra/local/stepfunctions/definitions';
import { startSfnServer, type SfnServer } from '../../../infra/local/stepfunctions/server';
import { StepFunctionsService } from '../../../infra/local/stepfunctions/service';

const REGION = 'us-east-1';
type Fn = (event: Record<string, unknown>) => Promise<unknown>;

const fnDef = (name: string): FunctionDefinition => ({
  name,
  description: name,
  entry: `test/${name}.ts`,
  memoryMb: 128,
  timeoutSeconds: 10,
  triggers: [],
});
const machine = (name: string, substitutions: Record<string, string>): StateMachineDefinition => ({
  name,
  description: `fixture ${name}`,
  definitionFile: `test/fixtures/state-machines/${name}.asl.json`,
  type: 'STANDARD',
  substitutions: Object.fromEntries(Object.entries(substitutions).map(([k, f]) => [k, { function: f }])),
});
const MACHINES = [
  machine('saga', { ValidateFn: 'validate', StepFn: 'step' }),
  machine('fanout', { StepFn: 'step' }),
  machine('manual', { AskFn: 'ask', StepFn: 'step' }),
  machine('steps', { StepFn: 'step' }),
];

class TransientError extends Error {
  override name = 'TransientError';
}
class PermanentError extends Error {
  override name = 'PermanentError';
}

interface Harness {
  service: StepFunctionsService;
  server: SfnServer;
  sfn: SFNClient;
  calls: Array<{ fn: string; event: Record<string, unknown> }>;
  logs: string[];
  stop(): Promise<void>;
}

const dirs: string[] = [];
const open: Harness[] = [];

async function start(fns: Record<string, Fn>, dataDir?: string): Promise<Harness> {
  const dir = dataDir ?? mkdtempSync(path.join(tmpdir(), 'nocturne-sfn-'));
  if (!dataDir) dirs.push(dir);
  const calls: Harness['calls'] = [];
  const logs: string[] = [];
  const machines = loadLocalMachines(PROJECT_ROOT, MACHINES, ['validate', 'step', 'ask'].map(fnDef), REGION);
  const service = new StepFunctionsService({
    machines,
    dataDir: dir,
    region: REGION,
    timeScale: 0.02,
    log: (l) => logs.push(l),
    invoke: async (fn, payload) => {
      calls.push({ fn, event: payload as Record<string, unknown> });
      const f = fns[fn];
      if (!f) throw new Error(`no test function ${fn}`);
      return f(payload as Record<string, unknown>);
    },
  });
  const server = await startSfnServer(service, { log: (l) => logs.push(l) });
  service.start();
  const sfn = new SFNClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const h: Harness = {
    service,
    server,
    sfn,
    calls,
    logs,
    async stop() {
      await service.shutdown();
      await server.close();
      sfn.destroy();
      open.splice(open.indexOf(h), 1);
    },
  };
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of [...open]) await h.stop();
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const arnOf = (name: string) => `arn:aws:states:${REGION}:000000000000:stateMachine:${name}`;

async function run(h: Harness, machineName: string, input: unknown, name?: string): Promise<string> {
  const out = await h.sfn.send(
    new StartExecutionCommand({ stateMachineArn: arnOf(machineName), input: JSON.stringify(input), name }),
  );
  return out.executionArn!;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function finished(h: Harness, executionArn: string) {
  return until(`${executionArn} to end`, async () => {
    const d = await h.sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });
}

async function history(h: Harness, executionArn: string): Promise<HistoryEvent[]> {
  return (await h.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

const entered = (events: HistoryEvent[]) =>
  events.filter((e) => e.type?.endsWith('StateEntered')).map((e) => e.stateEnteredEventDetails!.name);
const steps = (h: Harness) => h.calls.filter((c) => c.fn === 'step').map((c) => String(c.event.step));

/** The manual machine reads its timeout and heartbeat (seconds) from its input. */
const asking = (extra: Record<string, unknown> = {}) => ({
  question: 'approve?',
  timeout: 10_000,
  heartbeat: 10_000,
  ...extra,
});

async function tokenOf(h: Harness): Promise<string> {
  return until(
    'the task token',
    async () => h.calls.find((c) => c.fn === 'ask')?.event.taskToken as string | undefined,
  );
}

describe('a saga: Task, lambda:invoke, Choice, Retry, Catch', () => {
  it('runs the happy path with AWS result shapes and history', async () => {
    const h = await start({
      validate: async (e) => ({ valid: true, orderId: e.orderId }),
      step: async (e) => ({ did: e.step }),
    });
    const arn = await run(h, 'saga', { orderId: 'o-1', payment: 'card' }, 'order-o-1');
    const d = await finished(h, arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({
      orderId: 'o-1',
      payment: 'card',
      validated: { valid: true, orderId: 'o-1' },
      preauth: { result: { did: 'preauth' } },
      activated: { result: { did: 'activate' } },
    });
    // The direct Task got the state's input as its event; lambda:invoke got Payload.
    expect(h.calls[0]).toEqual({ fn: 'validate', event: { orderId: 'o-1', payment: 'card' } });
    expect(h.calls[1]).toEqual({ fn: 'step', event: { step: 'preauth', orderId: 'o-1' } });
    const events = await history(h, arn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.slice(1).every((e) => e.previousEventId === e.id! - 1)).toBe(true);
    const scheduled = events.find((e) => e.type === 'TaskScheduled')!.taskScheduledEventDetails!;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: REGION });
    expect(JSON.parse(scheduled.parameters!).FunctionName).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:nocturne-local-step',
    );
    const succeeded = JSON.parse(events.find((e) => e.type === 'TaskSucceeded')!.taskSucceededEventDetails!.output!);
    expect(succeeded).toMatchObject({ Payload: { did: 'preauth' }, StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(h.logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/saga\/order-o-1 RUNNING/),
        expect.stringMatching(/saga\/order-o-1 SUCCEEDED/),
      ]),
    );
  });

  it('takes the Choice default and retries a custom error until it succeeds', async () => {
    let failures = 2;
    const h = await start({
      validate: async () => ({ valid: true }),
      step: async (e) => {
        if (e.step === 'activate' && failures-- > 0) throw new TransientError('OCS busy');
        return { did: e.step };
      },
    });
    const arn = await run(h, 'saga', { orderId: 'o-2', payment: 'cash' });
    const d = await finished(h, arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toMatchObject({ credit: { ok: true }, activated: { result: { did: 'activate' } } });
    expect(steps(h)).toEqual(['activate', 'activate', 'activate']);
    const failed = (await history(h, arn)).filter((e) => e.type === 'TaskFailed').map((e) => e.taskFailedEventDetails!);
    expect(failed).toHaveLength(2);
    expect(failed[0]!.error).toBe('TransientError');
    expect(JSON.parse(failed[0]!.cause!)).toMatchObject({ errorType: 'TransientError', errorMessage: 'OCS busy' });
  });

  it('catches a permanent error into the compensation, then fails with the Fail state’s error', async () => {
    const h = await start({
      validate: async () => ({ valid: true }),
      step: async (e) => {
        if (e.step === 'activate') throw new PermanentError('rejected by OCS');
        return { did: e.step };
      },
    });
    const arn = await run(h, 'saga', { orderId: 'o-3', payment: 'cash' });
    const d = await finished(h, arn);
    expect(d).toMatchObject({ status: 'FAILED', error: 'OrderFailed', cause: 'compensated' });
    expect(steps(h)).toEqual(['activate', 'compensate']);
    expect(h.calls.at(-1)!.event).toEqual({ step: 'compensate', orderId: 'o-3', error: 'PermanentError' });
    const events = await history(h, arn);
    expect(entered(events)).toEqual(['Validate', 'Route', 'CreditCheck', 'Activate', 'Compensate', 'OrderFailed']);
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'OrderFailed', cause: 'compensated' },
    });
  });
});

describe('Parallel, Map and Wait', () => {
  it('maps every item (at most MaxConcurrency at once), waits, and collects both branches in order', async () => {
    let running = 0;
    let peak = 0;
    const h = await start({
      step: async (e) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 15));
        running--;
        return { doubled: (e.value as number) * 2, index: e.index };
      },
    });
    const started = Date.now();
    const arn = await run(h, 'fanout', { items: [1, 2, 3, 4, 5], who: 'world' });
    const d = await finished(h, arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({
      items: [1, 2, 3, 4, 5].map((v, i) => ({ doubled: v * 2, index: i })),
      other: { waited: true, greeting: 'hello world' },
    });
    expect(peak).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40); // Wait 2 s at 1/50
    const types = (await history(h, arn)).map((e) => e.type);
    expect(types.filter((t) => t === 'MapIterationStarted')).toHaveLength(5);
    expect(types.filter((t) => t === 'MapIterationSucceeded')).toHaveLength(5);
    expect(types).toEqual(
      expect.arrayContaining([
        'ParallelStateStarted',
        'MapStateStarted',
        'WaitStateEntered',
        'WaitStateExited',
        'MapStateSucceeded',
        'ParallelStateSucceeded',
      ]),
    );
  });

  it('fails the Map, and the execution, with the failing iteration’s error', async () => {
    const h = await start({
      step: async (e) => {
        if (e.value === 3) throw new PermanentError('item 3 is bad');
        return e.value;
      },
    });
    const d = await finished(h, await run(h, 'fanout', { items: [1, 2, 3], who: 'x' }));
    expect(d).toMatchObject({ status: 'FAILED', error: 'PermanentError' });
  });
});

describe('waitForTaskToken', () => {
  const ask = async () => ({ ticket: 't-1' });

  it('pauses until SendTaskSuccess, then continues with the answer', async () => {
    const h = await start({ ask, step: async (e) => ({ recorded: e.answer }) });
    const arn = await run(h, 'manual', asking());
    const token = await tokenOf(h);
    await new Promise((r) => setTimeout(r, 50));
    expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    expect(steps(h)).toEqual([]);
    await h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approved: true }) }));
    const d = await finished(h, arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ recorded: { approved: true } });
    const types = (await history(h, arn)).map((e) => e.type);
    expect(types.slice(0, 7)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
    ]);
    // A token answers once.
    await expect(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('SendTaskFailure fails the task with the given error, which Catch takes', async () => {
    const h = await start({ ask, step: async () => ({}) });
    const arn = await run(h, 'manual', asking());
    await h.sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenOf(h), error: 'Rejected', cause: 'agent said no' }),
    );
    const d = await finished(h, arn);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ rejected: 'Rejected' });
    const failed = (await history(h, arn)).find((e) => e.type === 'TaskFailed')!;
    expect(failed.taskFailedEventDetails).toMatchObject({ error: 'Rejected', cause: 'agent said no' });
  });

  it('times out a task whose heartbeat stops (States.HeartbeatTimeout), after heartbeats kept it alive', async () => {
    const h = await start({ ask, step: async () => ({}) });
    const arn = await run(h, 'manual', asking({ heartbeat: 25, timeout: 1000 })); // 500 ms heartbeat at 1/50
    const token = await tokenOf(h);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    }
    expect((await h.sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    const d = await finished(h, arn);
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
    expect(
      (await history(h, arn)).some(
        (e) => e.type === 'TaskTimedOut' && e.taskTimedOutEventDetails?.error === 'States.HeartbeatTimeout',
      ),
    ).toBe(true);
    await expect(h.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
  });

  it('times out a waiting task after TimeoutSeconds (States.Timeout)', async () => {
    const h = await start({ ask, step: async () => ({}) });
    const arn = await run(h, 'manual', asking({ timeout: 3 })); // 60 ms at 1/50
    const d = await finished(h, arn);
    expect(d).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
  });

  it('answers unknown and malformed tokens with AWS’s errors', async () => {
    const h = await start({});
    await expect(
      h.sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'InvalidToken' });
    const forged = Buffer.from(JSON.stringify({ m: 'manual', n: 'nope', a: 'Ask#0~0~r0' })).toString('base64url');
    await expect(h.sfn.send(new SendTaskSuccessCommand({ taskToken: forged, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskDoesNotExist',
    });
    await expect(
      h.sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${arnOf('manual').replace(':stateMachine:', ':execution:')}:nope`,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

describe('StartExecution, ListExecutions, StopExecution', () => {
  it('is idempotent by name and input while running; another input is ExecutionAlreadyExists', async () => {
    const h = await start({ ask: async () => ({}), step: async () => ({}) });
    const a = await run(h, 'manual', asking(), 'same-name');
    expect(await run(h, 'manual', asking(), 'same-name')).toBe(a);
    await expect(run(h, 'manual', asking({ question: 'other' }), 'same-name')).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
    await expect(run(h, 'manual', {}, 'bad name')).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(h.sfn.send(new StartExecutionCommand({ stateMachineArn: arnOf('nope') }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
  });

  it('stops a waiting execution (ABORTED); its token is gone; it lists by status', async () => {
    const h = await start({ ask: async () => ({}), step: async () => ({}) });
    const arn = await run(h, 'manual', asking(), 'to-stop');
    const token = await tokenOf(h);
    await h.sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Cancelled', cause: 'customer cancelled' }));
    const d = await h.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(d).toMatchObject({ status: 'ABORTED', error: 'Cancelled' });
    expect((await history(h, arn)).at(-1)).toMatchObject({ type: 'ExecutionAborted' });
    await expect(h.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' }))).rejects.toMatchObject({
      name: 'TaskTimedOut',
    });
    const aborted = await h.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arnOf('manual'), statusFilter: 'ABORTED' }),
    );
    expect(aborted.executions!.map((e) => e.name)).toEqual(['to-stop']);
    const running = await h.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arnOf('manual'), statusFilter: 'RUNNING' }),
    );
    expect(running.executions).toEqual([]);
  });
});

describe('RedriveExecution', () => {
  it('resumes a failed execution from the failed step without running the completed ones again', async () => {
    let twoFails = true;
    const h = await start({
      step: async (e) => {
        if (e.step === 'two' && twoFails) throw new PermanentError('two is down');
        return `${String(e.step)}-done`;
      },
    });
    const arn = await run(h, 'steps', {}, 'redrive-me');
    expect(await finished(h, arn)).toMatchObject({
      status: 'FAILED',
      error: 'PermanentError',
      redriveStatus: 'REDRIVABLE',
    });
    twoFails = false;
    await h.sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
    const d = await finished(h, arn);
    expect(d).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(JSON.parse(d.output!)).toEqual({ one: 'one-done', two: 'two-done', three: 'three-done' });
    expect(steps(h)).toEqual(['one', 'two', 'two', 'three']);
    const events = await history(h, arn);
    expect(events.map((e) => e.type)).toContain('ExecutionRedriven');
    expect(entered(events)).toEqual(['One', 'Two', 'Two', 'Three']);
    await expect(h.sfn.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
  });
});

describe('durability: a restart on the same data dir', () => {
  it('continues a running execution and a waiting one, each step once in the history', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nocturne-sfn-restart-'));
    dirs.push(dir);
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const first = await start(
      {
        ask: async () => ({ ticket: 't' }),
        step: async (e) => {
          if (e.step === 'two') await blocked; // still running when the runtime stops
          return `${String(e.step)}-done`;
        },
      },
      dir,
    );
    const mid = await run(first, 'steps', {}, 'mid-way');
    const waiting = await run(first, 'manual', asking(), 'waiting');
    const token = await tokenOf(first);
    await until('step two to start', async () => steps(first).includes('two'));
    const stopping = first.stop();
    release();
    await stopping;

    const second = await start(
      { ask: async () => ({ ticket: 'again' }), step: async (e) => `${String(e.step)}-done` },
      dir,
    );
    expect(second.logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/steps\/mid-way RESUMED/),
        expect.stringMatching(/manual\/waiting RESUMED/),
      ]),
    );
    const d1 = await finished(second, mid);
    expect(d1.status).toBe('SUCCEEDED');
    expect(JSON.parse(d1.output!)).toEqual({ one: 'one-done', two: 'two-done', three: 'three-done' });
    // Step one completed before the stop: not run again. Two was cut short: run again. Three: once.
    expect(steps(second)).toEqual(['two', 'three']);
    expect(second.calls.some((c) => c.fn === 'ask')).toBe(false); // the waiting task is not invoked twice
    await second.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    const d2 = await finished(second, waiting);
    expect(JSON.parse(d2.output!)).toBe('record-done');
    expect(second.calls.find((c) => c.event.step === 'record')!.event).toEqual({
      step: 'record',
      answer: { approved: true },
    });
    for (const arn of [mid, waiting]) {
      const events = await history(second, arn);
      const names = entered(events);
      expect(new Set(names).size).toBe(names.length);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    }
    expect(entered(await history(second, mid))).toEqual(['One', 'Two', 'Three']);
  });
});

// The local runtime runs every function in one process, many invocations at once. Each log line
// must carry the function (and request) that wrote it, even when another function's invocation
// started in between: the Powertools logger keeps the Lambda context on its instance, so the local
// runtime gives each invocation a logger of its own (shared/observability/logger.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { FunctionDefinition } from '../../../infra/catalog';
import { LambdaHost, physicalName, type LambdaHandler } from '../../../infra/local/lambda';
import { lambdaHandler } from '../../../shared/http/event-handler';
import { logger } from '../../../shared/observability/logger';

function fn(name: string): FunctionDefinition {
  return {
    name,
    description: name,
    entry: `functions/${name}/handler.ts`,
    memoryMb: 128,
    timeoutSeconds: 10,
    triggers: [],
  };
}

/** A local Lambda host running these handlers, one function of the same name each. */
function hostOf(handlers: Record<string, LambdaHandler>): LambdaHost {
  return new LambdaHost({
    functions: Object.keys(handlers).map(fn),
    region: 'us-east-1',
    dataDir,
    log: () => {},
    handlers,
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let dataDir: string;
let lines: string[];
const writes: jest.SpyInstance[] = [];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'invocation-logger-'));
  lines = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    writes.push(
      jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        const text = String(chunk);
        if (text.startsWith('{')) {
          lines.push(...text.trim().split('\n'));
          return true;
        }
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write),
    );
  }
});

afterEach(() => {
  for (const w of writes.splice(0)) w.mockRestore();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('log lines of concurrent local invocations', () => {
  it('carry the name and request id of the function that wrote them', async () => {
    const alphaLogged = deferred();
    const betaLogged = deferred();
    const host = hostOf({
      // alpha logs, waits until beta started (and set its own context), then logs again.
      alpha: lambdaHandler(async () => {
        logger.warn('alpha 1');
        alphaLogged.resolve();
        await betaLogged.promise;
        logger.warn('alpha 2');
        await new Promise((r) => setImmediate(r));
        logger.warn('alpha 3');
        return 'a';
      }),
      beta: lambdaHandler(async () => {
        logger.warn('beta 1');
        betaLogged.resolve();
        await new Promise((r) => setImmediate(r));
        logger.warn('beta 2');
        return 'b';
      }),
    });
    const alpha = host.invoke('alpha', {});
    await alphaLogged.promise;
    const beta = host.invoke('beta', {});
    await expect(Promise.all([alpha, beta])).resolves.toEqual(['a', 'b']);

    const logged = lines
      .map((l) => JSON.parse(l) as { message: string; function_name?: string; function_request_id?: string })
      .filter((l) => /^(alpha|beta) \d$/.test(l.message));
    expect(logged.map((l) => l.message).sort()).toEqual(['alpha 1', 'alpha 2', 'alpha 3', 'beta 1', 'beta 2']);
    const requestIds = new Map(host.invocations.map((i) => [i.function, i.requestId]));
    for (const line of logged) {
      const name = line.message.split(' ')[0]!;
      expect({ message: line.message, function_name: line.function_name }).toEqual({
        message: line.message,
        function_name: physicalName(fn(name)),
      });
      expect(line.function_request_id).toBe(requestIds.get(name));
    }
  });

  it('leaves the logger outside an invocation as it is (a handler called directly keeps its context)', async () => {
    const handler = lambdaHandler(async () => {
      logger.warn('direct');
      return undefined;
    });
    await handler({}, { functionName: 'direct-fn', awsRequestId: 'req-1' } as never);
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'direct');
    expect(line).toMatchObject({ function_name: 'direct-fn', function_request_id: 'req-1' });
  });

  it('carry every field a Lambda log line has: level, message, time, service, sampling and the whole Lambda context', async () => {
    const host = hostOf({
      gamma: lambdaHandler(async () => {
        logger.appendKeys({ incidentId: 'inc-1' });
        logger.warn('gamma', { alerts: 3 });
        return undefined;
      }),
    });
    await host.invoke('gamma', {});
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message === 'gamma');
    expect(Object.keys(line ?? {}).sort()).toEqual(
      [
        'alerts',
        'cold_start',
        'function_arn',
        'function_memory_size',
        'function_name',
        'function_request_id',
        'incidentId',
        'level',
        'message',
        'sampling_rate',
        'service',
        'timestamp',
      ].sort(),
    );
    expect(line).toMatchObject({
      level: 'WARN',
      service: 'nocturne',
      alerts: 3,
      incidentId: 'inc-1',
      cold_start: false,
      function_name: physicalName(fn('gamma')),
      function_arn: `arn:aws:lambda:us-east-1:000000000000:function:${physicalName(fn('gamma'))}`,
      function_memory_size: '128',
      function_request_id: host.invocations[0]!.requestId,
    });
  });

  it('logs the event with its invocation context when event logging is on', async () => {
    const host = hostOf({
      delta: middy()
        .use(injectLambdaContext(logger, { logEvent: true }))
        .handler(async () => 'd') as never,
    });
    const previous = logger.getLevelName();
    logger.setLogLevel('INFO');
    try {
      await host.invoke('delta', { hello: 'world' });
    } finally {
      logger.setLogLevel(previous);
    }
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'Lambda invocation event');
    expect(line).toMatchObject({
      event: { hello: 'world' },
      function_name: physicalName(fn('delta')),
      function_request_id: host.invocations[0]!.requestId,
    });
  });

  it('builds no logger for an invocation that logs nothing or only below the level, one for an invocation that logs', async () => {
    const previous = logger.getLevelName();
    const createChild = jest.spyOn(Logger.prototype, 'createChild');
    try {
      const host = hostOf({
        quiet: lambdaHandler(async () => {
          logger.info('below the WARN level');
          logger.debug('below it too');
          return 'q';
        }),
        loud: lambdaHandler(async () => {
          logger.warn('loud 1');
          logger.warn('loud 2');
          return 'l';
        }),
      });
      logger.setLogLevel('WARN');
      await host.invoke('quiet', {});
      await host.invoke('quiet', {});
      expect(createChild).not.toHaveBeenCalled();
      expect(lines.some((l) => l.includes('below'))).toBe(false);
      await host.invoke('loud', {});
      expect(createChild).toHaveBeenCalledTimes(1);
    } finally {
      createChild.mockRestore();
      logger.setLogLevel(previous);
    }
  });
});

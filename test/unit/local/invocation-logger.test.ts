// The local runtime runs every function in one process, many invocations at once. Each log line
// must carry the function (and request) that wrote it, even when another function's invocation
// started in between: the Powertools logger keeps the Lambda context on its instance, so the local
// runtime gives each invocation a logger of its own (shared/observability/logger.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FunctionDefinition } from '../../../infra/catalog';
import { LambdaHost, physicalName } from '../../../infra/local/lambda';
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
    const host = new LambdaHost({
      functions: [fn('alpha'), fn('beta')],
      region: 'us-east-1',
      dataDir,
      log: () => {},
      handlers: {
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
      },
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
});

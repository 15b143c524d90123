// DynamoDB Local (the real DynamoDB API, in Java) as a child process: the local runtime's
// table store and the test suite's. scripts/setup.cjs installs the jar under .tools/.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const DYNAMODB_LOCAL_DIR = path.join(PROJECT_ROOT, '.tools', 'dynamodb-local');

export interface DynamoDbLocalOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Directory for the database file; undefined runs in memory. */
  dataDir?: string;
  /** How long to wait for the first answer. */
  startTimeoutMs?: number;
  /**
   * JVM flags. The default keeps the JIT at C1, which halves start-up on a busy machine at some
   * cost in peak throughput: for short-lived stores (a test that restarts one). A store that serves
   * for long (`npm start`, the test suite's shared store, the benchmarks) passes
   * LONG_RUNNING_JVM_ARGS.
   */
  jvmArgs?: string[];
}

/** Per-attempt request timeout of store calls against DynamoDB Local (the local runtime and the
 * integration tests): it pauses for seconds on a loaded machine, where AWS's 2 s would fail healthy calls. */
export const LOCAL_STORE_REQUEST_TIMEOUT_MS = 10_000;
/**
 * Connection timeout of store calls here. In AWS each Lambda container has a client of its own and
 * serves one invocation at a time, so a store call never waits for a socket and 1 s is for the TCP
 * connect alone. The local runtime runs every invocation in one process with one client (50 sockets),
 * and the SDK's connection timer also runs while a request waits for one of them: with a few hundred
 * invocations in flight (bench:orders, 1,000 orders) requests failed as "did not establish a connection
 * within 1000 ms" without ever reaching DynamoDB Local, and their retries added to the queue. Here the
 * wait for a socket gets the same allowance as the request.
 */
export const LOCAL_STORE_CONNECT_TIMEOUT_MS = 10_000;

export const DEFAULT_JVM_ARGS = ['-XX:TieredStopAtLevel=1'];

/**
 * The JVM's full tiered JIT (C1, then C2 for hot code): a few seconds more to start on a busy
 * machine, and ~30 % more throughput once warm (bench:escalation, 3,000 due steps: 86 steps/s with
 * C1 only, 111 with full JIT). G1 stays the collector: the serial one was no better here.
 */
export const LONG_RUNNING_JVM_ARGS: readonly string[] = [];

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number | undefined;
  /** Resolves when the Java process exits; `expected` is false when it died without stop(). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; expected: boolean }>;
  stop(): Promise<void>;
}

export class DynamoDbLocalUnavailableError extends Error {
  override readonly name = 'DynamoDbLocalUnavailableError';
}

/** A port the OS says is free right now (Java needs a number, not 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A client for tooling (table creation, stream polling) against a local endpoint. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkInstalled(): { jar: string; lib: string } {
  const jar = path.join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal.jar');
  const lib = path.join(DYNAMODB_LOCAL_DIR, 'DynamoDBLocal_lib');
  if (!existsSync(jar) || !existsSync(lib))
    throw new DynamoDbLocalUnavailableError(
      `DynamoDB Local is not installed (${path.relative(PROJECT_ROOT, jar)} is missing): run npm run setup.`,
    );
  return { jar, lib };
}

async function spawnOnce(
  port: number,
  dataDir: string | undefined,
  timeoutMs: number,
  jvmArgs: string[],
): Promise<DynamoDbLocal> {
  const { jar, lib } = checkInstalled();
  const storage = dataDir ? ['-dbPath', dataDir] : ['-inMemory'];
  const child: ChildProcess = spawn(
    'java',
    [
      ...jvmArgs,
      `-Djava.library.path=${lib}`,
      '-jar',
      jar,
      '-sharedDb',
      ...storage,
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { cwd: DYNAMODB_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (b: Buffer) => {
    if (output.length < 20_000) output += b.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: NodeJS.ErrnoException | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once('error', (err: NodeJS.ErrnoException) => {
    spawnError = err;
  });

  // A crashed or killed parent must not leave Java behind (SIGKILL of the parent still can).
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopRequested = false;
  const stop = async () => {
    stopRequested = true;
    process.removeListener('exit', killOnExit);
    if (exited || spawnError) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exitedPromise;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (spawnError) {
        throw new DynamoDbLocalUnavailableError(
          spawnError.code === 'ENOENT'
            ? 'Java was not found on PATH; DynamoDB Local needs Java 17+: run npm run setup (or install openjdk-17-jre-headless).'
            : `Could not start Java for DynamoDB Local: ${spawnError.message}`,
        );
      }
      if (exited) {
        const err = new DynamoDbLocalUnavailableError(
          `DynamoDB Local exited during start (code ${exited.code}, signal ${exited.signal}):\n${output.trim()}`,
        );
        (err as { portInUse?: boolean }).portInUse = /address already in use|BindException/i.test(output);
        throw err;
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new DynamoDbLocalUnavailableError(
            `DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${output.trim()}`,
          );
        await sleep(100);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  // Keep draining the pipes so a chatty Java never blocks on a full buffer.
  child.stdout?.removeListener('data', collect);
  child.stderr?.removeListener('data', collect);
  child.stdout?.resume();
  child.stderr?.resume();
  const exitedInfo = exitedPromise.then(() => ({
    code: exited?.code ?? null,
    signal: exited?.signal ?? null,
    expected: stopRequested,
  }));
  return { endpoint, port, pid: child.pid, exited: exitedInfo, stop };
}

/** Start DynamoDB Local and resolve once it answers ListTables. */
export async function startDynamoDbLocal(opts: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  // Store calls in this process will talk to DynamoDB Local: give them its timeout (benches, scripts).
  process.env.NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS ??= String(LOCAL_STORE_REQUEST_TIMEOUT_MS);
  process.env.NOCTURNE_DYNAMODB_CONNECT_TIMEOUT_MS ??= String(LOCAL_STORE_CONNECT_TIMEOUT_MS);
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : undefined;
  // A free port can be taken between the probe and Java's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ? opts.port : await freePort();
    try {
      return await spawnOnce(port, dataDir, timeoutMs, opts.jvmArgs ?? DEFAULT_JVM_ARGS);
    } catch (err) {
      const portInUse = (err as { portInUse?: boolean }).portInUse;
      if (!portInUse || opts.port || attempt >= 3) throw err;
    }
  }
}

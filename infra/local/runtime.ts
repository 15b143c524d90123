// The local runtime: all of Nocturne in one process, built by reading infra/catalog.ts, the
// same wiring the CDK app reads. HTTP triggers become routes on a Node server that speaks
// API Gateway's v2 payload, event triggers become rules on an in-process bus, schedules become
// timers, tableStream triggers become pollers of the DynamoDB Local stream, and the SNS and
// EventBridge adapters are swapped for in-process ones. Handlers are the very same modules
// that run in Lambda, called with the very same event shapes.
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { setEventPublisher } from '../../shared/adapters/events';
import { setNotifier } from '../../shared/adapters/notifier';
import { configureS3Client } from '../../shared/adapters/s3';
import { configureSfnClient } from '../../shared/adapters/stepfunctions';
import { configureDynamoClient } from '../../shared/store/client';
import {
  bucketEnvName,
  bucketGrantFix,
  catalog as realCatalog,
  keyEnvName,
  mayRead,
  mayWrite,
  stateMachineEnvName,
  topicEnvName,
  type Catalog,
  type FunctionDefinition,
  type InboundEmailTrigger,
  type TableStreamTrigger,
} from '../catalog';
import { BOARD_PATH, LocalBoard } from './board';
import { DeadLetterReplayer, type ReplayReport } from './dead-letters';
import { demoOpsTokens, seedDemo } from './demo';
import type { AppliedMigration } from '../../shared/store/migrations';
import {
  LOCAL_STORE_CONNECT_TIMEOUT_MS,
  LOCAL_STORE_REQUEST_TIMEOUT_MS,
  localDynamoClient,
  PROJECT_ROOT,
} from './dynamodb-local';
import { LocalEventBus, type BusRule } from './event-bus';
import { HttpGateway, type OpsIdentity } from './http-gateway';
import {
  AccessDeniedError,
  LambdaHost,
  checkGrant,
  currentInvocation,
  type InvocationRecord,
  type LambdaHandler,
} from './lambda';
import { LOCAL_ACCESS_KEY, startLocalS3, type LocalS3 } from './s3';
import { startOcsSimulator, type OcsSimulator, type OcsSimulatorOptions } from './ocs-simulator';
import { LocalScheduler, type RegisteredSchedule } from './schedules';
import { LocalSns, localTopicArn, type SnsSubscription } from './sns';
import { StreamPoller, checkpointStore } from './streams';
import { loadLocalMachines } from './stepfunctions/definitions';
import { startSfnServer } from './stepfunctions/server';
import { StepFunctionsService } from './stepfunctions/service';
import { ensureTables, tableNamesFor, type TableNames } from './tables';
import { localCertificate } from './tls';

export interface LocalRuntimeOptions {
  /** The charging system the ocs driver calls (OCS_CONFIG): by default a simulator this runtime
   * starts (state in $dataDir/ocs-simulator.json; these options tune it), or an external one. */
  ocs?: OcsSimulatorOptions | { baseUrl: string; apiKey: string };
  /** 0 picks a free port (default 3000). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Also serve the API over HTTPS on this port (0: a free one), with a self-signed certificate (tls.ts). */
  httpsPort?: number;
  /** sns.jsonl, events.jsonl, dlq.jsonl, stream-checkpoints.json, subscriptions.json live here. */
  dataDir: string;
  dynamoEndpoint: string;
  /** Physical table names: `<prefix>` and `<prefix>-idempotency` (default "nocturne"). */
  tablePrefix?: string;
  seedDemo?: boolean;
  /** Bearer tokens the emulated JWT authorizer accepts (default: the demo tokens). */
  opsTokens?: Record<string, OpsIdentity>;
  /** No console output (lines are still kept in `logs`). */
  quiet?: boolean;
  /** How often stream pollers call GetRecords (default 200 ms). */
  streamPollMs?: number;
  /** false: no schedule timers (tests call runSchedule). */
  schedules?: boolean;
  /** HTTP/HTTPS subscribers, in addition to $dataDir/subscriptions.json. */
  subscriptions?: SnsSubscription[];
  region?: string;
  /** Port of the S3 API (s3rver; default 0: a free one). */
  s3Port?: number;
  stepFunctions?: {
    /** Port of the Step Functions API (AWS JSON 1.0; default 0: a free one). */
    port?: number;
    /** Multiplies the durations definitions state (Wait, Retry, timeouts, heartbeats); tests use < 1 (default 1). */
    timeScale?: number;
  };
  /** Replace parts of the catalog (tests: extra functions, tighter throttling). */
  catalog?: Partial<
    Pick<Catalog, 'functions' | 'topics' | 'throttle' | 'busName' | 'stateMachines' | 'buckets' | 'keys'>
  >;
  /** Handlers to call instead of loading a function's entry (tests). */
  handlers?: Record<string, LambdaHandler>;
  /** Enforce each function's timeoutSeconds (default true; turn off to sit in a debugger). */
  timeouts?: boolean;
  /** How long stop() waits for running handlers before abandoning them (default 5000 ms). */
  stopGraceMs?: number;
  /** Refuse table/bus/topic access the catalog does not grant, as IAM would (default true). */
  enforceGrants?: boolean;
  retry?: {
    /** Delays before the retries of an event or schedule invocation (default about 2 minutes of back-off). */
    asyncDelaysMs?: number[];
    /** How often dlq.jsonl is replayed after the replay at start (default 60000 ms; 0: only at start). */
    deadLetterReplayMs?: number;
    /** Redrives of one event from dlq.jsonl before it is left for a person (default 5). */
    maxRedrives?: number;
    /** Attempts per stream batch before it is dead-lettered (default 4). */
    streamMaxAttempts?: number;
    /** First stream retry delay, doubled each time (default 200 ms). */
    streamRetryBaseMs?: number;
    /** Delays before the retries of an SNS HTTP delivery (default [500, 2000, 5000]). */
    snsDelaysMs?: number[];
  };
}

export interface LocalRuntime {
  url: string;
  /** The command board (web/, built at its first request or by warmBoard). */
  boardUrl: string;
  /** Build the board now rather than at its first request. */
  warmBoard(): Promise<unknown>;
  /** The OCS simulator it started (absent when `ocs` named an external one). */
  ocs?: OcsSimulator;
  port: number;
  /** https://localhost:<port> when httpsPort was given, with the certificate clients may trust. */
  https?: { url: string; port: number; certFile: string };
  dataDir: string;
  tables: TableNames;
  bus: LocalEventBus;
  sns: LocalSns;
  /** Every route the gateway serves, from the catalog's http triggers. */
  routes: Array<{ routeKey: string; function: string; auth: string }>;
  /** Every schedule rule, from the catalog's schedule triggers. */
  schedules: RegisteredSchedule[];
  /** Every event rule, from the catalog's event triggers. */
  rules: BusRule[];
  /** Every stream poller, from the catalog's tableStream triggers. */
  streams: Array<{
    function: string;
    batchSize: number;
    tableName: string;
    status: string;
    /** Records handed to the function. */
    delivered: number;
    /** Records read from the stream: delivered, or consumed without an invocation by `itemTypes`. */
    read: number;
    /** The trigger's item type filter, if it has one. */
    itemTypes?: readonly string[];
  }>;
  /** Every inboundEmail trigger. No SES here: raw messages are posted to the function's POST routes. */
  mailboxes: Array<{ function: string; prefix: string; routes: string[] }>;
  /** The S3 API (set as AWS_ENDPOINT_URL_S3 for handlers) and the catalog's buckets (name → physical name). */
  s3: { endpoint: string; buckets: Map<string, string> };
  /** The Step Functions API (set as AWS_ENDPOINT_URL_SFN for handlers), its machines and executions. */
  stepFunctions: { endpoint: string; machines: Array<{ name: string; arn: string }>; service: StepFunctionsService };
  /** Recent invocations (newest last). */
  invocations: InvocationRecord[];
  /** Recent runtime log lines (kept even when quiet). */
  logs: string[];
  /** Functions whose entry file does not exist (their triggers answer 500 or wait). */
  missingHandlers(): string[];
  /** Load every written handler now; returns the ones that fail to load, with why. */
  preload(): Array<{ function: string; error: string }>;
  invoke(functionName: string, event: unknown): Promise<unknown>;
  runSchedule(functionName: string, expression?: string): Promise<unknown>;
  /** Hand every pending stream record to its function now. */
  drainStreams(): Promise<void>;
  /** Hand every dead letter not yet replayed back to its function; resolves when those replays settled. */
  replayDeadLetters(): Promise<ReplayReport>;
  /** Drain streams and wait for event deliveries until nothing moves (tests). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const REGION_DEFAULT = 'us-east-1';
let active: string | undefined;

const WRITE_OPS = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'Put',
  'Update',
  'Delete',
  'BatchWrite',
  'TransactWrite',
]);
const READ_OPS = new Set([
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'TransactGetItems',
  'Get',
  'BatchGet',
  'TransactGet',
]);

function tablesIn(input: Record<string, unknown>): string[] {
  const names = new Set<string>();
  if (typeof input.TableName === 'string') names.add(input.TableName);
  if (input.RequestItems && typeof input.RequestItems === 'object')
    Object.keys(input.RequestItems).forEach((n) => names.add(n));
  if (Array.isArray(input.TransactItems))
    for (const item of input.TransactItems as Array<Record<string, { TableName?: string }>>)
      for (const op of Object.values(item)) if (op?.TableName) names.add(op.TableName);
  return [...names];
}

/** IAM, locally: a function may touch a table only as the catalog grants. */
function tableGrantMiddleware(tables: TableNames, log: (l: string) => void) {
  return (client: DynamoDBClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const write = WRITE_OPS.has(op);
        if (currentInvocation.getStore() && (write || READ_OPS.has(op))) {
          for (const table of tablesIn(args.input as Record<string, unknown>)) {
            try {
              if (table === tables.main)
                checkGrant(
                  (fn) => (write ? fn.table === 'readwrite' : fn.table !== undefined),
                  `dynamodb:${op} on table ${table}`,
                  write ? "set table: 'readwrite'" : "set table: 'read' (or 'readwrite')",
                );
              else if (table === tables.idempotency)
                checkGrant(
                  (fn) => fn.idempotencyTable === 'readwrite',
                  `dynamodb:${op} on table ${table}`,
                  "set idempotencyTable: 'readwrite'",
                );
            } catch (err) {
              if (err instanceof AccessDeniedError) log(`[grants] ${err.message}`);
              throw err;
            }
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'nocturneLocalGrants' },
    );
  };
}

const SFN_ACCESS: Record<string, 'start' | 'read' | 'redrive' | 'stop' | 'callbacks'> = {
  StartExecution: 'start',
  DescribeExecution: 'read',
  GetExecutionHistory: 'read',
  ListExecutions: 'read',
  DescribeStateMachine: 'read',
  ListStateMachines: 'read',
  RedriveExecution: 'redrive',
  StopExecution: 'stop',
  SendTaskSuccess: 'callbacks',
  SendTaskFailure: 'callbacks',
  SendTaskHeartbeat: 'callbacks',
};

/** IAM, locally: a function may call Step Functions only as its catalog entry declares (stateMachines, stepFunctionsCallbacks). */
function sfnGrantMiddleware(service: StepFunctionsService, log: (l: string) => void) {
  return (client: SFNClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const need = SFN_ACCESS[op];
        if (currentInvocation.getStore() && need) {
          const input = args.input as { stateMachineArn?: string; executionArn?: string; taskToken?: string };
          const machine = service.machineNameOf(input);
          const resource = input.stateMachineArn ?? input.executionArn ?? (machine ? `stateMachine:${machine}` : '*');
          try {
            checkGrant(
              (fn) =>
                (need === 'callbacks' && fn.stepFunctionsCallbacks === true) ||
                (machine !== undefined && (fn.stateMachines?.[need] ?? []).includes(machine)) ||
                (op === 'ListStateMachines' && Object.keys(fn.stateMachines ?? {}).length > 0),
              `states:${op} on resource: ${resource}`,
              need === 'callbacks'
                ? `set stateMachines: { callbacks: ['${machine ?? '<machine>'}'] } (or stepFunctionsCallbacks: true)`
                : `set stateMachines: { ${need}: ['${machine ?? '<machine>'}'] }`,
            );
          } catch (err) {
            if (err instanceof AccessDeniedError) log(`[grants] ${err.message}`);
            throw err;
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'nocturneLocalSfnGrants' },
    );
  };
}

const S3_WRITE_OPS = new Set(['PutObject', 'DeleteObject', 'CopyObject', 'CreateMultipartUpload']);
const S3_READ_OPS = new Set(['GetObject', 'HeadObject']);
const S3_LIST_OPS = new Set(['ListObjectsV2', 'ListObjects']);

/** The keys an S3 call touches, each read or written (a listing: its prefix, read). */
function s3CallKeys(op: string, input: Record<string, unknown>): Array<{ key: string; write: boolean }> | undefined {
  if (S3_LIST_OPS.has(op)) return [{ key: typeof input.Prefix === 'string' ? input.Prefix : '', write: false }];
  if (S3_READ_OPS.has(op)) return [{ key: String(input.Key ?? ''), write: false }];
  if (S3_WRITE_OPS.has(op)) return [{ key: String(input.Key ?? ''), write: true }];
  if (op === 'DeleteObjects')
    return ((input.Delete as { Objects?: Array<{ Key?: string }> } | undefined)?.Objects ?? []).map((o) => ({
      key: o.Key ?? '',
      write: true,
    }));
  return undefined;
}

/**
 * IAM, locally: a function may touch a catalog bucket only as its entry's `buckets` grants, down to
 * the key prefixes (mayRead / mayWrite, the rules the CDK statements are built from).
 */
function s3GrantMiddleware(buckets: Map<string, string>, log: (l: string) => void) {
  const byPhysical = new Map([...buckets].map(([name, physical]) => [physical, name]));
  return (client: S3Client) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const op = String(context.commandName ?? '').replace(/Command$/, '');
        const input = args.input as Record<string, unknown> & { Bucket?: string };
        const name = input.Bucket ? byPhysical.get(input.Bucket) : undefined;
        const keys = s3CallKeys(op, input);
        if (currentInvocation.getStore() && name && keys) {
          const action = S3_LIST_OPS.has(op) ? 's3:ListBucket' : `s3:${op}`;
          try {
            for (const { key, write } of keys)
              checkGrant(
                (fn) => (write ? mayWrite : mayRead)(fn.buckets?.[name], key),
                S3_LIST_OPS.has(op)
                  ? `${action} on resource: arn:aws:s3:::${input.Bucket} with s3:prefix ${key || '(none)'}`
                  : `${action} on resource: arn:aws:s3:::${input.Bucket}/${key}`,
                bucketGrantFix(name, currentInvocation.getStore()!.fn.buckets?.[name], key, write),
              );
          } catch (err) {
            if (err instanceof AccessDeniedError) log(`[grants] ${err.message}`);
            throw err;
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'nocturneLocalS3Grants' },
    );
  };
}

export async function startLocalRuntime(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
  if (active)
    throw new Error(
      `A local runtime is already running in this process (${active}); stop it first: handlers share one process.env.`,
    );
  const region = opts.region ?? process.env.AWS_REGION ?? REGION_DEFAULT;
  const dataDir = path.resolve(opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const cat = { ...realCatalog, ...(opts.catalog ?? {}) };
  const functions: FunctionDefinition[] = cat.functions;
  const tables = tableNamesFor(opts.tablePrefix ?? 'nocturne');

  const logs: string[] = [];
  const log = (line: string) => {
    logs.push(line);
    if (logs.length > 2000) logs.splice(0, logs.length - 2000);
    if (!opts.quiet) console.log(line);
  };

  // Every trigger kind must be served here; a new kind breaks this switch at compile time.
  for (const fn of functions)
    for (const t of fn.triggers) {
      switch (t.kind) {
        case 'http':
        case 'schedule':
        case 'event':
        case 'tableStream':
        case 'inboundEmail': // SES → S3 → Lambda in AWS; served here through the function's HTTP route
        case 'deadLetters': // SQS DLQs → Lambda in AWS; served here by the runtime's replay of dlq.jsonl (dead-letters.ts)
        case 'deploy': // a CDK Trigger at the end of each deployment in AWS; invoked here on start (below)
          break;
        default: {
          const unknownKind: never = t;
          throw new Error(`The local runtime does not serve trigger ${JSON.stringify(unknownKind)} of ${fn.name}`);
        }
      }
    }

  const mailboxes = functions.flatMap((fn) =>
    fn.triggers
      .filter((t): t is InboundEmailTrigger => t.kind === 'inboundEmail')
      .map((t) => ({
        function: fn.name,
        prefix: t.prefix,
        routes: fn.triggers.flatMap((r) => (r.kind === 'http' && r.method === 'POST' ? [`${r.method} ${r.path}`] : [])),
      })),
  );
  for (const m of mailboxes)
    if (!m.routes.length)
      log(
        `[email] ${m.function} receives email through SES in AWS, but has no POST route to post raw messages to locally`,
      );

  await ensureTables(opts.dynamoEndpoint, tables, log);
  const s3: LocalS3 = await startLocalS3({
    dataDir,
    buckets: cat.buckets ?? [],
    prefix: opts.tablePrefix ?? 'nocturne',
    port: opts.s3Port,
    host: opts.host,
  });

  const host = new LambdaHost({
    functions,
    region,
    dataDir,
    handlers: opts.handlers,
    timeouts: opts.timeouts,
    asyncRetryDelaysMs: opts.retry?.asyncDelaysMs,
    log,
  });
  // Step Functions: the catalog's machines run here, durable under <dataDir>/stepfunctions/.
  // A test that replaces the functions keeps only the machines whose functions it still has.
  const servable = (cat.stateMachines ?? []).filter((sm) => {
    const missing = Object.values(sm.substitutions).filter((s) => !functions.some((f) => f.name === s.function));
    if (missing.length)
      log(
        `[sfn] state machine ${sm.name} not served: its functions ${missing.map((m) => m.function).join(', ')} are not in this catalog`,
      );
    return !missing.length;
  });
  const machineS3 = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region,
    credentials: LOCAL_ACCESS_KEY,
  });
  const stateMachines = loadLocalMachines(PROJECT_ROOT, servable, functions, region);
  const sfnService = new StepFunctionsService({
    machines: stateMachines,
    dataDir,
    region,
    invoke: (fn, payload, source) => host.invoke(fn, payload, source) as Promise<unknown>,
    timeScale: opts.stepFunctions?.timeScale,
    log,
    // The machine's own S3 client (its role, not a function's): Distributed Map ItemReader / ResultWriter.
    s3: { client: machineS3, buckets: s3.buckets },
  });
  const sfnServer = await startSfnServer(sfnService, { port: opts.stepFunctions?.port, host: opts.host, log });
  const bus = new LocalEventBus(functions, host, { region, busName: cat.busName, dataDir, log });
  const sns = new LocalSns(cat.topics, host, {
    dataDir,
    subscriptions: opts.subscriptions,
    quiet: opts.quiet,
    retryDelaysMs: opts.retry?.snsDelaysMs,
    log,
  });
  const scheduler = new LocalScheduler(functions, host, { region });
  const gateway = new HttpGateway({
    functions,
    host,
    throttle: cat.throttle,
    opsTokens: opts.opsTokens ?? demoOpsTokens,
    region,
    log,
  });
  const ddb = localDynamoClient(opts.dynamoEndpoint);
  const checkpoints = checkpointStore(dataDir);
  const pollers = functions.flatMap((fn) =>
    fn.triggers
      .filter((t): t is TableStreamTrigger => t.kind === 'tableStream')
      .map(
        (t) =>
          new StreamPoller({
            fn,
            batchSize: t.batchSize,
            tableName: tables.main,
            endpoint: opts.dynamoEndpoint,
            region,
            dataDir,
            checkpoints,
            host,
            ddb,
            pollMs: opts.streamPollMs ?? 200,
            itemTypes: t.itemTypes ? new Set(t.itemTypes) : undefined,
            maxAttempts: opts.retry?.streamMaxAttempts,
            retryBaseMs: opts.retry?.streamRetryBaseMs,
            log,
          }),
      ),
  );

  const board = new LocalBoard();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    (board.handles(req) ? board.serve(req, res) : gateway.handle(req, res)).catch((err: unknown) => {
      log(`[http] gateway error: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({ type: 'https://nocturne.dev/problems/internal', title: 'Internal Server Error', status: 500 }),
      );
    });
  };
  const listen = (srv: Server, p: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      // A deep accept queue (Node's default is 511): a burst of connections (1,000 clients at once,
      // bench:orders) waits to be accepted instead of being dropped by the kernel.
      srv.listen({ port: p, host: opts.host ?? '127.0.0.1', backlog: 4096 }, () => {
        srv.removeListener('error', reject);
        resolve((srv.address() as AddressInfo).port);
      });
    });
  const server: Server = createServer(serve);
  const port = await listen(server, opts.port ?? 3000);
  // Opt-in HTTPS beside HTTP, same routes (for clients that insist on https:// URLs).
  let https: LocalRuntime['https'];
  let tlsServer: Server | undefined;
  if (opts.httpsPort !== undefined) {
    const cert = localCertificate(dataDir);
    tlsServer = createHttpsServer({ cert: cert.cert, key: cert.key }, serve);
    const tlsPort = await listen(tlsServer, opts.httpsPort).catch((err: unknown) => {
      server.close();
      throw err;
    });
    https = { url: `https://localhost:${tlsPort}`, port: tlsPort, certFile: cert.certFile };
  }
  const closeTls = () => {
    tlsServer?.close();
    tlsServer?.closeAllConnections();
  };
  const url = `http://localhost:${port}`;
  active = url;

  const external = opts.ocs && 'baseUrl' in opts.ocs ? opts.ocs : undefined;
  const ocs = external
    ? undefined
    : await startOcsSimulator({
        stateFile: path.join(dataDir, 'ocs-simulator.json'),
        ...(opts.ocs as OcsSimulatorOptions),
      });
  const ocsConfig = external ?? { baseUrl: ocs!.url, apiKey: ocs!.apiKey };

  // The environment every handler reads, as the CDK app sets it on each function.
  const env: Record<string, string> = {
    TABLE_NAME: tables.main,
    IDEMPOTENCY_TABLE_NAME: tables.idempotency,
    EVENT_BUS_NAME: cat.busName,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_ACCESS_KEY.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: opts.dynamoEndpoint,
    // Each store attempt gets 10 s here (AWS: 2 s, shared/store/client.ts); decision 0009.
    NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS:
      process.env.NOCTURNE_DYNAMODB_REQUEST_TIMEOUT_MS ?? String(LOCAL_STORE_REQUEST_TIMEOUT_MS),
    // ... and the wait for one of the process's shared sockets as long (LOCAL_STORE_CONNECT_TIMEOUT_MS).
    NOCTURNE_DYNAMODB_CONNECT_TIMEOUT_MS:
      process.env.NOCTURNE_DYNAMODB_CONNECT_TIMEOUT_MS ?? String(LOCAL_STORE_CONNECT_TIMEOUT_MS),
    AWS_ENDPOINT_URL_SFN: sfnServer.endpoint,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    PUBLIC_BASE_URL: url,
    NOCTURNE_DATA_DIR: dataDir,
    NOCTURNE_RUNTIME: 'local',
    OCS_CONFIG: JSON.stringify(ocsConfig),
  };
  for (const t of cat.topics) env[topicEnvName(t.name)] = localTopicArn(t.name);
  for (const m of stateMachines) env[stateMachineEnvName(m.decl.name)] = m.arn;
  for (const [name, physical] of s3.buckets) env[bucketEnvName(name)] = physical;
  // Locally a key is a file under the data dir (shared/adapters/envelope.ts reads `local:<name>`).
  for (const k of cat.keys ?? []) env[keyEnvName(k.name)] = `local:${k.name}`;
  // Per-function environment is merged: one process holds every function.
  for (const fn of functions)
    for (const [k, v] of Object.entries(fn.environment ?? {})) {
      if (k in env && env[k] !== v)
        log(`[env] ${fn.name} sets ${k}=${v}, already ${env[k]}: one process cannot hold both; keeping the first`);
      else env[k] = v;
    }
  const previousEnv = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  if (process.env.AWS_SESSION_TOKEN) delete process.env.AWS_SESSION_TOKEN;

  setEventPublisher(bus);
  setNotifier(sns);
  configureSfnClient(sfnGrantMiddleware(sfnService, log));
  configureS3Client(opts.enforceGrants === false ? () => {} : s3GrantMiddleware(s3.buckets, log));
  configureDynamoClient(opts.enforceGrants === false ? () => {} : tableGrantMiddleware(tables, log));

  const restore = () => {
    setEventPublisher(undefined);
    setNotifier(undefined);
    configureSfnClient(() => {});
    configureS3Client(() => {});
    configureDynamoClient(() => {});
    for (const [k, v] of Object.entries(previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    active = undefined;
  };

  try {
    // A data dir written by an older release: bring its items up to this release before serving
    // (decision 0090). In AWS the same functions run from a CDK Trigger at the end of a deployment.
    for (const fn of functions.filter((f) => f.triggers.some((t) => t.kind === 'deploy'))) {
      const result = (await host.invoke(fn.name, {}, 'deploy').catch((err: unknown) => {
        throw new Error(
          `${fn.name} (run on start, as after a deployment) failed: ${err instanceof Error ? err.message : String(err)}. Nothing was served; fix the cause and start again (each migration resumes where it stopped).`,
          { cause: err },
        );
      })) as { applied?: AppliedMigration[] } | undefined;
      for (const m of result?.applied ?? [])
        if (m.moved || m.skipped) log(`migration ${m.id}: ${m.moved} items moved, ${m.skipped} changed meanwhile`);
    }
    if (opts.seedDemo) await seedDemo({ now: new Date().toISOString(), log, background: opts.schedules !== false });
  } catch (err) {
    server.close();
    server.closeAllConnections();
    closeTls();
    await sfnServer.close();
    machineS3.destroy();
    await s3.stop();
    restore();
    ddb.destroy();
    await ocs?.stop();
    throw err;
  }

  const missingHandlers = () => functions.filter((fn) => !host.isAvailable(fn)).map((fn) => `${fn.name} (${fn.entry})`);
  const missing = missingHandlers();
  if (missing.length) log(`[lambda] not written yet, their triggers answer 500 or wait: ${missing.join(', ')}`);

  if (opts.schedules !== false) scheduler.start();
  for (const p of pollers) p.start();
  // Whatever failed every retry before (this run or an earlier one) is handed back now and periodically.
  const replayer = new DeadLetterReplayer(host, {
    dataDir,
    log,
    maxRedrives: opts.retry?.maxRedrives,
    intervalMs: opts.retry?.deadLetterReplayMs,
  });
  replayer.start();
  // Executions that were running when the runtime last stopped carry on from their journals.
  sfnService.start();

  let stopping: Promise<void> | undefined;
  const drainStreams = async () => {
    for (const p of pollers) await p.drain();
  };

  return {
    url,
    boardUrl: `${url}${BOARD_PATH}`,
    warmBoard: () => board.warm(),
    ocs,
    port,
    https,
    dataDir,
    tables,
    bus,
    sns,
    routes: gateway.routes.map((r) => ({ routeKey: r.routeKey, function: r.fn.name, auth: r.trigger.auth })),
    schedules: scheduler.schedules,
    rules: bus.rules,
    get streams() {
      return pollers.map((p) => ({
        function: p.functionName,
        batchSize: p.batchSize,
        tableName: tables.main,
        status: p.status,
        delivered: p.delivered,
        read: p.read,
        itemTypes: p.itemTypes,
      }));
    },
    mailboxes,
    s3: { endpoint: s3.endpoint, buckets: s3.buckets },
    stepFunctions: {
      endpoint: sfnServer.endpoint,
      machines: stateMachines.map((m) => ({ name: m.decl.name, arn: m.arn })),
      service: sfnService,
    },
    invocations: host.invocations,
    logs,
    missingHandlers,
    preload() {
      const failures: Array<{ function: string; error: string }> = [];
      for (const fn of functions) {
        if (!host.isAvailable(fn)) continue;
        try {
          host.preload(fn.name);
        } catch (err) {
          failures.push({ function: fn.name, error: `${(err as Error).name}: ${(err as Error).message}` });
        }
      }
      return failures;
    },
    invoke: (name, event) => host.invoke(name, event, 'invoke'),
    runSchedule: (name, expression) => scheduler.runNow(name, expression),
    drainStreams,
    replayDeadLetters: () => replayer.replay(),
    async settle() {
      for (let pass = 0; pass < 100; pass++) {
        const before = host.totalInvocations;
        await drainStreams();
        await host.idle();
        if (host.totalInvocations === before) return;
      }
    },
    stop() {
      stopping ??= (async () => {
        server.close();
        server.closeIdleConnections();
        scheduler.stop();
        replayer.stop();
        for (const p of pollers) p.halt();
        await sfnService.shutdown();
        await sfnServer.close();
        const abandoned = await host.shutdown(opts.stopGraceMs ?? 5000);
        if (abandoned) log(`[lambda] stopped with ${abandoned} invocation(s) still running; they were abandoned`);
        await Promise.all(pollers.map((p) => p.stop()));
        server.closeAllConnections();
        closeTls();
        ddb.destroy();
        await ocs?.stop();
        machineS3.destroy();
        await s3.stop();
        restore();
      })();
      return stopping;
    },
  };
}

// `npm start`: all of Nocturne on this machine. Starts DynamoDB Local with its data under
// NOCTURNE_DATA_DIR (default .local/), creates the tables, seeds the demo configuration and
// serves the API on PORT (default 3000). Ctrl-C stops everything, Java included.
import path from 'node:path';
import { demoIntegrations, demoOpsTokens, webhookPathOf } from './demo';
import { LONG_RUNNING_JVM_ARGS, PROJECT_ROOT, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { startLocalRuntime, type LocalRuntime } from './runtime';

async function main(): Promise<void> {
  const started = performance.now();
  const dataDir = path.resolve(PROJECT_ROOT, process.env.NOCTURNE_DATA_DIR ?? '.local');
  const port = Number(process.env.PORT ?? 3000);
  // Filled in as things start; Ctrl-C during start-up stops whatever is up.
  const up: { dynamo?: DynamoDbLocal; runtime?: LocalRuntime } = {};
  let stopping = false;

  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Nocturne...`);
    const force = setTimeout(() => {
      console.error('stop took more than 10 s; exiting anyway');
      process.exit(1);
    }, 10_000);
    force.unref();
    try {
      await up.runtime?.stop();
    } finally {
      await up.dynamo?.stop();
    }
    console.log('stopped.');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  // It serves for as long as Nocturne runs: the full JIT pays off within a minute of load.
  const dynamo = (up.dynamo = await startDynamoDbLocal({
    dataDir: path.join(dataDir, 'dynamodb'),
    jvmArgs: [...LONG_RUNNING_JVM_ARGS],
    startTimeoutMs: 60_000,
  }));
  // Supervision: without its store Nocturne can only answer 503; say so once and stop rather than limp on.
  void dynamo.exited.then(({ code, signal, expected }) => {
    if (expected || stopping) return;
    console.error(
      `\nDynamoDB Local (pid ${dynamo.pid}) exited unexpectedly (code ${code}, signal ${signal}); Nocturne cannot store anything and stops now. ` +
        `Run npm start again: the data under ${path.join(dataDir, 'dynamodb')} is kept, and failed deliveries in dlq.jsonl are replayed at start.`,
    );
    void shutdown('DynamoDB Local exited', 1);
  });
  const runtime = (up.runtime = await startLocalRuntime({
    port,
    host: process.env.HOST,
    // Opt-in HTTPS with a self-signed certificate (infra/local/tls.ts), e.g. HTTPS_PORT=3443.
    httpsPort: process.env.HTTPS_PORT ? Number(process.env.HTTPS_PORT) : undefined,
    dataDir,
    dynamoEndpoint: dynamo.endpoint,
    seedDemo: true,
    // Ctrl-C should be quick: a scheduled handler mid-loop is abandoned, as Lambda would freeze it.
    stopGraceMs: 2000,
    quiet: process.env.NOCTURNE_QUIET === '1',
    // A fixed port (OCS_PORT, default 3100) so the simulator's URL stays the same across restarts.
    ocs: { port: Number(process.env.OCS_PORT ?? 3100), latencyMs: Number(process.env.OCS_LATENCY_MS ?? 0) },
    // S3 API (s3rver), objects under <data dir>/s3; a fixed port when S3_PORT is set.
    s3Port: process.env.S3_PORT ? Number(process.env.S3_PORT) : undefined,
  }));
  if (stopping) return;
  const url = runtime.url;
  const rel = (f: string) => path.relative(process.cwd(), path.join(dataDir, f)) || f;
  const pad = Math.max(...demoIntegrations.map((d) => d.name.length));
  const lines = [
    '',
    `Nocturne is running at ${url}  (started in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    `Command board: ${runtime.boardUrl}  (sign in with an ops token below)   public status page: ${url}/status`,
    ...(runtime.https
      ? [
          `  and at ${runtime.https.url} (self-signed certificate: ${rel(path.relative(dataDir, runtime.https.certFile))})`,
        ]
      : []),
    '',
    'Demo integrations (webhook URL, token):',
    ...demoIntegrations.map((d) => `  ${d.name.padEnd(pad)}  POST ${url}${webhookPathOf(d)}  token ${d.token}`),
    '',
    'Ops API bearer tokens:',
    ...Object.entries(demoOpsTokens).map(
      ([token, who]) =>
        `  ${`${who.groups.join(',')}${who.realm ? `@${who.realm}` : ''}`.padEnd(10)}  Authorization: Bearer ${token}`,
    ),
    '',
    `OCS simulator (charging system of the ocs driver): ${runtime.ocs ? `${runtime.ocs.url}  key ${runtime.ocs.apiKey}  (GET /_sim/subscribers)` : 'external'}`,
    '',
    `S3 (s3rver, objects under ${rel('s3')}): ${runtime.s3.endpoint}  buckets ${[...runtime.s3.buckets.values()].join(', ')}`,
    `Pages and notifications (SNS): ${rel('sns.jsonl')}   bus events: ${rel('events.jsonl')}   failed deliveries: ${rel('dlq.jsonl')}`,
    `HTTP subscribers: ${rel('subscriptions.json')} ([{"topic":"pages","endpoint":"https://..."}])   DynamoDB Local: ${dynamo.endpoint}`,
    '',
    'Try it:',
    `  curl -i -X POST ${url}/hooks/demo-generic \\`,
    `    -H 'Authorization: Bearer demo-generic-token' -H 'Content-Type: application/json' \\`,
    `    -d '{"dedupKey":"disk-full-db1","severity":"critical","summary":"Disk full on db1","service":"billing-db"}'`,
    `  curl -s ${url}/alerts -H 'Authorization: Bearer demo-viewer-token'`,
    '',
    'Ctrl-C to stop.',
  ];
  console.log(lines.join('\n'));
  const missing = runtime.missingHandlers();
  if (missing.length) console.log(`\nNot written yet (their routes answer 500): ${missing.join(', ')}`);
  // Load (compile) every handler now rather than on its first request.
  setImmediate(() => {
    void runtime.warmBoard();
    for (const f of runtime.preload()) console.error(`[lambda] ${f.function} does not load: ${f.error}`);
  });
}

main().catch((err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  const hint = e.code === 'EADDRINUSE' ? ` (port ${process.env.PORT ?? 3000} is taken: set PORT to another one)` : '';
  console.error(`Nocturne could not start: ${e.message}${hint}`);
  process.exit(1);
});

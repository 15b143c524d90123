// npm run bench:join — what one alert joining an incident costs at 10, 1,000 and 20,000 alerts
// already in it. DynamoDB Local and the real incident engine in this process (no HTTP, no
// outbox): the incident is grown to size by writing its memberships directly (batched), then
// JOINS alerts join it through onAlertOpened. Prints requests, write/read units and CPU per join
// for each size and checks that no join failed and that the cost is flat (largest ≤ 2× smallest).
import { BatchWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_RUNNING_JVM_ARGS, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { ensureTables } from '../infra/local/tables';
import { onAlertOpened } from '../shared/app/incidents/engine';
import { addDynamoClientConfigurer, documentClient, tableName } from '../shared/store/client';
import { getIncident } from '../shared/store/incidents';
import { incidentKeys } from '../shared/store/keys';
import { setRules, snap } from '../test/support/incidents';
import { round } from './support';

const SIZES = (process.env.BENCH_SIZES ?? '10,1000,20000').split(',').map(Number);
const JOINS = Number(process.env.BENCH_JOINS ?? 50);

interface Tally {
  requests: Map<string, number>;
  wcu: number;
  rcu: number;
}
const tally: Tally = { requests: new Map(), wcu: 0, rcu: 0 };
let counting = false;

/** Units from ConsumedCapacity (one object, or one per table for transactions). */
function addCapacity(cc: unknown, kind: 'read' | 'write'): void {
  for (const c of (Array.isArray(cc) ? cc : cc ? [cc] : []) as Array<Record<string, number | undefined>>) {
    const units = c.CapacityUnits ?? (kind === 'write' ? c.WriteCapacityUnits : c.ReadCapacityUnits) ?? 0;
    if (kind === 'write') tally.wcu += units;
    else tally.rcu += units;
  }
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/**
 * Grow the incident to `size` alerts as joins leave it: per alert a link item and its key's
 * history item (batched), and the counters on the incident.
 */
async function seed(incidentId: string, size: number, at: string): Promise<void> {
  const items = Array.from({ length: size - 1 }, (_, i) => [
    {
      ...incidentKeys.link(incidentId, `seed-${String(i).padStart(6, '0')}`),
      type: 'IncidentAlert',
      alertId: `seed-${i}`,
      integrationId: 'int-bench',
      dedupKey: `seed-key-${i}`,
      summary: `seeded alert ${i}`,
      severity: 'critical',
      status: 'firing',
      relation: 'member',
      joinedAt: at,
      labels: { alertname: 'JoinBench', host: `node-${i}` },
    },
    {
      ...incidentKeys.keyTransitions(incidentId, `seed-key-${i}`),
      type: 'IncidentKeyTransitions',
      dedupKey: `seed-key-${i}`,
      times: [at],
    },
  ]).flat();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < items.length; i += 25) {
    let request: Record<string, unknown[]> | undefined = {
      [tableName()]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    const p = (async () => {
      while (request && Object.keys(request).length) {
        const r = await documentClient().send(new BatchWriteCommand({ RequestItems: request as never }));
        request = r.UnprocessedItems as Record<string, unknown[]> | undefined;
      }
    })().then(() => void inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 8) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  await documentClient().send(
    new UpdateCommand({
      TableName: tableName(),
      Key: incidentKeys.incident(incidentId),
      UpdateExpression: 'ADD alertCount :n, openAlertCount :n',
      ExpressionAttributeValues: { ':n': size - 1 },
    }),
  );
}

async function main(): Promise<void> {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  const dynamo = await startDynamoDbLocal({ port: 0, jvmArgs: [...LONG_RUNNING_JVM_ARGS], startTimeoutMs: 120_000 });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: 'nocturne-bench-join',
  });
  const results: Record<string, unknown> = {};
  let failed = 0;
  try {
    await ensureTables(dynamo.endpoint, { main: 'nocturne-bench-join', idempotency: 'nocturne-bench-join-idem' });
    addDynamoClientConfigurer((c) =>
      c.middlewareStack.add(
        (next, context) => async (args) => {
          if (!counting) return next(args);
          const op = String(context.commandName ?? '').replace(/Command$/, '');
          tally.requests.set(op, (tally.requests.get(op) ?? 0) + 1);
          (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
          const out = await next(args);
          const cc = (out.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
          addCapacity(cc, WRITES.has(op) ? 'write' : 'read');
          return out;
        },
        { step: 'initialize', name: 'benchJoinCounter', priority: 'high' },
      ),
    );
    await setRules({ defaultRoute: { groupBy: ['alertname'] }, storm: { maxIncidentsPerMinute: 1000 } });
    const base = Date.parse('2026-11-21T06:00:00.000Z');
    // Warm up (JIT, connections) on an incident of its own, so the first size is not charged for it.
    for (let j = 0; j < 20; j++)
      await onAlertOpened(snap({ labels: { alertname: 'JoinWarmUp', host: `w-${j}` } }), new Date(base - 3600_000 + j));
    for (const [n, size] of SIZES.entries()) {
      const t0 = new Date(base + n * 3600_000);
      const alertname = `JoinBench${size}`;
      const first = await onAlertOpened(snap({ labels: { alertname, host: 'node-first' } }), t0);
      const incidentId = first.incidentId!;
      const seedStart = performance.now();
      let seedError: string | undefined;
      try {
        if (size > 1) await seed(incidentId, size, t0.toISOString());
      } catch (err) {
        seedError = (err as Error).message;
      }
      const seedSeconds = (performance.now() - seedStart) / 1000;
      tally.requests.clear();
      tally.wcu = 0;
      tally.rcu = 0;
      counting = true;
      const cpu = process.cpuUsage();
      const wall = performance.now();
      let joined = 0;
      const errors: string[] = [];
      for (let j = 0; j < JOINS; j++) {
        try {
          const r = await onAlertOpened(
            snap({ labels: { alertname, host: `node-join-${j}` } }),
            new Date(t0.getTime() + 1000 + j * 10),
          );
          if (r.incidentId === incidentId) joined++;
          else errors.push(`join ${j}: ${r.kind} ${r.incidentId}`);
        } catch (err) {
          errors.push(`join ${j}: ${(err as Error).message.slice(0, 200)}`);
        }
      }
      const used = process.cpuUsage(cpu);
      const wallMs = performance.now() - wall;
      counting = false;
      failed += JOINS - joined;
      const inc = await getIncident(incidentId);
      const requests = [...tally.requests.values()].reduce((a, b) => a + b, 0);
      results[String(size)] = {
        seedSeconds: round(seedSeconds, 1),
        seedError,
        joined,
        failedJoins: JOINS - joined,
        firstErrors: errors.slice(0, 2),
        alertCountAfter: inc?.alertCount,
        requestsPerJoin: round(requests / JOINS),
        requestsPerJoinByOperation: Object.fromEntries([...tally.requests].map(([k, v]) => [k, round(v / JOINS)])),
        wcuPerJoin: round(tally.wcu / JOINS),
        rcuPerJoin: round(tally.rcu / JOINS),
        cpuMsPerJoin: round((used.user + used.system) / 1000 / JOINS),
        wallMsPerJoin: round(wallMs / JOINS),
      };
    }
  } finally {
    await dynamo.stop();
  }
  const per = (k: string) =>
    SIZES.map((s) => (results[String(s)] as Record<string, number>)[k]).filter((v) => typeof v === 'number');
  const spread = (k: string) => {
    const v = per(k);
    return v.length ? round(Math.max(...v) / Math.max(Math.min(...v), 1e-9)) : 0;
  };
  const flat = { requests: spread('requestsPerJoin'), wcu: spread('wcuPerJoin'), cpu: spread('cpuMsPerJoin') };
  const ok = failed === 0 && flat.requests <= 2 && flat.wcu <= 2;
  console.log(JSON.stringify({ bench: 'join', joinsPerSize: JOINS, sizes: results, maxOverMin: flat, ok }));
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

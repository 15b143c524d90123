// npm run bench:escalation — 10,000 open incidents whose next escalation step is due; one sweep
// of the durable-timer index (the timer-sweeper's sweepOnce, with its production settings) runs
// every step: re-read the incident, resolve the level's people, claim and publish their pages,
// record the step on the timeline with its Incident Escalated change, move the timer on.
// Prints one JSON line: how long the sweep took to issue the pages, and the delay between each
// step's due time and its first page (p50/p99/max). Against DynamoDB Local (in memory), with
// an in-process SNS stand-in that only counts. Knobs: BENCH_INCIDENTS (default 10,000 due steps),
// BENCH_CONCURRENCY (handlers in flight per `DUE#<n>` shard; default the sweeper's production
// setting, SWEEP_SHARD_CONCURRENCY = 4, i.e. 32 in flight over the 8 shards).
// It also prints the sweep's own CPU time per step (this process: our code and the AWS SDK; not
// DynamoDB Local's JVM), which does not depend on the machine's load the way wall time does, and
// DynamoDB Local's CPU time per step apart (its JVM's, from /proc/<pid>/stat).
// BENCH_CPU_PROFILE=<file.cpuprofile> writes a CPU profile of the sweep alone (not the set-up).
// Also prints the DynamoDB requests per step by operation (counted on the client during the
// sweep), the write and read units DynamoDB Local reports consumed per step (its transaction
// units are not AWS's: see writeUnitsNote), and the machine's load (`uptime`) before and after.
// BENCH_GROUP_COMMIT=0 sends every step's transactions on their own (as before decision 0008's
// addendum 2). DynamoDB Local runs with the JVM's full JIT, as `npm start` runs it; BENCH_DYNAMODB_JIT=c1
// keeps it at C1 (the short-lived stores' default, and what `npm start` ran before 2026-12-01).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_JVM_ARGS, LONG_RUNNING_JVM_ARGS, startDynamoDbLocal } from '../infra/local/dynamodb-local';
import { ensureTables } from '../infra/local/tables';

const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 10000);

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** CPU ms of each thread of a process (from /proc/<pid>/task), empty where there is no /proc. */
function threadCpuMs(pid: number | undefined): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, ((Number(f[11]) + Number(f[12])) * 1000) / 100); // utime + stime, in clock ticks of 10 ms
    }
  } catch {
    // no /proc, or the process ended
  }
  return out;
}

const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;

async function main(): Promise<void> {
  const loadBefore = uptime();
  // DynamoDB Local as the local runtime runs it (full JIT); BENCH_DYNAMODB_JIT=c1: C1 only.
  const fullJit = process.env.BENCH_DYNAMODB_JIT !== 'c1';
  const ddb = await startDynamoDbLocal({
    port: 0,
    jvmArgs: [...(fullJit ? LONG_RUNNING_JVM_ARGS : DEFAULT_JVM_ARGS)],
    startTimeoutMs: 120_000,
  });
  const table = `bench-escalation-${Date.now().toString(36)}`;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: table,
    ACT_LINK_SECRET: 'bench-secret',
    PUBLIC_BASE_URL: 'https://noc.example.com',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  try {
    await ensureTables(ddb.endpoint, { main: table, idempotency: `${table}-idempotency` });
    // Loaded after the environment is set (the logger reads its level on import).
    const { setNotifier } = await import('../shared/adapters/notifier');
    const { addDynamoClientConfigurer, documentClient, tableName } = await import('../shared/store/client');
    const { incidentKeys } = await import('../shared/store/keys');
    const { policies, schedules, teamOncall, users } = await import('../shared/store/oncall');
    const { putEscalation, setOncallTransactions } = await import('../shared/store/oncall-pages');
    // BENCH_GROUP_COMMIT=0: every step's transactions on their own (as before decision 0008's addendum 2).
    const groupCommit = process.env.BENCH_GROUP_COMMIT !== '0';
    if (!groupCommit) setOncallTransactions({ maxItems: 1 });
    const { scheduleTimer } = await import('../shared/store/timers');
    const { teams, services } = await import('../shared/store/services');
    const { escalationTimerId, ESCALATION_STEP_TIMER } = await import('../shared/app/oncall/escalation');
    const { sweepOnce, SWEEP_SHARD_CONCURRENCY, ALL_SHARDS } = await import('../functions/timer-sweeper/sweep');
    const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? SWEEP_SHARD_CONCURRENCY);
    const { timerHandlers } = await import('../functions/timer-sweeper/registry');
    const { cpuMsOf, sizeOf } = await import('./support');

    // Prepare: a team, two people, a weekly schedule, a two-level policy (repeat once).
    const setupStarted = performance.now();
    const now = new Date().toISOString();
    await teams.create({ id: 'platform', name: 'Platform' }, now);
    await services.create(
      { id: 'billing-api', name: 'Billing API', teamId: 'platform', tier: 1, slaTarget: 99.95, dependsOn: [] },
      now,
    );
    for (const [id, n] of [
      ['alice', 101],
      ['bob', 102],
    ] as const)
      await users.create(
        {
          id,
          name: id,
          contactMethods: [
            { id: 'phone', type: 'sms', address: `+1555555${String(n).padStart(4, '0')}` },
            { id: 'mail', type: 'email', address: `${id}@example.com` },
          ],
          notificationRules: [],
        },
        now,
      );
    await schedules.create(
      {
        id: 'primary',
        name: 'Primary',
        timeZone: 'Europe/London',
        layers: [
          {
            id: 'w',
            participants: ['alice', 'bob'],
            rotation: { every: 1, unit: 'weeks' },
            start: '2026-01-05T09:00',
            restrictions: [],
          },
        ],
        overrides: [],
      },
      now,
    );
    const policy = await policies.create(
      {
        id: 'default',
        name: 'Default',
        levels: [
          { targets: [{ type: 'schedule', id: 'primary' }], delayMinutes: 5 },
          { targets: [{ type: 'team', id: 'platform' }], delayMinutes: 10 },
        ],
        repeat: 1,
      },
      now,
    );
    await teamOncall.create({ id: 'platform', members: ['bob'], escalationPolicyId: 'default' }, now);

    // 10,000 triggered incidents at level 1, their level 2 due at D. The sweep runs on a clock
    // that reads D the moment it starts, so each delay is measured from the step's due time
    // (as if the sweeper woke exactly then), however long the set-up took.
    const D = Date.now() + 6 * 3600000;
    const due = new Date(D).toISOString();
    const ids = Array.from({ length: INCIDENTS }, (_, i) => `01BENCH${String(i).padStart(19, '0')}`);
    await pool(ids, 32, async (id) => {
      const i = Number(id.slice(7));
      await documentClient().send(
        new PutCommand({
          TableName: tableName(),
          Item: {
            ...incidentKeys.incident(id),
            type: 'Incident',
            id,
            number: i + 1,
            title: `Billing API: ApiErrorRate ${i}`,
            status: 'triggered',
            severity: 'P1',
            serviceId: 'billing-api',
            teamId: 'platform',
            detectedAt: now,
            openedAt: now,
            notifiedAt: now,
            alertCount: 1,
            openAlertCount: 1,
            relatedAlertCount: 0,
            flapping: false,
            storm: false,
            mergedFrom: [],
            routeId: 'default',
            groupKey: `bench-${i}`,
            groupHash: `bench-${i}`,
            grouping: { groupWaitSeconds: 0, groupIntervalSeconds: 300, autoResolve: true, reopenWindowMinutes: 30 },
            revision: 2,
          },
        }),
      );
      await putEscalation({
        incidentId: id,
        epoch: 2,
        policyId: policy.id,
        policyName: policy.name,
        levels: policy.levels,
        repeat: policy.repeat,
        status: 'active',
        next: { round: 1, level: 2, dueAt: due },
        last: { round: 1, level: 1, at: now, paged: 1 },
        startedAt: now,
        updatedAt: now,
      });
      await scheduleTimer({
        id: escalationTimerId(id, 2),
        kind: ESCALATION_STEP_TIMER,
        dueAt: due,
        payload: { incidentId: id, epoch: 2, round: 1, level: 2 },
      });
    });
    const setupMs = performance.now() - setupStarted;

    // Act: one sweep, with an SNS stand-in that notes when each incident's first page went out.
    const firstPage = new Map<string, number>();
    let pages = 0;
    setNotifier({
      async publish(n) {
        pages++;
        const incident = n.attributes?.incident ?? '';
        if (!firstPage.has(incident)) firstPage.set(incident, Date.now());
        return { messageId: String(pages) };
      },
    });
    const requests = new Map<string, number>();
    // Write units as AWS bills them, counted here per item (DynamoDB Local's own figure for a
    // transaction is not per item: see writeUnitsNote): 1 per KB of the item (the larger of before
    // and after for a put; for an update and a condition check the item as last read or written;
    // an update's added bytes are not counted), twice for an item of a transaction. Table units
    // only: index copies are not counted.
    const sizes = new Map<string, number>();
    const keyOf = (k: Record<string, unknown>) => `${String(k.pk)}\u0000${String(k.sk)}`;
    const kb = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
    const remember = (out: Record<string, unknown>) => {
      const items = [
        ...((out.Items as Record<string, unknown>[] | undefined) ?? []),
        ...(out.Item ? [out.Item as Record<string, unknown>] : []),
        ...Object.values((out.Responses as Record<string, Record<string, unknown>[]> | undefined) ?? {}).flat(),
      ];
      for (const i of items) if (i.pk !== undefined && i.sk !== undefined) sizes.set(keyOf(i), sizeOf(i));
    };
    const billedByItem = new Map<string, number>();
    const itemUnits = (kind: string, w: Record<string, unknown>, factor: number): number => {
      const item = (w.Item ?? w.Key ?? {}) as Record<string, unknown>;
      let units: number;
      if (kind === 'Put') {
        const size = sizeOf(item);
        const before = sizes.get(keyOf(item)) ?? 0;
        sizes.set(keyOf(item), size);
        units = kb(Math.max(size, before)) * factor;
      } else {
        const known = sizes.get(keyOf(item));
        units = kb(known ?? sizeOf(item) + sizeOf(w.ExpressionAttributeValues ?? {})) * factor;
      }
      // By kind of write and item (`Check INCIDENT`, `Put PAGE`, ...), to see where the units go.
      const label = `${kind === 'ConditionCheck' ? 'Check' : kind} ${String(item.sk).split('#')[0]}`;
      if (counting) billedByItem.set(label, (billedByItem.get(label) ?? 0) + units);
      return units;
    };
    const billedUnits = (op: string, input: Record<string, unknown>): number => {
      if (op === 'PutItem') return itemUnits('Put', input, 1);
      if (op === 'UpdateItem' || op === 'DeleteItem') return itemUnits('Update', input, 1);
      if (op === 'TransactWriteItems')
        return ((input.TransactItems ?? []) as Array<Record<string, Record<string, unknown>>>)
          .flatMap((t) => Object.entries(t))
          .reduce((n, [kind, w]) => n + itemUnits(kind, w, 2), 0);
      if (op === 'BatchWriteItem')
        return Object.values(
          (input.RequestItems ?? {}) as Record<string, Array<Record<string, Record<string, unknown>>>>,
        )
          .flat()
          .reduce(
            (n, r) => n + (r.PutRequest ? itemUnits('Put', r.PutRequest, 1) : itemUnits('Delete', r.DeleteRequest!, 1)),
            0,
          );
      return 0;
    };
    let billedWriteUnits = 0;
    let writeUnits = 0;
    let readUnits = 0;
    let counting = false;
    type Consumed = { WriteCapacityUnits?: number; ReadCapacityUnits?: number; CapacityUnits?: number };
    addDynamoClientConfigurer((c) =>
      c.middlewareStack.add(
        (next, context) => async (args) => {
          if (!counting) return next(args);
          const op = String(context.commandName ?? '').replace(/Command$/, '');
          requests.set(op, (requests.get(op) ?? 0) + 1);
          (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
          billedWriteUnits += billedUnits(op, args.input as Record<string, unknown>);
          const out = await next(args);
          remember(out.output as unknown as Record<string, unknown>);
          const consumed = (out.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
          for (const u of [consumed ?? []].flat()) {
            // A transaction or a write reports write units; reads report read units (or only CapacityUnits).
            if (u.WriteCapacityUnits !== undefined || u.ReadCapacityUnits !== undefined) {
              writeUnits += u.WriteCapacityUnits ?? 0;
              readUnits += u.ReadCapacityUnits ?? 0;
            } else if (/Get|Query|Scan/.test(op)) readUnits += u.CapacityUnits ?? 0;
            else writeUnits += u.CapacityUnits ?? 0;
          }
          return out;
        },
        { step: 'initialize', name: 'benchCounter' },
      ),
    );
    const profileTo = process.env.BENCH_CPU_PROFILE;
    const inspector = profileTo ? new Session() : undefined;
    if (inspector) {
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
    }
    counting = true;
    const cpu0 = process.cpuUsage();
    const jvmCpu0 = cpuMsOf(ddb.pid);
    const threads0 = threadCpuMs(ddb.pid);
    const started = performance.now();
    const offset = D - Date.now();
    const result = await sweepOnce(() => new Date(Date.now() + offset), {
      handlers: timerHandlers,
      concurrency: CONCURRENCY,
    });
    const sweepMs = performance.now() - started;
    const cpu = process.cpuUsage(cpu0);
    const jvmCpu1 = cpuMsOf(ddb.pid);
    const threads1 = threadCpuMs(ddb.pid);
    counting = false;
    if (inspector && profileTo) {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(profileTo, JSON.stringify(profile));
      inspector.disconnect();
    }
    const perStep = (n: number) => Math.round((n / Math.max(1, result.ran)) * 100) / 100;
    const byOperation = Object.fromEntries([...requests].sort().map(([op, n]) => [op, perStep(n)]));
    const allRequests = [...requests.values()].reduce((a, b) => a + b, 0);

    // Assess
    const delays = [...firstPage.values()].map((t) => t + offset - D).sort((a, b) => a - b);
    const missing = INCIDENTS - firstPage.size;
    console.log(
      JSON.stringify({
        bench: 'escalation',
        incidents: INCIDENTS,
        stepsRun: result.ran,
        stepsFailed: result.failed,
        incidentsWithoutPage: missing,
        pagesIssued: pages,
        sweepShards: ALL_SHARDS.length,
        sweepConcurrencyPerShard: CONCURRENCY,
        handlersInFlight: ALL_SHARDS.length * CONCURRENCY,
        sweepSeconds: Math.round(sweepMs) / 1000,
        stepsPerSecond: Math.round(result.ran / (sweepMs / 1000)),
        pagesPerSecond: Math.round(pages / (sweepMs / 1000)),
        dueToFirstPageMs: {
          min: delays[0] ?? 0,
          p50: pct(delays, 0.5),
          p99: pct(delays, 0.99),
          max: delays.at(-1) ?? 0,
        },
        sweepCpuMsPerStep: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(1, result.ran)) * 100) / 100,
        dynamodbLocalCpuMsPerStep:
          jvmCpu0 === undefined || jvmCpu1 === undefined
            ? null
            : Math.round(((jvmCpu1 - jvmCpu0) / Math.max(1, result.ran)) * 100) / 100,
        // DynamoDB Local runs its storage work on one thread: its busiest thread's CPU over the sweep.
        dynamodbLocalBusiestThreadShare:
          Math.round(
            (Math.max(0, ...[...threads1].map(([tid, ms]) => ms - (threads0.get(tid) ?? 0))) / sweepMs) * 100,
          ) / 100,
        groupCommit,
        dynamodbLocalJit: fullJit ? 'full' : 'C1 only (-XX:TieredStopAtLevel=1)',
        dynamodbRequestsPerStep: perStep(allRequests),
        dynamodbRequestsPerStepByOperation: byOperation,
        billedWriteUnitsPerStep: perStep(billedWriteUnits),
        billedWriteUnitsPerStepByItem: Object.fromEntries(
          [...billedByItem].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, perStep(n)]),
        ),
        dynamodbWriteUnitsPerStep: perStep(writeUnits),
        // Measured (issue 15): DynamoDB Local reports a transaction's units as 4 × the sum over the
        // distinct sizes of its items (equal-sized items count once; a ConditionCheck counts 1 unit
        // whatever the item's size), not per item as AWS bills them. The figure is comparable only
        // between runs whose transactions hold the same items: with group commit it understates.
        writeUnitsNote: groupCommit
          ? 'as DynamoDB Local reports them: understated when steps share transactions; BENCH_GROUP_COMMIT=0 gives the per-step transactions (AWS bills the same items either way)'
          : 'as DynamoDB Local reports them for per-step transactions (not AWS billing: see the comment in bench/escalation.ts)',
        dynamodbReadUnitsPerStep: perStep(readUnits),
        setupSeconds: Math.round(setupMs) / 1000,
        uptimeBefore: loadBefore,
        uptimeAfter: uptime(),
        store: 'DynamoDB Local 1.25, in memory, one JVM on this machine',
        note: 'every step due at the same instant, so the delay is queueing behind one sweep (8 shards, each with its own handlers in flight); steps written ahead wake the sweeper at their due time (decision 0017)',
      }),
    );
  } finally {
    await ddb.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Probes and job monitoring against DynamoDB Local, through the handlers and the store: the ops
// API (roles, validation, optimistic locking, 404s), probe rounds (fan-out, claims, results,
// flips), job pings (unknown keys, counts), lateness through the durable timers with an injected
// clock, the built-in alert integration, and availability.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeEvent } from 'aws-lambda';
import type { BusEvent } from '../../shared/adapters/events';
import { ensureTables } from '../../infra/local/tables';
import { handler as opsProbes } from '../../functions/ops-probes/handler';
import { handler as pings } from '../../functions/pings/handler';
import { handler as availabilityApi } from '../../functions/availability/handler';
import { handler as probeAlerts } from '../../functions/probe-alerts/handler';
import { handler as worker } from '../../functions/probe-worker/handler';
import { runProbeBatch } from '../../functions/probe-worker/round';
import { scheduleRound } from '../../functions/probe-scheduler/schedule';
import { eventsForChange } from '../../functions/outbox/mappers';
import { sweepOnce } from '../../functions/timer-sweeper/sweep';
import { timerHandlers } from '../../functions/timer-sweeper/registry';
import { PROBES_INTEGRATION_ID } from '../../shared/domain/probes/alerts';
import type { ProbeBatchDetail } from '../../shared/domain/probes/rounds';
import { getLiveAlert, listAlerts } from '../../shared/store/alerts';
import { listFlips } from '../../shared/store/probe-history';
import { checkJobOnTimer } from '../../shared/app/probes/timers';
import { getJob, jobTimerId, recordPing } from '../../shared/store/probe-jobs';
import { syncSubjectAlerts } from '../../shared/app/probes/alert-sync';
import { claimProbeRound, claimProbeRounds, dueProbes, getProbe, recordProbeResult } from '../../shared/store/probes';
import { services } from '../../shared/store/services';
import { addDynamoClientConfigurer, documentClient } from '../../shared/store/client';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call } from '../support/http-event';

jest.setTimeout(60_000);

// A table of our own: rounds read every due probe of the table.
const previousTable = process.env.TABLE_NAME;
beforeAll(async () => {
  const name = `nocturne-probes-${process.pid}-${Date.now().toString(36)}`;
  await ensureTables(process.env.AWS_ENDPOINT_URL_DYNAMODB!, { main: name, idempotency: `${name}-idem` });
  process.env.TABLE_NAME = name;
});
afterAll(() => {
  process.env.TABLE_NAME = previousTable;
});

let server: http.Server;
let base: string;
let healthy = true;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/health' && healthy) return res.end('{"status":"ok"}');
    res.statusCode = 503;
    res.end('{"status":"down"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** What the outbox and the bus do with a subject's flips: each becomes an event for probe-alerts. */
async function deliverFlips(kind: 'probe' | 'job', id: string): Promise<void> {
  const flips = await listFlips(kind, id, 50);
  for (const f of flips.items.reverse()) {
    const item = { type: 'ProbeFlip', subjectName: id, ...f };
    for (const ev of eventsForChange(undefined, item)) {
      const event = {
        version: '0',
        id: 'e',
        'detail-type': ev.detailType,
        source: ev.source,
        account: '0',
        time: '',
        region: 'us-east-1',
        resources: [],
        detail: ev.detail,
      };
      await probeAlerts(event as unknown as Parameters<typeof probeAlerts>[0]);
    }
  }
}

const mins = (base: Date, m: number) => new Date(base.getTime() + m * 60_000);

describe('probes ops API', () => {
  it('creates a probe (admin), names bad fields (422), refuses a viewer (403)', async () => {
    const bad = await call(opsProbes, {
      routeKey: 'POST /probes',
      role: 'admin',
      body: { kind: 'http', name: 'x', url: 'nope', intervalMinutes: 0 },
    });
    expect(bad.status).toBe(422);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['intervalMinutes', 'url']);

    const viewer = await call(opsProbes, {
      routeKey: 'POST /probes',
      role: 'viewer',
      body: { kind: 'tcp', name: 'x', host: 'db', port: 5432 },
    });
    expect(viewer.status).toBe(403);

    const created = await call(opsProbes, {
      routeKey: 'POST /probes',
      role: 'admin',
      body: {
        id: 'api-test-probe',
        kind: 'http',
        name: 'API',
        url: `${base}/health`,
        service: 'ops-api-test',
        intervalMinutes: 1,
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.location).toBe('/probes/api-test-probe');
    expect(created.body).toEqual(
      expect.objectContaining({
        id: 'api-test-probe',
        version: 1,
        status: 'new',
        state: expect.objectContaining({ status: 'new' }),
      }),
    );

    const dup = await call(opsProbes, {
      routeKey: 'POST /probes',
      role: 'admin',
      body: { id: 'api-test-probe', kind: 'tcp', name: 'x', host: 'db', port: 1 },
    });
    expect(dup.status).toBe(409);
  });

  it('reads, lists by service, and 404s unknown ids', async () => {
    expect(
      (await call(opsProbes, { routeKey: 'GET /probes/{id}', params: { id: 'api-test-probe' }, role: 'viewer' }))
        .status,
    ).toBe(200);
    const list = await call(opsProbes, { routeKey: 'GET /probes', query: { service: 'ops-api-test' }, role: 'viewer' });
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual(['api-test-probe']);
    const missing = await call(opsProbes, { routeKey: 'GET /probes/{id}', params: { id: 'no-such' }, role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body.detail).toBe('No probe with id no-such.');
    expect(
      (await call(opsProbes, { routeKey: 'POST /probes/{id}/pause', params: { id: 'no-such' }, role: 'responder' }))
        .status,
    ).toBe(404);
  });

  it('edits under optimistic locking: a stale version is 409, an invalid result 422', async () => {
    const ok = await call(opsProbes, {
      routeKey: 'PATCH /probes/{id}',
      params: { id: 'api-test-probe' },
      role: 'admin',
      body: { version: 1, timeoutSeconds: 5 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(expect.objectContaining({ version: 2, timeoutSeconds: 5 }));
    const stale = await call(opsProbes, {
      routeKey: 'PATCH /probes/{id}',
      params: { id: 'api-test-probe' },
      role: 'admin',
      body: { version: 1, timeoutSeconds: 6 },
    });
    expect(stale.status).toBe(409);
    const invalid = await call(opsProbes, {
      routeKey: 'PATCH /probes/{id}',
      params: { id: 'api-test-probe' },
      role: 'admin',
      body: { version: 2, timeoutSeconds: 99 },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([expect.objectContaining({ field: 'timeoutSeconds' })]);
    const kind = await call(opsProbes, {
      routeKey: 'PATCH /probes/{id}',
      params: { id: 'api-test-probe' },
      role: 'admin',
      body: { version: 2, kind: 'tcp' },
    });
    expect(kind.status).toBe(422);
    expect(kind.body.errors).toEqual([expect.objectContaining({ field: 'kind' })]);
  });

  it('responders pause and resume; viewers cannot', async () => {
    expect(
      (await call(opsProbes, { routeKey: 'POST /probes/{id}/pause', params: { id: 'api-test-probe' }, role: 'viewer' }))
        .status,
    ).toBe(403);
    const paused = await call(opsProbes, {
      routeKey: 'POST /probes/{id}/pause',
      params: { id: 'api-test-probe' },
      role: 'responder',
    });
    expect(paused.body).toEqual(expect.objectContaining({ status: 'paused', version: 3 }));
    expect((await dueProbes(new Date(Date.now() + 3600_000))).map((d) => d.id)).not.toContain('api-test-probe');
    const resumed = await call(opsProbes, {
      routeKey: 'POST /probes/{id}/resume',
      params: { id: 'api-test-probe' },
      role: 'responder',
    });
    expect(resumed.body).toEqual(expect.objectContaining({ status: 'new', version: 4 }));
    const flips = await call(opsProbes, {
      routeKey: 'GET /probes/{id}/flips',
      params: { id: 'api-test-probe' },
      role: 'viewer',
    });
    expect(flips.body.items.map((f: { to: string }) => f.to)).toEqual(['new', 'paused']);
  });

  it('deletes (admin) and the id is gone', async () => {
    expect(
      (await call(opsProbes, { routeKey: 'DELETE /probes/{id}', params: { id: 'api-test-probe' }, role: 'admin' }))
        .status,
    ).toBe(204);
    expect(
      (await call(opsProbes, { routeKey: 'GET /probes/{id}', params: { id: 'api-test-probe' }, role: 'viewer' }))
        .status,
    ).toBe(404);
  });
});

describe('probe rounds', () => {
  const published: BusEvent[] = [];
  const publisher = { publish: async (events: BusEvent[]) => void published.push(...events) };

  beforeAll(async () => {
    for (let i = 0; i < 30; i++)
      expect(
        (
          await call(opsProbes, {
            routeKey: 'POST /probes',
            role: 'admin',
            body: {
              id: `round-${i}`,
              kind: 'http',
              name: `Round ${i}`,
              url: `${base}/health`,
              service: 'round-svc',
              intervalMinutes: 1,
              failuresBeforeDown: 2,
            },
          })
        ).status,
      ).toBe(201);
  });

  it('the scheduler fans the due probes out in batches; workers check and record them', async () => {
    const t0 = new Date();
    // Batches of 25 here so that 30 probes make two (the production size is PROBE_BATCH_SIZE, 200).
    const r = await scheduleRound(t0, publisher, 25);
    expect(r).toEqual({ due: 30, batches: 2 });
    expect(published.map((e) => [e.source, e.detailType, (e.detail as ProbeBatchDetail).probes.length])).toEqual([
      ['nocturne.probe-scheduler', 'Probe Batch Due', 25],
      ['nocturne.probe-scheduler', 'Probe Batch Due', 5],
    ]);
    const results = await Promise.all(
      published.map((e) => worker({ detail: e.detail } as EventBridgeEvent<string, ProbeBatchDetail>)),
    );
    expect(results.reduce((a, b) => a + b!.recorded, 0)).toBe(30);
    const p = await getProbe('round-0');
    expect(p?.state).toEqual(expect.objectContaining({ status: 'up', consecutiveSuccesses: 1 }));
    expect(p?.status).toBe('up');
    // Nothing is due right after a round.
    expect((await dueProbes(new Date())).filter((d) => d.id.startsWith('round-'))).toEqual([]);
  });

  it('a duplicate batch event checks nothing twice', async () => {
    const again = await worker({ detail: published[1]!.detail } as EventBridgeEvent<string, ProbeBatchDetail>);
    expect(again).toEqual(expect.objectContaining({ claimed: 0, skipped: 5, recorded: 0 }));
  });

  it('a claimed round whose worker died is run again by the retry', async () => {
    const later = mins(new Date(), 2);
    const due = (await dueProbes(later)).find((d) => d.id === 'round-1')!;
    expect(await claimProbeRound(due.id, due.dueAt, later)).toBeDefined(); // the worker that dies
    const retry = await runProbeBatch([due], { clock: () => later });
    expect(retry).toEqual(expect.objectContaining({ claimed: 1, recorded: 1 }));
    const dup = await runProbeBatch([due], { clock: () => later });
    expect(dup).toEqual(expect.objectContaining({ claimed: 0, skipped: 1 }));
  });

  it('claims rounds together, and one by one when one of them is paused between the read and the claim', async () => {
    const later = mins(new Date(), 10);
    const ids = ['round-4', 'round-5', 'round-6'];
    const due = (await dueProbes(later)).filter((d) => ids.includes(d.id)).sort((a, b) => a.id.localeCompare(b.id));
    expect(due.map((d) => d.id)).toEqual(ids);
    // round-5 is paused after the rounds were read, just before their claims reach the table.
    let paused = false;
    const stop = addDynamoClientConfigurer((c) =>
      c.middlewareStack.add(
        (next) => async (args) => {
          const input = JSON.stringify(args.input);
          if (!paused && input.includes('TransactItems') && input.includes('PROBE#round-5')) {
            paused = true;
            await call(opsProbes, {
              routeKey: 'POST /probes/{id}/pause',
              params: { id: 'round-5' },
              role: 'responder',
            });
          }
          return next(args);
        },
        { step: 'initialize', name: 'pauseMeanwhile' },
      ),
    );
    try {
      const rounds = await claimProbeRounds(due, later);
      expect(paused).toBe(true);
      expect(rounds.map((r) => r?.definition.id)).toEqual(['round-4', undefined, 'round-6']);
      const stored = await getProbe('round-4');
      expect(rounds[0]!.state).toEqual(
        expect.objectContaining({ nextDueAt: stored!.state.nextDueAt, roundDue: due[0]!.dueAt }),
      );
      expect(stored!.state.nextDueAt! > due[0]!.dueAt).toBe(true);
    } finally {
      stop();
    }
    // A round recorded is not claimed again (a duplicate batch); all free: one transaction.
    const free = (await dueProbes(mins(later, 5))).filter((d) => ['round-7', 'round-8'].includes(d.id));
    const both = await runProbeBatch(free, { clock: () => mins(later, 5) });
    expect(both).toEqual(expect.objectContaining({ claimed: 2, recorded: 2 }));
    expect(await claimProbeRounds(free, mins(later, 5))).toEqual([undefined, undefined]);
  });

  it('two failed rounds take a probe down, the flip becomes a critical alert, recovery resolves it', async () => {
    healthy = false;
    let now = mins(new Date(), 5);
    for (let round = 0; round < 2; round++) {
      const due = (await dueProbes(now)).filter((d) => d.id === 'round-2');
      expect(due).toHaveLength(1);
      await runProbeBatch(due, { clock: () => now });
      now = mins(now, 1.5);
    }
    const down = await getProbe('round-2');
    expect(down?.state).toEqual(
      expect.objectContaining({ status: 'down', reason: 'status 503, expected 2xx', consecutiveFailures: 2 }),
    );
    await deliverFlips('probe', 'round-2');
    const live = await getLiveAlert(PROBES_INTEGRATION_ID, 'probe:round-2');
    expect(live).toEqual(
      expect.objectContaining({
        status: 'firing',
        severity: 'critical',
        service: 'round-svc',
        summary: 'Probe Round 2 is down: status 503, expected 2xx',
        labels: expect.objectContaining({ probe: 'round-2', kind: 'http', service: 'round-svc', condition: 'status' }),
      }),
    );
    healthy = true;
    const due = (await dueProbes(now)).filter((d) => d.id === 'round-2');
    await runProbeBatch(due, { clock: () => now });
    expect((await getProbe('round-2'))?.status).toBe('up');
    await deliverFlips('probe', 'round-2');
    expect(await getLiveAlert(PROBES_INTEGRATION_ID, 'probe:round-2')).toBeUndefined();
    const results = await call(opsProbes, {
      routeKey: 'GET /probes/{id}/results',
      params: { id: 'round-2' },
      role: 'viewer',
      query: { limit: '2' },
    });
    expect(results.body.items.map((r: { ok: boolean }) => r.ok)).toEqual([true, false]);
  });

  it('a result that loses the race with a pause is dropped, nothing half-written', async () => {
    const later = mins(new Date(), 20);
    const due = (await dueProbes(later)).find((d) => d.id === 'round-3')!;
    const round = (await claimProbeRound(due.id, due.dueAt, later))!;
    await call(opsProbes, { routeKey: 'POST /probes/{id}/pause', params: { id: 'round-3' }, role: 'responder' });
    const r = await recordProbeResult(round, { ok: false, reason: 'x', at: later.toISOString() });
    expect(r.recorded).toBe(false);
    expect((await getProbe('round-3'))?.state.status).toBe('paused');
  });
});

describe('jobs: pings, lateness and alerts', () => {
  let jobId: string;
  let key: string;

  it('registers a job and returns its ping URLs', async () => {
    const r = await call(opsProbes, {
      routeKey: 'POST /jobs',
      role: 'admin',
      body: {
        name: 'Nightly billing extract',
        type: 'Extract',
        category: 'Billing',
        activity: 'Extracts rated usage to the billing generic format',
        team: 'billing-ops',
        service: 'billing',
        schedule: { kind: 'period', minutes: 60 },
        graceMinutes: 10,
        errorRatio: { warningPercent: 5, criticalPercent: 10, minVolume: 100 },
      },
    });
    expect(r.status).toBe(201);
    jobId = r.body.id;
    key = r.body.pingKey;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(r.body.pingUrls).toEqual({
      success: `/pings/${key}`,
      start: `/pings/${key}/start`,
      fail: `/pings/${key}/fail`,
    });
    expect(r.body.state.status).toBe('new');
  });

  it('an unknown ping key is a 404 problem', async () => {
    const r = await call(pings, { routeKey: 'GET /pings/{key}', params: { key: '0123456789abcdef0123456789abcdef' } });
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/problem+json');
    expect((await call(pings, { routeKey: 'POST /pings/{key}/fail', params: { key: 'short' } })).status).toBe(404);
  });

  it('bad counts are a 422 naming the field, and nothing is recorded', async () => {
    const r = await call(pings, {
      routeKey: 'GET /pings/{key}',
      params: { key },
      query: { processed: '10', errored: 'many' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ field: 'errored' })]);
    expect((await getJob(jobId))?.state.lastPingAt).toBeUndefined();
  });

  it('start then success (GET with counts, POST with a text log) make it up, with a timer at the expected time', async () => {
    expect((await call(pings, { routeKey: 'GET /pings/{key}/start', params: { key } })).status).toBe(200);
    const ok = await call(pings, {
      routeKey: 'POST /pings/{key}',
      params: { key },
      query: { processed: '1000', errored: '3' },
      headers: { 'content-type': 'text/plain' },
      body: 'extracted 1000 rows\n'.repeat(200),
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(expect.objectContaining({ ok: true, received: 'success', status: 'up' }));
    const job = (await getJob(jobId))!;
    expect(job.state).toEqual(
      expect.objectContaining({
        status: 'up',
        errorLevel: 'ok',
        lastRun: expect.objectContaining({ processed: 1000, errored: 3 }),
      }),
    );
    const list = await call(opsProbes, { routeKey: 'GET /jobs/{id}/pings', params: { id: jobId }, role: 'viewer' });
    expect(list.body.items.map((p: { kind: string }) => p.kind)).toEqual(['success', 'start']);
    expect(list.body.items[0].log).toHaveLength(1000);
    const timer = await documentClient().send(
      new QueryCommand({
        TableName: process.env.TABLE_NAME,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `TIMER#${jobTimerId(jobId)}` },
      }),
    );
    expect(timer.Items?.[0]).toEqual(expect.objectContaining({ kind: 'probe-job-check', dueAt: job.state.expectedAt }));
  });

  it('a job that stops pinging is late at the expected time and down after the grace, through the timer sweep', async () => {
    const expectedAt = new Date((await getJob(jobId))!.state.expectedAt!);
    const late = await sweepOnce(() => mins(expectedAt, 0.1), { handlers: timerHandlers });
    expect(late.ran).toBe(1);
    expect((await getJob(jobId))?.state).toEqual(expect.objectContaining({ status: 'late', reason: 'not-on-time' }));
    await deliverFlips('job', jobId);
    expect(await getLiveAlert(PROBES_INTEGRATION_ID, `job:${jobId}`)).toEqual(
      expect.objectContaining({
        severity: 'error',
        labels: expect.objectContaining({
          job: jobId,
          type: 'Extract',
          category: 'Billing',
          team: 'billing-ops',
          service: 'billing',
        }),
      }),
    );

    await sweepOnce(() => mins(expectedAt, 10.1), { handlers: timerHandlers });
    expect((await getJob(jobId))?.state.status).toBe('down');
    await deliverFlips('job', jobId);
    const live = await getLiveAlert(PROBES_INTEGRATION_ID, `job:${jobId}`);
    expect(live).toEqual(expect.objectContaining({ severity: 'critical', count: 2 }));

    // The timer is idempotent: running the check again changes nothing.
    expect(await checkJobOnTimer(jobId, mins(expectedAt, 11))).toEqual({ flips: [] });
  });

  it('its next success resolves the alert; a bad error ratio raises its own', async () => {
    const r = await recordPing(jobId, { kind: 'success', processed: 1000, errored: 150 }, new Date());
    expect(r?.job.state).toEqual(expect.objectContaining({ status: 'up', errorLevel: 'critical' }));
    await deliverFlips('job', jobId);
    expect(await getLiveAlert(PROBES_INTEGRATION_ID, `job:${jobId}`)).toBeUndefined();
    expect(await getLiveAlert(PROBES_INTEGRATION_ID, `job:${jobId}:errors`)).toEqual(
      expect.objectContaining({ severity: 'error' }),
    );
    const resolved = await listAlerts({
      status: 'resolved',
      integrationId: PROBES_INTEGRATION_ID,
      since: new Date(Date.now() - 3600_000),
      until: new Date(Date.now() + 60_000),
      limit: 50,
    });
    expect(resolved.items.map((a) => a.dedupKey)).toContain(`job:${jobId}`);
  });

  it('alert sync converges: replaying the same flips sends nothing more', async () => {
    expect(await syncSubjectAlerts('job', jobId)).toEqual({ sent: [] });
  });

  it('pausing resolves its alerts; deleting stops its ping URL', async () => {
    const paused = await call(opsProbes, {
      routeKey: 'POST /jobs/{id}/pause',
      params: { id: jobId },
      role: 'responder',
    });
    expect(paused.body.state.status).toBe('paused');
    await deliverFlips('job', jobId);
    expect(await getLiveAlert(PROBES_INTEGRATION_ID, `job:${jobId}:errors`)).toBeUndefined();
    const stale = await call(opsProbes, {
      routeKey: 'PATCH /jobs/{id}',
      params: { id: jobId },
      role: 'admin',
      body: { version: 1, graceMinutes: 20 },
    });
    expect(stale.status).toBe(409);
    const edited = await call(opsProbes, {
      routeKey: 'PATCH /jobs/{id}',
      params: { id: jobId },
      role: 'admin',
      body: { version: paused.body.version, graceMinutes: 20 },
    });
    expect(edited.status).toBe(200);
    expect(edited.body.graceMinutes).toBe(20);
    const rotated = await call(opsProbes, {
      routeKey: 'POST /jobs/{id}/rotate-key',
      params: { id: jobId },
      role: 'admin',
    });
    expect(rotated.body.pingKey).not.toBe(key);
    expect((await call(pings, { routeKey: 'GET /pings/{key}', params: { key } })).status).toBe(404);
    expect((await call(pings, { routeKey: 'GET /pings/{key}', params: { key: rotated.body.pingKey } })).status).toBe(
      200,
    );
    expect(
      (await call(opsProbes, { routeKey: 'DELETE /jobs/{id}', params: { id: jobId }, role: 'admin' })).status,
    ).toBe(204);
    expect((await call(pings, { routeKey: 'GET /pings/{key}', params: { key: rotated.body.pingKey } })).status).toBe(
      404,
    );
    expect((await call(opsProbes, { routeKey: 'GET /jobs/{id}', params: { id: jobId }, role: 'viewer' })).status).toBe(
      404,
    );
  });
});

describe('availability', () => {
  beforeAll(async () => {
    const now = new Date().toISOString();
    await services.create(
      {
        id: 'avail-svc',
        name: 'Availability service',
        teamId: 'billing-ops',
        tier: 1,
        slaTarget: 99.95,
        dependsOn: [],
      },
      now,
    );
    await call(opsProbes, {
      routeKey: 'POST /probes',
      role: 'admin',
      body: {
        id: 'avail-probe',
        kind: 'tcp',
        name: 'Avail',
        host: '127.0.0.1',
        port: 1,
        service: 'avail-svc',
        failuresBeforeDown: 1,
      },
    });
  });

  it('counts the minutes a probe of the service was down, against its SLA', async () => {
    // Prepare: one failed and one good round, 30 minutes apart, early last month.
    const today = new Date();
    const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - 1, 1));
    const month = monthStart.toISOString().slice(0, 7);
    const t1 = mins(monthStart, 60);
    const t2 = mins(monthStart, 90);
    const due = (await dueProbes(new Date())).find((d) => d.id === 'avail-probe')!;
    const fail = (await claimProbeRound('avail-probe', due.dueAt, t1))!;
    await recordProbeResult(fail, { ok: false, reason: 'connection refused', at: t1.toISOString() });
    const st = (await getProbe('avail-probe'))!;
    const good = (await claimProbeRound('avail-probe', st.state.nextDueAt!, t2))!;
    await recordProbeResult(good, { ok: true, reason: 'connected', at: t2.toISOString() });

    // Act
    const r = await call(availabilityApi, {
      routeKey: 'GET /services/{id}/availability',
      params: { id: 'avail-svc' },
      query: { month },
      role: 'viewer',
    });

    // Assess
    expect(r.status).toBe(200);
    expect(r.body).toEqual(
      expect.objectContaining({
        serviceId: 'avail-svc',
        month,
        downtimeMinutes: 30,
        slaTarget: 99.95,
        slaMet: false,
        probeCount: 1,
      }),
    );
    expect(r.body.intervals).toEqual([expect.objectContaining({ minutes: 30, sources: ['probe:avail-probe'] })]);
    const summary = await call(availabilityApi, {
      routeKey: 'GET /reports/availability',
      query: { month },
      role: 'viewer',
    });
    expect(summary.body.breached).toContain('avail-svc');
  });

  it('validates the month and 404s an unknown service', async () => {
    const bad = await call(availabilityApi, {
      routeKey: 'GET /services/{id}/availability',
      params: { id: 'avail-svc' },
      query: { month: '2026-13' },
      role: 'viewer',
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([expect.objectContaining({ field: 'month' })]);
    const future = await call(availabilityApi, {
      routeKey: 'GET /reports/availability',
      query: { month: '2999-01' },
      role: 'viewer',
    });
    expect(future.status).toBe(422);
    expect(
      (
        await call(availabilityApi, {
          routeKey: 'GET /services/{id}/availability',
          params: { id: 'nope' },
          role: 'viewer',
        })
      ).status,
    ).toBe(404);
  });
});

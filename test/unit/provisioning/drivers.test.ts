// The ocs and webhook drivers against real HTTP servers (the OCS simulator, a signed-webhook
// receiver): idempotency by operation key, transient vs permanent errors, signing.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOcsSimulator, type OcsSimulator } from '../../../infra/local/ocs-simulator';
import { OcsDriver } from '../../../shared/adapters/drivers/ocs';
import { signWebhook, verifyWebhookSignature, WebhookDriver } from '../../../shared/adapters/drivers/webhook';
import {
  PermanentDriverError,
  TransientDriverError,
  type DriverRequest,
} from '../../../shared/domain/provisioning/driver';

const now = new Date('2026-11-30T01:00:00Z');
const req = (over: Partial<DriverRequest> = {}): DriverRequest => ({
  operationKey: 'op-1',
  customerId: 'cust-1',
  subscriptionId: 'sub-1',
  serviceId: 'sub-1.mobile',
  featureId: 'mobile',
  plan: {
    offeringId: 'mobile-m',
    allowance: { dataMb: 10240, voiceMinutes: 500 },
    spendCap: { unit: 'EUR', value: 50 },
  },
  now,
  ...over,
});

describe('ocs driver with the OCS simulator', () => {
  let sim: OcsSimulator;
  let driver: OcsDriver;
  beforeAll(async () => {
    sim = await startOcsSimulator({ hangMs: 2000 });
    driver = new OcsDriver(() => ({ baseUrl: sim.url, apiKey: sim.apiKey, timeoutMs: 300 }));
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());

  it('creates a subscriber with plan, allowances and spend cap, then suspends, resumes and deletes it', async () => {
    const r = await driver.provision(req());
    expect(r).toMatchObject({ status: 'done', externalId: 'sub-1.mobile' });
    expect(sim.subscribers()).toEqual([
      expect.objectContaining({
        subscriberId: 'sub-1.mobile',
        customerId: 'cust-1',
        state: 'active',
        plan: req().plan,
      }),
    ]);
    await driver.suspend(req({ operationKey: 'op-2', externalId: r.externalId }));
    expect(sim.subscribers()[0]!.state).toBe('suspended');
    await driver.resume(req({ operationKey: 'op-3', externalId: r.externalId }));
    expect(sim.subscribers()[0]!.state).toBe('active');
    await driver.modify(
      req({ operationKey: 'op-4', plan: { offeringId: 'mobile-l', spendCap: { unit: 'EUR', value: 80 } } }),
    );
    expect(sim.subscribers()[0]!.plan.offeringId).toBe('mobile-l');
    expect((await driver.verify(req({ operationKey: 'op-5' }))).details).toMatchObject({ present: true });
    await driver.deprovision(req({ operationKey: 'op-6' }));
    expect(sim.subscribers()).toHaveLength(0);
    expect((await driver.verify(req({ operationKey: 'op-7' }))).details).toMatchObject({ present: false });
  });

  it('a retried call with the same operation key does nothing twice', async () => {
    await driver.provision(req());
    await driver.provision(req());
    expect(sim.subscribers()).toHaveLength(1);
    expect(sim.calls().createSubscriber).toBe(2);
  });

  it('an answer lost after the change was applied is safe to retry (Idempotency-Key replay)', async () => {
    sim.configure({ faults: [{ operation: 'createSubscriber', kind: 'error5xx', phase: 'after', times: 1 }] });
    await expect(driver.provision(req())).rejects.toBeInstanceOf(TransientDriverError);
    expect(sim.subscribers()).toHaveLength(1);
    await expect(driver.provision(req())).resolves.toMatchObject({ status: 'done' });
    expect(sim.subscribers()).toHaveLength(1);
  });

  it('5xx and timeouts are transient; a rejected request is permanent', async () => {
    sim.configure({ faults: [{ operation: 'createSubscriber', kind: 'error5xx', times: 1 }] });
    const e1 = await driver.provision(req()).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(TransientDriverError);
    expect((e1 as Error).name).toBe('TransientDriverError');

    sim.configure({ faults: [{ operation: 'createSubscriber', kind: 'timeout', times: 1 }] });
    const e2 = await driver.provision(req({ operationKey: 'op-t' })).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(TransientDriverError);
    expect((e2 as Error).message).toMatch(/no answer within 300 ms/);

    sim.configure({ faults: [{ operation: 'createSubscriber', kind: 'reject' }] });
    const e3 = await driver.provision(req({ operationKey: 'op-r' })).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(PermanentDriverError);
    expect(e3).toMatchObject({ name: 'PermanentDriverError', code: 'REJECTED' });
    expect(sim.subscribers()).toHaveLength(0);
  });

  it('an unreachable OCS is transient; no configuration is permanent', async () => {
    const down = new OcsDriver(() => ({ baseUrl: 'http://127.0.0.1:1', apiKey: 'x', timeoutMs: 300 }));
    await expect(down.provision(req())).rejects.toBeInstanceOf(TransientDriverError);
    const none = new OcsDriver(() => undefined);
    await expect(none.provision(req())).rejects.toMatchObject({ name: 'PermanentDriverError', code: 'NOT_CONFIGURED' });
  });

  it('deprovisioning a subscriber that is not there succeeds (compensation runs blindly)', async () => {
    await expect(driver.deprovision(req())).resolves.toMatchObject({ status: 'done', details: { existed: false } });
  });

  it('a create the driver gave up on that lands after its compensation is refused: nothing remains (tombstone)', async () => {
    // A saturated OCS: the create is applied 1 s after it arrived, long after the driver's 300 ms timeout.
    sim.configure({ faults: [{ operation: 'createSubscriber', kind: 'delay', delayMs: 1000, times: 1 }] });
    const create = req({ operationKey: 'order-1:do:line:provision' });
    await expect(driver.provision(create)).rejects.toBeInstanceOf(TransientDriverError);
    // The saga compensates at once: the delete, naming the create it undoes, finds nothing yet.
    const undo = await driver.deprovision(
      req({ operationKey: 'order-1:undo:line:deprovision', undoes: create.operationKey }),
    );
    expect(undo).toMatchObject({ status: 'done', details: { existed: false } });
    expect(sim.tombstones()).toHaveProperty([create.operationKey]);
    // The late create arrives (1 s after it was sent; later on a busy machine): refused, nothing is left.
    for (let waited = 0; !sim.calls()['refused:cancelled'] && waited < 20_000; waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    expect(sim.calls()['refused:cancelled']).toBe(1);
    expect(sim.subscribers()).toEqual([]);
    // A retry of the cancelled create (same key) is refused too, as a permanent error.
    await expect(driver.provision(create)).rejects.toMatchObject({
      name: 'PermanentDriverError',
      code: 'OPERATION_CANCELLED',
    });
    expect(sim.subscribers()).toEqual([]);
    expect((await driver.verify(req({ operationKey: 'order-1:verify' }))).details).toMatchObject({ present: false });
  });

  it('an undo after the create landed deletes it, and the create replayed later stays undone', async () => {
    const create = req({ operationKey: 'order-2:do:line:provision' });
    await driver.provision(create);
    await driver.deprovision(req({ operationKey: 'order-2:undo:line:deprovision', undoes: create.operationKey }));
    expect(sim.subscribers()).toEqual([]);
    // Without the tombstone the Idempotency-Key replay would answer 201 for a subscriber that is gone.
    await expect(driver.provision(create)).rejects.toMatchObject({ code: 'OPERATION_CANCELLED' });
    expect(sim.subscribers()).toEqual([]);
  });

  it('faults at a seeded rate hit the same calls on every run', async () => {
    const run = async () => {
      sim.reset();
      sim.configure({ seed: 42, faults: [{ kind: 'reject', rate: 0.3 }] });
      const out: boolean[] = [];
      for (let i = 0; i < 20; i++)
        out.push(
          await driver.provision(req({ operationKey: `k${i}`, serviceId: `s${i}` })).then(
            () => true,
            () => false,
          ),
        );
      return out;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a.filter((x) => !x).length).toBeGreaterThan(0);
    expect(a.filter((x) => x).length).toBeGreaterThan(0);
  });
});

describe('webhook driver', () => {
  let server: Server;
  let url: string;
  const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
  let nextStatus = 200;
  beforeAll(async () => {
    server = createServer((rq, rs) => {
      const chunks: Buffer[] = [];
      rq.on('data', (c: Buffer) => chunks.push(c));
      rq.on('end', () => {
        received.push({ headers: rq.headers, body: Buffer.concat(chunks).toString('utf8') });
        rs.writeHead(nextStatus, { 'content-type': 'application/json' });
        rs.end(JSON.stringify({ externalId: 'mailbox-7' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received.length = 0;
    nextStatus = 200;
  });

  const driver = new WebhookDriver(() => 'test-secret', 1000);

  it('signs the body with HMAC-SHA256 and sends the operation key as Idempotency-Key', async () => {
    const r = await driver.provision(req({ config: { url } }));
    expect(r).toMatchObject({ status: 'done', externalId: 'mailbox-7' });
    const got = received[0]!;
    expect(got.headers['idempotency-key']).toBe('op-1');
    const nowSec = Math.floor(now.getTime() / 1000);
    expect(verifyWebhookSignature('test-secret', String(got.headers['x-nocturne-signature']), got.body, nowSec)).toBe(
      true,
    );
    expect(verifyWebhookSignature('other-secret', String(got.headers['x-nocturne-signature']), got.body, nowSec)).toBe(
      false,
    );
    expect(
      verifyWebhookSignature('test-secret', String(got.headers['x-nocturne-signature']), got.body + ' ', nowSec),
    ).toBe(false);
    expect(
      verifyWebhookSignature('test-secret', String(got.headers['x-nocturne-signature']), got.body, nowSec + 3600),
    ).toBe(false);
    expect(JSON.parse(got.body)).toMatchObject({
      operation: 'provision',
      customerId: 'cust-1',
      serviceId: 'sub-1.mobile',
    });
  });

  it('a stable signature for a given body and time', () => {
    expect(signWebhook('s', '{}', 1700000000)).toBe(signWebhook('s', '{}', 1700000000));
    expect(signWebhook('s', '{}', 1700000000)).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('classifies 503 and 429 as transient, 400 as permanent, and a 404 on deprovision as done', async () => {
    nextStatus = 503;
    await expect(driver.provision(req({ config: { url } }))).rejects.toBeInstanceOf(TransientDriverError);
    nextStatus = 429;
    await expect(driver.suspend(req({ config: { url } }))).rejects.toBeInstanceOf(TransientDriverError);
    nextStatus = 400;
    await expect(driver.provision(req({ config: { url } }))).rejects.toBeInstanceOf(PermanentDriverError);
    nextStatus = 404;
    await expect(driver.deprovision(req({ config: { url } }))).resolves.toMatchObject({ status: 'done' });
  });

  it('a feature without a URL is a permanent error', async () => {
    await expect(driver.provision(req({ config: {} }))).rejects.toMatchObject({
      name: 'PermanentDriverError',
      code: 'NOT_CONFIGURED',
    });
  });
});

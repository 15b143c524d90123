// Change and terminate orders end to end through the local runtime (the order-change-services and
// order-terminate state machines), and a manual step nobody answers: its Task times out and the
// order is rolled back cleanly. One runtime for the file; Step Functions durations run 50× faster
// and the manual timeout is a minute of state-machine time (about a second of real time).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerPartition } from '../../shared/store/customers';
import { givenOrderCatalog, newCustomerOrderBody, type OrderCatalogFixture } from '../support/orders';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

const AGENT = 'demo-responder-token';
const TIME_SCALE = 0.02;

let rt: TestRuntime;
let cat: OrderCatalogFixture;
let hooks: Server;
let webhookCalls = 0;
const previousTimeout = process.env.ORDER_MANUAL_TIMEOUT_SECONDS;

beforeAll(async () => {
  // Read when an order is accepted: a manual step waits 60 s of state-machine time.
  process.env.ORDER_MANUAL_TIMEOUT_SECONDS = '60';
  // The voicemail add-on's back end: answers every signed webhook call.
  hooks = createServer((req, res) => {
    webhookCalls += 1;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  rt = await startTestRuntime({
    seedDemo: true,
    dataDir: tempDataDir(),
    tablePrefix: uniqueTablePrefix(),
    stepFunctions: { timeScale: TIME_SCALE },
  } as Parameters<typeof startTestRuntime>[0]);
  cat = await givenOrderCatalog({ webhookUrl: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/voicemail` });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  hooks?.close();
  if (previousTimeout === undefined) delete process.env.ORDER_MANUAL_TIMEOUT_SECONDS;
  else process.env.ORDER_MANUAL_TIMEOUT_SECONDS = previousTimeout;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Json });
const place = (body: unknown) => rt.request('POST', '/productOrder', { token: AGENT, body }).then(json);
const read = (id: string) => rt.request('GET', `/productOrder/${id}`, { token: AGENT }).then(json);
const settled = (o: Json) =>
  ['completed', 'partial', 'cancelled'].includes(o.state) || (o.state === 'failed' && !o.failure?.redrivable);

async function until(id: string, done: (o: Json) => boolean, timeoutMs = 30_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await read(id);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`order ${id} stayed ${body.state}: ${JSON.stringify(body.failure)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function placeAndSettle(body: unknown): Promise<Json> {
  const placed = await place(body);
  expect(placed.status).toBe(201);
  return until(placed.body.id, settled);
}

const subscribersOf = (customerId: string) => rt.ocs!.subscribers().filter((s) => s.customerId === customerId);

describe('change and terminate orders through the local runtime', () => {
  let customerId: string;
  let planSub: string;
  let voicemailSub: string;

  beforeAll(async () => {
    rt.ocs!.configure({ faults: [] });
    const done = await placeAndSettle(newCustomerOrderBody(cat));
    expect(done.state).toBe('completed');
    customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    planSub = `sub-${String(done.id).toLowerCase()}-1`;
  }, 60_000);

  it('adds a service, then removes it (order-change-services)', async () => {
    const calls = webhookCalls;
    const added = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'add', productOffering: { id: cat.voicemail } }],
    });
    expect(added).toMatchObject({ kind: 'addService', state: 'completed' });
    const after = await customerPartition(customerId);
    const sub = after.subscriptions.find((s) => s.offeringId === cat.voicemail);
    expect(sub).toBeDefined();
    voicemailSub = sub!.id;
    expect(after.services.filter((s) => s.subscriptionId === voicemailSub).map((s) => s.state)).toEqual(['active']);

    const removed = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'delete', product: { id: voicemailSub } }],
    });
    expect(removed).toMatchObject({ kind: 'removeService', state: 'completed' });
    // Its back end was called to provision it and to deprovision it.
    expect(webhookCalls).toBe(calls + 2);
    const gone = await customerPartition(customerId);
    expect(gone.subscriptions.find((s) => s.id === voicemailSub && s.offeringId === cat.voicemail)).toBeUndefined();
  });

  it('changes the plan, suspends and resumes the line (order-change-services)', async () => {
    const changed = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'modify', product: { id: planSub }, productOffering: { id: cat.planL } }],
    });
    expect(changed).toMatchObject({ kind: 'changePlan', state: 'completed' });
    expect((await customerPartition(customerId)).subscriptions.find((s) => s.id === planSub)?.offeringId).toBe(
      cat.planL,
    );

    const suspended = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'modify', product: { id: planSub, status: 'suspended' } }],
    });
    expect(suspended).toMatchObject({ kind: 'suspend', state: 'completed' });
    const s = await customerPartition(customerId);
    expect(s.services.filter((x) => x.subscriptionId === planSub).map((x) => x.state)).toEqual(['suspended']);

    const resumed = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'modify', product: { id: planSub, status: 'active' } }],
    });
    expect(resumed).toMatchObject({ kind: 'resume', state: 'completed' });
    const r = await customerPartition(customerId);
    expect(r.services.filter((x) => x.subscriptionId === planSub).map((x) => x.state)).toEqual(['active']);
  });

  it('terminates the customer: every service removed, the OCS line gone, the account closed (order-terminate)', async () => {
    expect(subscribersOf(customerId)).toHaveLength(1);
    const ended = await placeAndSettle({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'delete', product: { id: planSub } }],
    });
    expect(ended).toMatchObject({ kind: 'terminate', state: 'completed' });
    expect(subscribersOf(customerId)).toEqual([]);
    const { customer, services } = await customerPartition(customerId);
    expect(customer).toMatchObject({ status: 'closed' });
    expect(services.every((x) => x.state === 'terminated')).toBe(true);
    // A terminated product cannot be changed: refused before anything starts.
    const again = await place({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [{ id: '1', action: 'modify', product: { id: planSub, status: 'suspended' } }],
    });
    expect(again.status).toBe(422);
  });
});

describe('a manual step nobody answers', () => {
  it('times out and the order is rolled back: failed, nothing left in the OCS or the store', async () => {
    rt.ocs!.configure({ faults: [] });
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery] }));
    expect(placed.status).toBe(201);
    const done = await until(placed.body.id, settled);
    // It was held on the manual step's ticket until the step timed out.
    expect(done.history.map((h: Json) => h.to)).toContain('held');
    expect(done.state).toBe('failed');
    expect(done.failure).toMatchObject({ redrivable: false });
    expect(JSON.stringify(done.failure)).toMatch(/Timeout/);
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
    expect((await customerPartition(customerId)).customer).toBeUndefined();
  });
});

// Product orders end to end through the local runtime: the HTTP API, the order state machines on
// the local Step Functions engine, the order-steps function, the customer store, the OCS simulator,
// tickets for manual steps, and the outbox's ProductOrderStateChangeEvents. Every path of the
// saga: happy, OCS down then back (retries), permanent OCS rejection (compensation leaves nothing),
// manual step resolved and rejected, restart while held, cancel while in progress, redrive, and
// bad input that starts nothing. Step Functions durations run 50× faster (timeScale); the OCS is
// the simulator the runtime starts (its state survives the restart).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { customerPartition } from '../../shared/store/customers';
import { givenOrderCatalog, newCustomerOrderBody, type OrderCatalogFixture } from '../support/orders';
import { startTestRuntime, tempDataDir, uniqueTablePrefix, type TestRuntime } from '../support/local';

const AGENT = 'demo-responder-token';
const VIEWER = 'demo-viewer-token';
const TIME_SCALE = 0.02;

let rt: TestRuntime;
let hooks: Server;
let webhookCalls = 0;
let hookGate: { promise: Promise<number>; open: (status: number) => void } | undefined;
function holdWebhooks() {
  // Calls made while the gate is closed get the status it opens with; later calls (the undo) get 200.
  let answer!: (status: number) => void;
  const promise = new Promise<number>((r) => (answer = r));
  const gate = {
    promise,
    open: (status: number) => {
      hookGate = undefined;
      answer(status);
    },
  };
  hookGate = gate;
  return gate;
}
let cat: OrderCatalogFixture;
const dataDir = tempDataDir();
const tablePrefix = uniqueTablePrefix();

const start = () =>
  startTestRuntime({ seedDemo: true, dataDir, tablePrefix, stepFunctions: { timeScale: TIME_SCALE } } as Parameters<
    typeof startTestRuntime
  >[0]);

beforeAll(async () => {
  hooks = createServer((req, res) => {
    webhookCalls += 1;
    req.resume();
    req.on('end', () => {
      // A test may hold the webhook's answer until it opens the gate (and choose the status).
      void (hookGate?.promise ?? Promise.resolve(200)).then((status) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}'),
      );
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  rt = await start();
  cat = await givenOrderCatalog({ webhookUrl: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/voicemail` });
}, 60_000);

afterAll(async () => {
  await rt?.stop();
  hooks?.close();
});

const ocs = () => rt.ocs!;
beforeEach(() => {
  ocs().configure({ faults: [] });
  hookGate = undefined;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const json = async (r: Response) => ({ status: r.status, body: (await r.json()) as Json });
const place = (body: unknown, headers: Record<string, string> = {}) =>
  rt.request('POST', '/productOrder', { token: AGENT, body, headers }).then(json);
const read = (id: string) => rt.request('GET', `/productOrder/${id}`, { token: VIEWER }).then(json);

async function until(id: string, done: (o: Json) => boolean, timeoutMs = 30_000): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await read(id);
    if (done(body)) return body;
    if (Date.now() > deadline)
      throw new Error(
        `order ${id} stayed ${body.state}: ${JSON.stringify({ steps: body.steps, failure: body.failure })}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}
const settled = (o: Json) => ['completed', 'partial', 'failed', 'cancelled'].includes(o.state);
const subscribersOf = (customerId: string) =>
  ocs()
    .subscribers()
    .filter((s) => s.customerId === customerId);
const stateEvents = (id: string) =>
  rt
    .busEvents()
    .filter(
      (e) => e['detail-type'] === 'ProductOrderStateChangeEvent' && (e.detail as Json).event.productOrder.id === id,
    )
    .map((e) => `${(e.detail as Json).change.from ?? ''}>${(e.detail as Json).change.to}`);

async function resolveTicket(ticketId: string, code: 'done' | 'rejected') {
  const t = await rt.request('GET', `/tickets/${ticketId}`, { token: AGENT }).then(json);
  const r = await rt
    .request('PATCH', `/tickets/${ticketId}`, {
      token: AGENT,
      body: {
        version: t.body.version,
        resolution: { code, note: code === 'done' ? 'SIM posted' : 'address does not exist' },
      },
    })
    .then(json);
  expect(r.status).toBe(200);
}

/**
 * A new-customer order whose manual SIM delivery a person completed, then whose voicemail webhook
 * is refused for good (it answers only when the gate opens): the order is rolled back and waits on
 * the ticket that asks a person to undo the SIM delivery.
 */
async function rollingBackAfterManualStep(): Promise<{ placed: { body: Json }; held: Json; undoing: Json }> {
  const gate = holdWebhooks();
  const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery, cat.voicemail] }));
  const held = await until(placed.body.id, (o) => o.state === 'held');
  await resolveTicket(held.heldOn[0].ticketId, 'done');
  await until(placed.body.id, (o) => o.state === 'inProgress');
  gate.open(422);
  const undoing = await until(
    placed.body.id,
    (o) => o.state === 'held' && o.heldOn[0].stateName === 'UndoManualService',
  );
  return { placed, held, undoing };
}

describe('product orders through the local runtime', () => {
  it('happy path: customer, OCS line, add-on by webhook, notified; every state change is one event', async () => {
    const before = webhookCalls;
    const placed = await place(
      newCustomerOrderBody(cat, { addOns: [cat.voicemail], externalId: `happy-${tablePrefix}` }),
    );
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ kind: 'newCustomer', '@type': 'ProductOrder' });
    // The answer shows the order as stored when it returns: its execution may already have moved it on.
    expect(['acknowledged', 'inProgress']).toContain(placed.body.state);
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('completed');
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toHaveLength(1);
    expect(webhookCalls).toBe(before + 1);
    const { customer, services } = await customerPartition(customerId);
    expect(customer).toMatchObject({ status: 'active', paymentMethod: 'cash' });
    expect(services.map((s) => s.state)).toEqual(['active', 'active']);
    expect(done.steps.map((s: Json) => s.name)).toEqual(
      expect.arrayContaining([
        'Validate',
        'CreateCustomer',
        'CreditCheck',
        'ActivateOnNetwork',
        'EnableServices',
        'Complete',
      ]),
    );
    expect(done.steps.every((s: Json) => s.status === 'succeeded')).toBe(true);
    expect(done.history.map((h: Json) => h.to)).toEqual(['acknowledged', 'inProgress', 'completed']);
    await rt.settle();
    expect(stateEvents(placed.body.id)).toEqual(['>acknowledged', 'acknowledged>inProgress', 'inProgress>completed']);
    expect(
      rt
        .snsMessages()
        .filter((m) => m.topic === 'notifications' && m.attributes.orderId === placed.body.id)
        .map((m) => m.attributes.audience)
        .sort(),
    ).toEqual(['customer', 'requester']);
  });

  it('bad input starts nothing: unknown offering, malformed body, duplicate externalId', async () => {
    const calls = JSON.stringify(ocs().calls());
    const unknown = await place({
      ...newCustomerOrderBody(cat),
      productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'no-such-plan' } }],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      { field: 'productOrderItem.0.productOffering.id', message: 'No product offering no-such-plan in the catalog.' },
    ]);
    const malformed = await place({ ...newCustomerOrderBody(cat), productOrderItem: [{ id: '1', action: 'upgrade' }] });
    expect(malformed.status).toBe(422);
    expect(malformed.body.errors[0].field).toBe('productOrderItem.0.action');
    const dup = await place(newCustomerOrderBody(cat, { externalId: `happy-${tablePrefix}` }));
    expect(dup.status).toBe(409);
    expect(dup.body.errors).toEqual([
      { field: 'externalId', message: expect.stringContaining('already used by order') },
    ]);
    expect(JSON.stringify(ocs().calls())).toBe(calls);
    const list = await rt.request('GET', '/productOrder?limit=200', { token: VIEWER }).then(json);
    expect(list.body.items).toHaveLength(1);
  });

  it('OCS down, then back: the step is retried with back-off and the order completes', async () => {
    ocs().configure({ faults: [{ operation: 'createSubscriber', kind: 'error5xx', times: 2 }] });
    const placed = await place(newCustomerOrderBody(cat));
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('completed');
    expect(done.steps.find((s: Json) => s.name === 'ActivateOnNetwork')).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      error: expect.stringContaining('TransientDriverError'),
    });
  });

  it('permanent OCS rejection: every completed step undone, nothing left in the OCS or the store', async () => {
    ocs().configure({ faults: [{ operation: 'createSubscriber', kind: 'reject' }] });
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.voicemail] }));
    const done = await until(placed.body.id, settled);
    expect(done).toMatchObject({
      state: 'failed',
      failure: { error: 'PermanentDriverError', step: 'activateNetwork', redrivable: false },
    });
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
    expect((await customerPartition(customerId)).customer).toBeUndefined();
    expect(done.steps.map((s: Json) => s.name)).toEqual(
      expect.arrayContaining(['UndoNetwork', 'UndoPayment', 'UndoCustomer', 'Finish']),
    );
  });

  it('a manual step holds the order on a ticket; resolved, the order completes', async () => {
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery] }));
    const held = await until(placed.body.id, (o) => o.state === 'held');
    expect(held.heldOn).toEqual([
      expect.objectContaining({ stateName: 'ManualService', ticketId: expect.any(String) }),
    ]);
    expect(JSON.stringify(held)).not.toMatch(/taskToken|heldTokens/);
    await resolveTicket(held.heldOn[0].ticketId, 'done');
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('completed');
    expect(done.history.map((h: Json) => h.to)).toEqual([
      'acknowledged',
      'inProgress',
      'held',
      'inProgress',
      'completed',
    ]);
  });

  it('a manual step marked irrecoverable (ticket rejected) rolls the order back', async () => {
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery] }));
    const held = await until(placed.body.id, (o) => o.state === 'held');
    await resolveTicket(held.heldOn[0].ticketId, 'rejected');
    const done = await until(placed.body.id, settled);
    expect(done).toMatchObject({ state: 'failed', failure: { redrivable: false } });
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
    expect((await customerPartition(customerId)).customer).toBeUndefined();
  });

  it('rollback after a manual step was done: a person undoes it on a second ticket, then the order fails clean', async () => {
    const { placed, held, undoing } = await rollingBackAfterManualStep();
    const undoTicket = undoing.heldOn[0].ticketId as string;
    expect(undoTicket).not.toBe(held.heldOn[0].ticketId);
    const ticket = await rt.request('GET', `/tickets/${undoTicket}`, { token: AGENT }).then(json);
    expect(ticket.body.subject).toMatch(/^Remove /);
    await resolveTicket(undoTicket, 'done');
    const done = await until(placed.body.id, settled);
    expect(done).toMatchObject({ state: 'failed', failure: { redrivable: false } });
    expect(done.outstandingUndo).toBeUndefined();
    expect(done.history.map((h: Json) => h.to)).toEqual([
      'acknowledged',
      'inProgress',
      'held',
      'inProgress',
      'held',
      'inProgress',
      'failed',
    ]);
    expect(done.history.at(-1).reason).toMatch(/every completed step was undone$/);
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
    expect((await customerPartition(customerId)).customer).toBeUndefined();
  });

  it('rollback: a manual undo nobody confirms stays on the order, with its ticket, and the rest is undone', async () => {
    const { placed, undoing } = await rollingBackAfterManualStep();
    // The person says it cannot be undone: the rollback goes on and names what is left.
    await resolveTicket(undoing.heldOn[0].ticketId, 'rejected');
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('failed');
    expect(done.outstandingUndo).toEqual([
      expect.objectContaining({ stateName: 'UndoManualService', ticketId: undoing.heldOn[0].ticketId }),
    ]);
    expect(done.history.at(-1).reason).toMatch(/1 manual step\(s\) nobody confirmed undone/);
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
  });

  it('cancel while in progress (held): compensated and cancelled; a completed order cannot be cancelled', async () => {
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery] }));
    await until(placed.body.id, (o) => o.state === 'held');
    const cancel = await rt
      .request('POST', '/cancelProductOrder', {
        token: AGENT,
        body: { productOrder: { id: placed.body.id }, cancellationReason: 'customer changed their mind' },
      })
      .then(json);
    expect(cancel.status).toBe(201);
    expect(cancel.body).toMatchObject({ state: 'inProgress', '@type': 'CancelProductOrder' });
    const done = await until(placed.body.id, settled);
    expect(done).toMatchObject({ state: 'cancelled', cancellationReason: 'customer changed their mind' });
    const customerId = done.relatedParty.find((p: Json) => p.role === 'customer').id;
    expect(subscribersOf(customerId)).toEqual([]);
    expect(
      (await rt.request('GET', `/cancelProductOrder/${cancel.body.id}`, { token: VIEWER }).then(json)).body.state,
    ).toBe('done');
    const again = await rt
      .request('POST', '/cancelProductOrder', { token: AGENT, body: { productOrder: { id: placed.body.id } } })
      .then(json);
    expect(again.status).toBe(409);
  });

  it('retries run out: the order fails redrivable at its step; after the OCS is back, a redrive completes it', async () => {
    ocs().configure({ faults: [{ operation: 'createSubscriber', kind: 'error5xx' }] });
    const placed = await place(newCustomerOrderBody(cat));
    const failed = await until(placed.body.id, (o) => o.state === 'failed');
    expect(failed.failure).toMatchObject({ redrivable: true, step: 'ActivateOnNetwork' });
    ocs().configure({ faults: [] });
    const redriven = await rt.request('POST', `/productOrder/${placed.body.id}/redrive`, { token: AGENT }).then(json);
    expect(redriven.status).toBe(202);
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('completed');
    expect(done.steps.filter((s: Json) => s.name === 'CreateCustomer')).toHaveLength(1);
  });

  it("a change order cancelled after one item's manual step was done: that step is undone on a ticket too", async () => {
    const first = await place(newCustomerOrderBody(cat));
    const customerId = (await until(first.body.id, settled)).relatedParty.find((p: Json) => p.role === 'customer').id;
    // Item 1 adds the SIM delivery (a person does it); item 2 adds voicemail, whose webhook is held.
    const gate = holdWebhooks();
    const placed = await place({
      relatedParty: [{ role: 'customer', id: customerId }],
      productOrderItem: [
        { id: '1', action: 'add', productOffering: { id: cat.simDelivery } },
        { id: '2', action: 'add', productOffering: { id: cat.voicemail } },
      ],
    });
    expect(placed.status).toBe(201);
    const held = await until(placed.body.id, (o) => o.state === 'held');
    await resolveTicket(held.heldOn[0].ticketId, 'done');
    await until(placed.body.id, (o) => o.state === 'inProgress');
    const cancel = await rt
      .request('POST', '/cancelProductOrder', { token: AGENT, body: { productOrder: { id: placed.body.id } } })
      .then(json);
    expect(cancel.status).toBe(201);
    gate.open(200);
    // Item 2 stopped at its cancellation check; item 1 was applied already: it is rolled back too,
    // and its SIM delivery, done by a person, is undone by a person on a second ticket.
    const undoing = await until(placed.body.id, (o) => o.heldOn?.[0]?.stateName === 'RollBackManualService');
    expect(undoing.state).toBe('pendingCancellation');
    const undoTicket = undoing.heldOn[0].ticketId as string;
    expect(undoTicket).not.toBe(held.heldOn[0].ticketId);
    expect((await rt.request('GET', `/tickets/${undoTicket}`, { token: AGENT }).then(json)).body.subject).toMatch(
      /^Remove /,
    );
    await resolveTicket(undoTicket, 'done');
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('cancelled');
    expect(done.outstandingUndo).toBeUndefined();
    const { subscriptions } = await customerPartition(customerId);
    expect(subscriptions.map((s) => s.offeringId)).toEqual([cat.planM]);
  });

  it('survives a restart of the runtime while the order waits on its ticket', async () => {
    const placed = await place(newCustomerOrderBody(cat, { addOns: [cat.simDelivery] }));
    const held = await until(placed.body.id, (o) => o.state === 'held');
    await rt.stop();
    rt = await start();
    await resolveTicket(held.heldOn[0].ticketId, 'done');
    const done = await until(placed.body.id, settled);
    expect(done.state).toBe('completed');
    expect(done.steps.filter((s: Json) => s.name === 'ActivateOnNetwork')).toHaveLength(1);
  });
});

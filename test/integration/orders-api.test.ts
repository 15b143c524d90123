// The product order API and the order reconciler against DynamoDB Local, with the executions
// recorded instead of run (the sagas themselves run in test/e2e/orders*.test.ts): an
// Idempotency-Key makes a retried POST /productOrder safe (decision 0031); a realm-scoped caller
// sees, changes and places orders only for customers inside its realm (404 / 422 outside, so ids
// do not leak); the scheduled reconciler brings stuck orders in step with their executions, once.
import { randomUUID } from 'node:crypto';
import { handler as customersHandler } from '../../functions/ops-customers/handler';
import { handler as ordersHandler } from '../../functions/ops-orders/handler';
import { handler as reconcilerHandler } from '../../functions/order-reconciler/handler';
import { setOrderExecutions, type ExecutionStatus, type OrderExecutions } from '../../shared/adapters/order-executions';
import { reconcileOpenOrders } from '../../shared/app/orders/reconciler';
import type { HistoryEvent } from '../../shared/domain/orders/saga';
import { stepStarted } from '../../shared/domain/orders/order';
import { getOrder, updateOrder } from '../../shared/store/orders';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { addDynamoClientConfigurer, documentClient, tableName } from '../../shared/store/client';
import { createOrganization, createRealm } from '../../shared/store/customers';
import { givenOrderCatalog, newCustomerOrderBody, type OrderCatalogFixture } from '../support/orders';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiEvent, call, lambdaContext, type EventInput, type Handler } from '../support/http-event';
import { useOwnTable } from '../support/store';

useOwnTable();

/** Executions as a map the test controls: start records the call and makes a RUNNING execution. */
class RecordedExecutions implements OrderExecutions {
  readonly started: Array<{ machine: string; name: string; input: unknown }> = [];
  readonly statuses = new Map<string, ExecutionStatus>();
  failNextStart = false;
  /** The next start hangs until `release` is called (a stalled Step Functions endpoint); `onHang` runs as it starts hanging. */
  release?: () => void;
  hangNextStart = false;
  onHang?: () => void;

  async start(machine: string, name: string, input: unknown): Promise<string> {
    if (this.hangNextStart) {
      this.hangNextStart = false;
      const hanging = new Promise<void>((r) => (this.release = r));
      this.onHang?.();
      await hanging;
      throw Object.assign(new Error('Step Functions timed out'), { name: 'TimeoutError' });
    }
    if (this.failNextStart) {
      this.failNextStart = false;
      throw Object.assign(new Error('Step Functions unreachable'), { name: 'ServiceUnavailable' });
    }
    this.started.push({ machine, name, input });
    const arn = `arn:aws:states:us-east-1:000000000000:execution:${machine}:${name}`;
    if (!this.statuses.has(arn)) this.statuses.set(arn, { arn, status: 'RUNNING' });
    return arn;
  }
  async describe(arn: string): Promise<ExecutionStatus | undefined> {
    return this.statuses.get(arn);
  }
  async history(): Promise<HistoryEvent[]> {
    return [];
  }
  async redrive(): Promise<void> {}
  async failTask(): Promise<void> {}
  async succeedTask(): Promise<void> {}
}

const executions = new RecordedExecutions();
beforeAll(() => setOrderExecutions(executions));
afterAll(() => setOrderExecutions(undefined));

const orders = (i: EventInput) => call(ordersHandler as Handler, i);
const customers = (i: EventInput) => call(customersHandler as Handler, i);
const admin = { role: 'admin' as const };
const scopedTo = (realm: string) => ({ role: 'admin' as const, claims: { 'custom:realm': realm }, sub: `in-${realm}` });
const startsOf = (orderId: string) => executions.started.filter((s) => s.name.includes(orderId));

let cat: OrderCatalogFixture;
let acme: string;
let globex: string;
let globexOrg: string;

beforeAll(async () => {
  const p = `oa${Date.now().toString(36)}`;
  cat = await givenOrderCatalog({ prefix: p });
  acme = `${p}-realm`;
  globex = `${p}-globex`;
  globexOrg = `${p}-globex-org`;
  const now = new Date().toISOString();
  await createRealm({ id: globex, name: 'Globex' }, now);
  await createOrganization({ id: globexOrg, realmId: globex, name: 'Globex Bank' }, now);
});

describe('a slow start after the order is stored', () => {
  it('answers 201 with the stored order at the deadline, not a 503 whose retry would place it twice', async () => {
    // The clock of timers is the test's: the deadline comes exactly when the start hangs, after the store.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
    executions.hangNextStart = true;
    executions.onHang = () => jest.advanceTimersByTime(10_000);
    const event = apiEvent({ routeKey: 'POST /productOrder', ...admin, body: newCustomerOrderBody(cat) });
    const context = { ...lambdaContext, getRemainingTimeInMillis: () => 5000 } as Context;
    let r: APIGatewayProxyStructuredResultV2;
    try {
      r = (await (ordersHandler as Handler)(event, context)) as APIGatewayProxyStructuredResultV2;
    } finally {
      jest.useRealTimers();
      executions.onHang = undefined;
      executions.release?.();
    }
    expect({ status: r.statusCode, released: executions.release !== undefined }).toEqual({
      status: 201,
      released: true,
    });
    const body = JSON.parse(String(r.body)) as { id: string; state: string };
    expect(r.headers?.location).toBe(`/productOrder/${body.id}`);
    expect(body.state).toBe('acknowledged');
    // Stored, not started: the reconciler (or a read of the order) starts it.
    const stored = await getOrder(body.id);
    expect(stored).toMatchObject({ id: body.id, state: 'acknowledged' });
    expect(stored!.execution.arn).toBeUndefined();
  });
});

describe('Idempotency-Key on POST /productOrder', () => {
  it('the same key and body: one order, one execution, the identical answer', async () => {
    const key = randomUUID();
    const body = newCustomerOrderBody(cat);
    const first = await orders({ routeKey: 'POST /productOrder', ...admin, body, headers: { 'Idempotency-Key': key } });
    const again = await orders({ routeKey: 'POST /productOrder', ...admin, body, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.location).toBe(first.headers.location);
    expect(startsOf(first.body.id)).toHaveLength(1);
  });

  it('the same key with another body: 422 naming the header; no order, no execution', async () => {
    const key = randomUUID();
    const first = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: newCustomerOrderBody(cat, { name: 'First' }),
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status).toBe(201);
    const before = executions.started.length;
    const other = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: newCustomerOrderBody(cat, { name: 'Other' }),
      headers: { 'Idempotency-Key': key },
    });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(other.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(executions.started.length).toBe(before);
  });

  describe('the insert applied but its answer lost (a timeout after DynamoDB wrote it)', () => {
    /** The next order insert whose customer is `name` is written, then its answer is dropped. */
    const dropInsertAnswer = (name: string) => {
      let dropped = false;
      return addDynamoClientConfigurer((c) =>
        c.middlewareStack.add(
          (next) => async (args) => {
            const input = JSON.stringify(args.input);
            const insert =
              !dropped &&
              input.includes('ProductOrderHistory') &&
              input.includes('attribute_not_exists(pk)') &&
              input.includes(name);
            const out = await next(args);
            if (insert) {
              dropped = true;
              throw Object.assign(new Error('the answer was lost after the write'), { name: 'TimeoutError' });
            }
            return out;
          },
          { step: 'initialize', name: 'dropInsertAnswer' },
        ),
      );
    };
    const storedOrdersOf = async (name: string) => {
      const r = await documentClient().send(
        new ScanCommand({
          TableName: tableName(),
          FilterExpression: 'sk = :sk',
          ExpressionAttributeValues: { ':sk': 'ORDER' },
        }),
      );
      return (r.Items ?? []).filter((i) => JSON.stringify(i).includes(name)).map((i) => String(i.id));
    };

    it.each([
      ['an Idempotency-Key', false],
      ['an Idempotency-Key and an externalId', true],
    ])('with %s, the retry answers the first order: no second order, one execution', async (_what, external) => {
      const name = `Lost answer ${randomUUID()}`;
      const key = randomUUID();
      const body = { ...newCustomerOrderBody(cat, { name }), ...(external ? { externalId: `ext-${key}` } : {}) };
      const restore = dropInsertAnswer(name);
      let first;
      try {
        first = await orders({ routeKey: 'POST /productOrder', ...admin, body, headers: { 'Idempotency-Key': key } });
      } finally {
        restore();
      }
      // The client saw a failure (the store call timed out), though the order was stored.
      expect(first.status).toBe(503);
      const stored = await storedOrdersOf(name);
      expect(stored).toHaveLength(1);
      const again = await orders({
        routeKey: 'POST /productOrder',
        ...admin,
        body,
        headers: { 'Idempotency-Key': key },
      });
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(stored[0]);
      expect(await storedOrdersOf(name)).toEqual(stored);
      expect(startsOf(stored[0]!)).toHaveLength(1);
      // And once more: the Idempotency-Key answer now replays it.
      const third = await orders({
        routeKey: 'POST /productOrder',
        ...admin,
        body,
        headers: { 'Idempotency-Key': key },
      });
      expect(third.body.id).toBe(stored[0]);
      expect(startsOf(stored[0]!)).toHaveLength(1);
    });

    it('the same key with another body after a lost answer: 422 naming the header, nothing new', async () => {
      const name = `Lost answer ${randomUUID()}`;
      const key = randomUUID();
      const restore = dropInsertAnswer(name);
      try {
        const first = await orders({
          routeKey: 'POST /productOrder',
          ...admin,
          body: newCustomerOrderBody(cat, { name }),
          headers: { 'Idempotency-Key': key },
        });
        expect(first.status).toBe(503);
      } finally {
        restore();
      }
      const before = executions.started.length;
      const other = await orders({
        routeKey: 'POST /productOrder',
        ...admin,
        body: newCustomerOrderBody(cat, { name: `${name} (other)` }),
        headers: { 'Idempotency-Key': key },
      });
      expect(other.status).toBe(422);
      expect(other.body.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
      expect(await storedOrdersOf(name)).toHaveLength(1);
      expect(executions.started.length).toBe(before);
    });
  });

  it('a refused order is not kept: fixed and retried with the same key, it is placed', async () => {
    const key = randomUUID();
    const bad = {
      ...newCustomerOrderBody(cat),
      productOrderItem: [{ id: '1', action: 'add', productOffering: { id: 'nope' } }],
    };
    const refused = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: bad,
      headers: { 'Idempotency-Key': key },
    });
    expect(refused.status).toBe(422);
    const fixed = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: newCustomerOrderBody(cat),
      headers: { 'Idempotency-Key': key },
    });
    expect(fixed.status).toBe(201);
    expect(startsOf(fixed.body.id)).toHaveLength(1);
  });
});

describe('realm scoping of orders', () => {
  let acmeOrder: string;
  let globexOrder: string;
  let globexCustomer: string;

  beforeAll(async () => {
    const a = await orders({ routeKey: 'POST /productOrder', ...scopedTo(acme), body: newCustomerOrderBody(cat) });
    expect(a.status).toBe(201);
    acmeOrder = a.body.id;
    const g = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: {
        ...newCustomerOrderBody(cat),
        relatedParty: [
          { role: 'customer', name: 'Joe' },
          { role: 'organization', id: globexOrg },
        ],
      },
    });
    expect(g.status).toBe(201);
    globexOrder = g.body.id;
    globexCustomer = `${Date.now().toString(36)}-globex-customer`;
    const c = await customers({
      routeKey: 'POST /customers',
      ...admin,
      body: { id: globexCustomer, organizationId: globexOrg, name: 'Globex customer' },
    });
    expect(c.status).toBe(201);
  });

  it('a realm-scoped caller reads its own orders and gets 404 for another realm’s', async () => {
    const own = await orders({ routeKey: 'GET /productOrder/{id}', params: { id: acmeOrder }, ...scopedTo(acme) });
    expect(own.status).toBe(200);
    const other = await orders({ routeKey: 'GET /productOrder/{id}', params: { id: globexOrder }, ...scopedTo(acme) });
    const none = await orders({
      routeKey: 'GET /productOrder/{id}',
      params: { id: 'no-such-order' },
      ...scopedTo(acme),
    });
    expect(other.status).toBe(404);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(other.body.detail).toBe(none.body.detail.replace('no-such-order', globexOrder));
    // Unscoped staff see both.
    expect((await orders({ routeKey: 'GET /productOrder/{id}', params: { id: globexOrder }, ...admin })).status).toBe(
      200,
    );
  });

  it('lists only orders inside the realm', async () => {
    const list = await orders({ routeKey: 'GET /productOrder', query: { limit: '100' }, ...scopedTo(acme) });
    expect(list.status).toBe(200);
    const ids = list.body.items.map((o: { id: string }) => o.id);
    expect(ids).toContain(acmeOrder);
    expect(ids).not.toContain(globexOrder);
    const all = await orders({ routeKey: 'GET /productOrder', query: { limit: '100' }, ...admin });
    expect(all.body.items.map((o: { id: string }) => o.id)).toEqual(expect.arrayContaining([acmeOrder, globexOrder]));
  });

  it('cannot cancel or redrive another realm’s order (404), and nothing changes', async () => {
    const before = await getOrder(globexOrder);
    const cancel = await orders({
      routeKey: 'POST /cancelProductOrder',
      ...scopedTo(acme),
      body: { productOrder: { id: globexOrder }, cancellationReason: 'not mine' },
    });
    expect(cancel.status).toBe(404);
    const redrive = await orders({
      routeKey: 'POST /productOrder/{id}/redrive',
      params: { id: globexOrder },
      ...scopedTo(acme),
    });
    expect(redrive.status).toBe(404);
    expect((await getOrder(globexOrder))!.revision).toBe(before!.revision);
  });

  it('cannot order for another realm’s organization or customer: the same 422 as for one that does not exist', async () => {
    const before = executions.started.length;
    const newInGlobex = await orders({
      routeKey: 'POST /productOrder',
      ...scopedTo(acme),
      body: {
        ...newCustomerOrderBody(cat),
        relatedParty: [
          { role: 'customer', name: 'Eve' },
          { role: 'organization', id: globexOrg },
        ],
      },
    });
    expect(newInGlobex.status).toBe(422);
    expect(newInGlobex.body.errors).toEqual([{ field: 'relatedParty', message: `No organization ${globexOrg}.` }]);
    const change = await orders({
      routeKey: 'POST /productOrder',
      ...scopedTo(acme),
      body: {
        relatedParty: [{ role: 'customer', id: globexCustomer }],
        productOrderItem: [{ id: '1', action: 'add', productOffering: { id: cat.voicemail } }],
      },
    });
    expect(change.status).toBe(422);
    expect(change.body.errors).toEqual([{ field: 'relatedParty', message: `No customer ${globexCustomer}.` }]);
    expect(executions.started.length).toBe(before);
  });

  it('a new customer’s realm is its organization’s: a realm party that disagrees is refused', async () => {
    const r = await orders({
      routeKey: 'POST /productOrder',
      ...admin,
      body: {
        ...newCustomerOrderBody(cat),
        relatedParty: [
          { role: 'customer', name: 'Mixed' },
          { role: 'organization', id: globexOrg },
          { role: 'realm', id: acme },
        ],
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe('relatedParty');
  });
});

describe('the order reconciler', () => {
  const place = async () => {
    const r = await orders({ routeKey: 'POST /productOrder', ...admin, body: newCustomerOrderBody(cat) });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  /** The saga's first step ran (the order is in progress), as it would in the engine. */
  const firstStepRan = (id: string) =>
    updateOrder(id, (o) => stepStarted(o, new Date().toISOString(), { type: 'workflow', id: 'test' }, 'validate'));
  const arnOf = async (id: string) => (await getOrder(id))!.execution.arn!;
  // The reconciler leaves orders changed within its grace period alone: run it "ten minutes later".
  const later = () => new Date(Date.now() + 10 * 60_000);

  it('brings each stuck order to the right state, once', async () => {
    // Never started: Step Functions was unreachable when the order was placed.
    executions.failNextStart = true;
    const neverStarted = await place();
    expect((await getOrder(neverStarted))!.execution.arn).toBeUndefined();
    // Gone: the engine no longer knows the execution.
    const gone = await place();
    executions.statuses.delete(await arnOf(gone));
    // Stopped on its own (retries ran out): failed, redrivable.
    const stopped = await place();
    await firstStepRan(stopped);
    executions.statuses.set(await arnOf(stopped), {
      arn: await arnOf(stopped),
      status: 'FAILED',
      error: 'TransientDriverError',
      cause: 'ocs: HTTP 503',
    });
    // Succeeded, but its end step's write was lost.
    const succeeded = await place();
    await firstStepRan(succeeded);
    executions.statuses.set(await arnOf(succeeded), {
      arn: await arnOf(succeeded),
      status: 'SUCCEEDED',
      output: JSON.stringify({ orderId: succeeded }),
    });
    // Still running: nothing to do.
    const running = await place();

    const report = await reconcileOpenOrders(later());
    expect(report.failures).toEqual([]);
    const changed = new Map(report.changed.map((c) => [c.orderId, c.to]));
    expect(changed.get(neverStarted)).toBe('acknowledged');
    expect(changed.get(stopped)).toBe('failed');
    expect(changed.get(succeeded)).toBe('completed');
    expect(changed.has(running)).toBe(false);

    expect(startsOf(neverStarted)).toHaveLength(1);
    expect((await getOrder(neverStarted))!.execution.arn).toBeDefined();
    expect(startsOf(gone)).toHaveLength(2);
    expect(startsOf(gone)[1]!.name).toBe(startsOf(gone)[0]!.name);
    expect((await getOrder(stopped))!.failure).toMatchObject({ error: 'TransientDriverError', redrivable: true });
    expect((await getOrder(succeeded))!.state).toBe('completed');

    // Idempotent: the next run changes nothing and starts nothing.
    const starts = executions.started.length;
    const again = await reconcileOpenOrders(later());
    expect(again.failures).toEqual([]);
    expect(again.changed.filter((c) => [neverStarted, gone, stopped, succeeded, running].includes(c.orderId))).toEqual(
      [],
    );
    expect(executions.started.length).toBe(starts);
  });

  it('leaves an order alone while its request or execution may still be handling it (grace period)', async () => {
    executions.failNextStart = true;
    const fresh = await place();
    // The scheduled function runs it with the real clock.
    const report = await reconcilerHandler({} as never);
    expect(report.changed.map((c) => c.orderId)).not.toContain(fresh);
    expect(startsOf(fresh)).toHaveLength(0);
  });
});

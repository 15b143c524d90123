// Lambda entry for product orders (see infra/catalog.ts: "ops-orders"): TMF622 productOrder and
// cancelProductOrder, plus a redrive of a failed order. Bad input is refused before anything is
// stored or started (docs/orders.md).
import { orderView, type ProductOrder } from '../../shared/domain/orders/order';
import { orderOperations } from '../../shared/api/operations/orders';
import { answerIfLate, httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { idempotencyKeyOf } from '../../shared/http/idempotency-key';
import { problem } from '../../shared/http/problem';
import { inScope } from '../../shared/domain/provisioning/scope';
import {
  DuplicateOrderError,
  cancelOrder,
  listOrders,
  orderOwner,
  placeOrder,
  readCancel,
  readOrder,
  redriveOrder,
  type Caller,
} from '../../shared/app/orders/commands';
import '../../shared/app/orders/wiring';

const caller = (req: HttpRequest): Caller => ({
  id: req.principal!.id,
  name: req.principal!.name,
  email: req.principal!.name.includes('@') ? req.principal!.name : undefined,
  scope: req.principal!.scope,
});

export const handler = httpApi(orderOperations, {
  'POST /productOrder': async (req) => {
    const body = req.input.body;
    try {
      const created = (o: ProductOrder) => json(201, orderView(o), { location: `/productOrder/${o.id}` });
      // Stored means placed: past this point a slow start answers 201 (the reconciler starts it), never a
      // 503 whose retry without an Idempotency-Key would place the order twice.
      // With an Idempotency-Key the order remembers the request that placed it, so a retry whose first
      // answer was lost after the insert finds that order instead of placing a second one.
      const key = idempotencyKeyOf(req.headers);
      const requestKey = key ? { key: `${req.principal!.id} POST /productOrder ${key}`, body } : undefined;
      const order = await placeOrder(body, caller(req), req.now, (o) => answerIfLate(created(o)), requestKey);
      return created(order);
    } catch (err) {
      if (err instanceof DuplicateOrderError)
        throw problem(
          409,
          err.orderId
            ? `${err.message} Read it at /productOrder/${err.orderId}; nothing new was started.`
            : `${err.message} Nothing new was started.`,
          {
            errors: [
              { field: 'externalId', message: err.orderId ? `already used by order ${err.orderId}` : 'already used' },
            ],
          },
        );
      throw err;
    }
  },
  'GET /productOrder': async (req) => {
    const q = req.input.query;
    if (q.externalId) {
      const { orderIdByExternalId, getOrder } = await import('../../shared/store/orders');
      const id = await orderIdByExternalId(q.externalId);
      const o = id ? await getOrder(id) : undefined;
      return json(200, { items: o && inScope(req.principal?.scope, orderOwner(o)) ? [orderView(o)] : [] });
    }
    const page = await listOrders(q, req.principal?.scope);
    return json(200, { items: page.items.map((o) => orderView(o)), nextCursor: page.nextCursor });
  },
  'GET /productOrder/{id}': async (req) => {
    const d = await readOrder(req.params.id!, req.principal?.scope);
    return json(200, orderView(d.order, { history: d.history, steps: d.steps }));
  },
  'POST /productOrder/{id}/redrive': async (req) =>
    json(202, orderView(await redriveOrder(req.params.id!, caller(req), req.now))),
  'POST /cancelProductOrder': async (req) => {
    const body = req.input.body;
    const c = await cancelOrder(body, caller(req), req.now);
    return json(201, { ...cancelView(c) }, { location: `/cancelProductOrder/${c.id}` });
  },
  'GET /cancelProductOrder/{id}': async (req) =>
    json(200, cancelView(await readCancel(req.params.id!, req.principal?.scope))),
});

function cancelView(c: Awaited<ReturnType<typeof readCancel>>) {
  return {
    id: c.id,
    href: `/cancelProductOrder/${c.id}`,
    '@type': 'CancelProductOrder',
    state: c.state,
    cancellationReason: c.cancellationReason,
    requestedCancellationDate: c.requestedCancellationDate,
    effectiveCancellationDate: c.effectiveCancellationDate,
    creationDate: c.creationDate,
    productOrder: { id: c.productOrderId, href: `/productOrder/${c.productOrderId}` },
  };
}

// Operations of the product order routes (TMF622 subset; docs/orders.md lists the fields).
import * as z from 'zod';
import { ORDER_ITEM_STATES, PRODUCT_ORDER_STATES } from '../../../events/orders';
import {
  cancelProductOrderCreateSchema,
  listOrdersQuerySchema,
  productOrderCreateSchema,
} from '../../domain/orders/requests';
import { errors, page, type Operation } from '../operation';

const ref = z.object({ id: z.string(), href: z.string().optional() });
const step = z.object({
  name: z.string(),
  status: z.enum(['running', 'succeeded', 'failed', 'waiting']),
  enteredAt: z.string(),
  exitedAt: z.string().optional(),
  durationMs: z.number().optional(),
  attempts: z.number().int(),
  error: z.string().optional(),
});
const historyEntry = z.object({
  revision: z.number().int(),
  at: z.string(),
  from: z.enum(PRODUCT_ORDER_STATES).optional(),
  to: z.enum(PRODUCT_ORDER_STATES),
  actor: z.object({ type: z.string(), id: z.string(), name: z.string().optional() }),
  reason: z.string().optional(),
});
const productOrder = z
  .object({
    id: z.string(),
    href: z.string(),
    '@type': z.literal('ProductOrder'),
    externalId: z.string().optional(),
    kind: z.enum(['newCustomer', 'addService', 'removeService', 'changePlan', 'suspend', 'resume', 'terminate']),
    state: z.enum(PRODUCT_ORDER_STATES),
    description: z.string().optional(),
    category: z.string().optional(),
    priority: z.string().optional(),
    orderDate: z.string(),
    completionDate: z.string().optional(),
    requestedStartDate: z.string().optional(),
    requestedCompletionDate: z.string().optional(),
    notificationContact: z.string().optional(),
    note: z.array(z.object({ text: z.string(), author: z.string().optional(), date: z.string() })),
    relatedParty: z.array(
      z.object({
        id: z.string().optional(),
        role: z.string(),
        name: z.string().optional(),
        '@referredType': z.string().optional(),
      }),
    ),
    billingAccount: ref.optional(),
    payment: z.array(z.object({ '@referredType': z.enum(['Cash', 'BankCard']) })).optional(),
    productOrderItem: z.array(
      z.object({
        id: z.string(),
        action: z.enum(['add', 'modify', 'delete']),
        quantity: z.literal(1),
        state: z.enum(ORDER_ITEM_STATES),
        productOffering: ref.optional(),
        product: z
          .object({
            id: z.string().optional(),
            status: z.string().optional(),
            productCharacteristic: z.array(z.object({ name: z.string(), value: z.unknown() })),
          })
          .optional(),
        errorMessage: z.string().optional(),
      }),
    ),
    cancellationDate: z.string().optional(),
    cancellationReason: z.string().optional(),
    failure: z
      .object({
        at: z.string(),
        step: z.string().optional(),
        error: z.string(),
        cause: z.string().optional(),
        redrivable: z.boolean(),
      })
      .optional(),
    pointOfNoReturnAt: z.string().optional().describe('After it, the order can no longer be cancelled.'),
    heldOn: z
      .array(z.object({ key: z.string(), stateName: z.string(), since: z.string(), ticketId: z.string().optional() }))
      .optional()
      .describe('The manual steps (tickets) a held order waits on.'),
    outstandingUndo: z
      .array(z.object({ key: z.string(), stateName: z.string(), since: z.string(), ticketId: z.string().optional() }))
      .optional()
      .describe(
        'Manual steps a person completed whose undo nobody confirmed during the rollback (ticket rejected or timed out): their tickets name what is left to undo by hand.',
      ),
    execution: z.object({
      name: z.string(),
      arn: z.string().optional(),
      startedAt: z.string().optional(),
      redriveCount: z.number().int(),
      rollbackArn: z.string().optional(),
      stateMachine: z.string(),
    }),
    revision: z.number().int(),
    lastUpdate: z.string(),
  })
  .meta({ id: 'ProductOrder' });
const cancelOrder = z
  .object({
    id: z.string(),
    href: z.string(),
    '@type': z.literal('CancelProductOrder'),
    state: z.enum(['acknowledged', 'inProgress', 'done', 'terminatedWithError']),
    cancellationReason: z.string().optional(),
    requestedCancellationDate: z.string().optional(),
    effectiveCancellationDate: z.string().optional(),
    creationDate: z.string(),
    productOrder: ref,
  })
  .meta({ id: 'CancelProductOrder' });

const O = 'Product orders';

/** functions/ops-orders */
export const orderOperations = [
  {
    method: 'post',
    path: '/productOrder',
    summary:
      'Place a product order (TMF622): 201 acknowledged, and its saga starts. Refused with 4xx before anything starts: unknown offering, malformed body, change to a terminated product, duplicate externalId (409)',
    tag: O,
    auth: 'jwt',
    role: 'responder',
    body: productOrderCreateSchema,
    responses: {
      201: { description: 'Acknowledged; the saga runs', schema: productOrder },
      ...errors(400, 401, 403, 409, 422, 503),
    },
  },
  {
    method: 'get',
    path: '/productOrder',
    summary: 'List product orders, newest first (by state, customer or externalId)',
    tag: O,
    auth: 'jwt',
    role: 'viewer',
    query: listOrdersQuerySchema,
    responses: { 200: { description: 'A page', schema: page(productOrder) }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/productOrder/{id}',
    summary: 'A product order with its state history and its saga’s step timeline (attempts, timings, errors)',
    tag: O,
    auth: 'jwt',
    role: 'viewer',
    responses: {
      200: {
        description: 'The order',
        schema: productOrder.extend({ history: z.array(historyEntry), steps: z.array(step) }),
      },
      ...errors(401, 403, 404),
    },
  },
  {
    method: 'post',
    path: '/productOrder/{id}/redrive',
    summary:
      'Redrive a failed order whose execution stopped at a step (retries ran out): it resumes from that step, completed steps are not run again',
    tag: O,
    auth: 'jwt',
    role: 'responder',
    responses: { 202: { description: 'Resumed', schema: productOrder }, ...errors(401, 403, 404, 409) },
  },
  {
    method: 'post',
    path: '/cancelProductOrder',
    summary:
      'Cancel a product order (TMF622): its completed steps are undone; refused (409) after its point of no return or once final',
    tag: O,
    auth: 'jwt',
    role: 'responder',
    body: cancelProductOrderCreateSchema,
    responses: {
      201: { description: 'Accepted; the order is pendingCancellation', schema: cancelOrder },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'get',
    path: '/cancelProductOrder/{id}',
    summary: 'A cancellation request and how far it got',
    tag: O,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The request', schema: cancelOrder }, ...errors(401, 403, 404) },
  },
] as const satisfies readonly Operation[];

// TMF622 request bodies (the subset Nocturne supports; docs/orders.md lists the fields). Unknown
// fields are refused with a 422 naming them, except TMF's polymorphism markers (@type and friends),
// so a typo never silently drops part of an order.
import * as z from 'zod';

const tmfMarkers = {
  '@type': z.string().max(100).optional(),
  '@baseType': z.string().max(100).optional(),
  '@schemaLocation': z.string().max(2048).optional(),
};

const idSchema = z.string().trim().min(1).max(128);

export const refSchema = z
  .object({
    id: idSchema,
    href: z.string().max(2048).optional(),
    name: z.string().max(200).optional(),
    '@referredType': z.string().max(100).optional(),
    ...tmfMarkers,
  })
  .strict();

export const characteristicSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    value: z.union([z.string().max(1000), z.number(), z.boolean()]),
    valueType: z.string().max(32).optional(),
    ...tmfMarkers,
  })
  .strict();

export const PARTY_ROLES = ['customer', 'organization', 'site', 'realm', 'requester'] as const;
export const relatedPartySchema = z
  .object({
    /** Absent for a new customer (Nocturne assigns one); required for any other role. */
    id: idSchema.optional(),
    role: z.enum(PARTY_ROLES),
    name: z.string().trim().min(1).max(200).optional(),
    href: z.string().max(2048).optional(),
    '@referredType': z.string().max(100).optional(),
    ...tmfMarkers,
  })
  .strict();

/** TMF622 PaymentRef; `@referredType` says how the customer pays: cash (credit check) or a bank card (pre-authorization). */
export const paymentRefSchema = z
  .object({
    id: idSchema.optional(),
    name: z.string().max(200).optional(),
    '@referredType': z.enum(['Cash', 'BankCard']),
    href: z.string().max(2048).optional(),
    ...tmfMarkers,
  })
  .strict();

export const productStatusSchema = z.enum(['active', 'suspended']);

export const productOrderItemSchema = z
  .object({
    id: z.string().trim().min(1).max(64),
    action: z.enum(['add', 'modify', 'delete']),
    quantity: z.literal(1).default(1),
    productOffering: refSchema.optional(),
    product: z
      .object({
        /** The customer's existing product (a subscription): required for modify and delete. */
        id: idSchema.optional(),
        /** modify only: `suspended` suspends the product, `active` resumes it. */
        status: productStatusSchema.optional(),
        productCharacteristic: z.array(characteristicSchema).max(50).default([]),
        ...tmfMarkers,
      })
      .strict()
      .optional(),
    ...tmfMarkers,
  })
  .strict();
export type ProductOrderItemInput = z.infer<typeof productOrderItemSchema>;

export const noteSchema = z
  .object({ text: z.string().trim().min(1).max(4000), author: z.string().max(200).optional(), ...tmfMarkers })
  .strict();

export const productOrderCreateSchema = z
  .object({
    /** The ordering system's own id: a second order with the same externalId is refused (409). */
    externalId: z.string().trim().min(1).max(128).optional(),
    description: z.string().max(4000).optional(),
    category: z.string().max(100).optional(),
    /** TMF622: "0" (highest) to "4" (lowest). */
    priority: z.enum(['0', '1', '2', '3', '4']).optional(),
    requestedStartDate: z.iso.datetime({ offset: true }).optional(),
    requestedCompletionDate: z.iso.datetime({ offset: true }).optional(),
    /** Where the customer hears about the order (an e-mail address). */
    notificationContact: z.email().max(254).optional(),
    channel: z.array(refSchema).max(5).optional(),
    note: z.array(noteSchema).max(20).optional(),
    relatedParty: z.array(relatedPartySchema).min(1).max(10),
    billingAccount: refSchema.optional(),
    payment: z.array(paymentRefSchema).max(1).optional(),
    productOrderItem: z
      .array(productOrderItemSchema)
      .min(1)
      .max(20)
      .refine((items) => new Set(items.map((i) => i.id)).size === items.length, {
        message: 'productOrderItem ids must be unique within the order.',
      }),
    ...tmfMarkers,
  })
  .strict();
export type ProductOrderCreate = z.infer<typeof productOrderCreateSchema>;

export const cancelProductOrderCreateSchema = z
  .object({
    productOrder: refSchema,
    cancellationReason: z.string().trim().min(1).max(1000).optional(),
    requestedCancellationDate: z.iso.datetime({ offset: true }).optional(),
    ...tmfMarkers,
  })
  .strict();
export type CancelProductOrderCreate = z.infer<typeof cancelProductOrderCreateSchema>;

export const listOrdersQuerySchema = z.object({
  state: z
    .enum([
      'acknowledged',
      'rejected',
      'inProgress',
      'held',
      'pendingCancellation',
      'cancelled',
      'completed',
      'failed',
      'partial',
    ])
    .optional(),
  customerId: z.string().min(1).max(128).optional(),
  externalId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});
export type ListOrdersQuery = z.infer<typeof listOrdersQuerySchema>;

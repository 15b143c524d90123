// The product catalog, a subset of TM Forum TMF620: product specifications (what is provisioned:
// features, each with the driver that provisions it and the platform service it runs on) and
// product offerings (what is sold: plans and add-ons with prices, allowances and a spend cap).
// docs/provisioning.md lists the TMF fields we support and our extensions.
import * as z from 'zod';
import { ValidationError } from '../errors';

export const idSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and dashes (max 64)');

/** TMF620 lifecycle states we use. Only `Active` offerings can be ordered. */
export const LIFECYCLE_STATUSES = ['In design', 'Active', 'Retired', 'Obsolete'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];
const lifecycleStatus = z.enum(LIFECYCLE_STATUSES);

export const DRIVER_NAMES = ['ocs', 'webhook', 'manual'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

const webhookConfig = z
  .object({ url: z.url({ protocol: /^https?$/ }).describe('Where the signed request goes (POST, JSON).') })
  .strict();
const manualConfig = z
  .object({
    queueId: z.string().min(1).max(64).describe('Ticket queue of the people who do this step.'),
    categoryId: z.string().min(1).max(64).optional().describe('Ticket category (default: the queue’s).'),
  })
  .strict();

export const featureSchema = z
  .object({
    id: idSchema,
    name: z.string().trim().min(1).max(200),
    driver: z.enum(DRIVER_NAMES).describe('The provisioning driver that enables this feature.'),
    platformServiceId: idSchema
      .optional()
      .describe(
        'The Nocturne service (GET /services/{id}) it runs on, e.g. ocs-adaptor: its incidents show on the customers using it.',
      ),
    config: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Driver settings: webhook {url}, manual {queueId, categoryId?}.'),
  })
  .strict();
export type Feature = z.infer<typeof featureSchema>;

/** Check a feature's driver config against its driver; field names are absolute (feature.N.config.url). */
export function checkFeatureConfigs(features: Feature[], prefix = 'feature'): void {
  const issues: Array<{ field: string; message: string }> = [];
  features.forEach((f, i) => {
    const schema = f.driver === 'webhook' ? webhookConfig : f.driver === 'manual' ? manualConfig : undefined;
    if (!schema) return;
    const r = schema.safeParse(f.config ?? {});
    if (!r.success)
      for (const issue of r.error.issues)
        issues.push({ field: [prefix, i, 'config', ...issue.path.map(String)].join('.'), message: issue.message });
  });
  const ids = features.map((f) => f.id);
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) issues.push({ field: `${prefix}.${i}.id`, message: `duplicate feature id ${id}` });
  });
  if (issues.length) throw new ValidationError('The features are not valid.', issues);
}

export const createProductSpecificationSchema = z
  .object({
    id: idSchema,
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).optional(),
    brand: z.string().max(200).optional(),
    lifecycleStatus: lifecycleStatus.default('In design'),
    feature: z
      .array(featureSchema)
      .min(1)
      .max(20)
      .describe('What is provisioned, one driver each (extension of TMF620).'),
  })
  .strict();
export const updateProductSpecificationSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(2000).nullable().optional(),
    brand: z.string().max(200).nullable().optional(),
    lifecycleStatus: lifecycleStatus.optional(),
    feature: z.array(featureSchema).min(1).max(20).optional(),
    version: z.number().int().positive().describe('The version you read; a stale one gets 409.'),
  })
  .strict();

export interface ProductSpecification extends z.infer<typeof createProductSpecificationSchema> {
  '@type': 'ProductSpecification';
  href: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastUpdate: string;
}

const money = z
  .object({ unit: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code'), value: z.number().min(0).max(1_000_000) })
  .strict();

export const offeringPriceSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    priceType: z.enum(['recurring', 'oneTime']),
    recurringChargePeriodType: z.enum(['month', 'year']).optional(),
    price: z.object({ taxIncludedAmount: money }).strict(),
  })
  .strict()
  .refine((p) => p.priceType !== 'recurring' || p.recurringChargePeriodType !== undefined, {
    path: ['recurringChargePeriodType'],
    message: 'a recurring price needs its period (month or year)',
  });

export const allowanceSchema = z
  .object({
    dataMb: z.number().int().min(0).max(10_000_000).optional(),
    voiceMinutes: z.number().int().min(0).max(1_000_000).optional(),
    sms: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
export type Allowance = z.infer<typeof allowanceSchema>;

export const OFFERING_TYPES = ['plan', 'addOn'] as const;

const offeringFields = {
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  lifecycleStatus: lifecycleStatus.default('In design'),
  offeringType: z
    .enum(OFFERING_TYPES)
    .describe('plan: the base subscription; addOn: bought on top of a plan (extension).'),
  productSpecification: z.object({ id: idSchema }).strict(),
  productOfferingPrice: z.array(offeringPriceSchema).min(1).max(10),
  allowance: allowanceSchema.optional().describe('Included usage per period, set on the charging system (extension).'),
  spendCap: money.optional().describe('Out-of-bundle spend per month the charging system enforces (extension).'),
  addOnFor: z.array(idSchema).max(50).optional().describe('Add-ons: the plan offerings they can be added to.'),
};

export const createProductOfferingSchema = z
  .object({ id: idSchema, ...offeringFields })
  .strict()
  .refine((o) => o.offeringType === 'addOn' || o.addOnFor === undefined, {
    path: ['addOnFor'],
    message: 'only add-ons name the plans they fit',
  });
export const updateProductOfferingSchema = z
  .object({
    name: offeringFields.name.optional(),
    description: z.string().max(2000).nullable().optional(),
    lifecycleStatus: lifecycleStatus.optional(),
    productOfferingPrice: offeringFields.productOfferingPrice.optional(),
    allowance: allowanceSchema.nullable().optional(),
    spendCap: money.nullable().optional(),
    addOnFor: z.array(idSchema).max(50).nullable().optional(),
    version: z.number().int().positive().describe('The version you read; a stale one gets 409.'),
  })
  .strict();

export type ProductOfferingInput = z.infer<typeof createProductOfferingSchema>;
export interface ProductOffering extends ProductOfferingInput {
  '@type': 'ProductOffering';
  href: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  lastUpdate: string;
}

export const catalogListQuerySchema = z.object({
  lifecycleStatus: lifecycleStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

/** An offering can be ordered only while it and its specification are Active. */
export function orderable(
  offering: Pick<ProductOffering, 'lifecycleStatus'>,
  spec: Pick<ProductSpecification, 'lifecycleStatus'>,
): boolean {
  return offering.lifecycleStatus === 'Active' && spec.lifecycleStatus === 'Active';
}

/** An offering must point at a specification that exists; add-ons at plans that exist. */
export function checkOfferingReferences(
  o: { productSpecification: { id: string }; addOnFor?: string[] | null },
  specExists: boolean,
  planExists: (id: string) => boolean,
): void {
  const issues: Array<{ field: string; message: string }> = [];
  if (!specExists)
    issues.push({ field: 'productSpecification.id', message: `no product specification ${o.productSpecification.id}` });
  (o.addOnFor ?? []).forEach((id, i) => {
    if (!planExists(id)) issues.push({ field: `addOnFor.${i}`, message: `no plan offering ${id}` });
  });
  if (issues.length) throw new ValidationError('The offering refers to things that do not exist.', issues);
}

/** TMF620 lifecycle moves we allow: design → active → retired (→ active again) → obsolete (final). */
const LIFECYCLE_MOVES: Record<LifecycleStatus, readonly LifecycleStatus[]> = {
  'In design': ['Active', 'Obsolete'],
  Active: ['Retired'],
  Retired: ['Active', 'Obsolete'],
  Obsolete: [],
};

export function checkLifecycleMove(from: LifecycleStatus, to: LifecycleStatus | undefined): void {
  if (to === undefined || to === from || LIFECYCLE_MOVES[from].includes(to)) return;
  throw new ValidationError('This lifecycle change is not allowed.', [
    {
      field: 'lifecycleStatus',
      message: `${from} → ${to} is not allowed (from ${from}: ${LIFECYCLE_MOVES[from].join(', ') || 'nothing, it is final'})`,
    },
  ]);
}

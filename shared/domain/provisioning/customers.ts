// Customers as the security model: realms (our direct customers) → organizations → sites →
// users, and customer accounts (an organization's billing account) with their subscriptions (an
// offering) and services (one per feature of the offering, each with a TMF638 state).
import * as z from 'zod';
import { idSchema, type DriverName } from './catalog';
import type { ServiceState } from './service-state';

const name = z.string().trim().min(1).max(200);

export const createRealmSchema = z
  .object({ id: idSchema, name, description: z.string().max(2000).optional() })
  .strict();
export const createOrganizationSchema = z.object({ id: idSchema, realmId: idSchema, name }).strict();
export const createSiteSchema = z
  .object({ id: idSchema, organizationId: idSchema, name, address: z.string().max(500).optional() })
  .strict();
export const createCustomerUserSchema = z
  .object({
    id: idSchema,
    organizationId: idSchema,
    siteId: idSchema.optional(),
    name,
    email: z.email().max(254),
    role: z.enum(['owner', 'admin', 'user']).default('user'),
  })
  .strict();

export const PAYMENT_METHODS = ['cash', 'card'] as const;
export const createCustomerSchema = z
  .object({
    id: idSchema.describe('Chosen by the caller (an order derives it), so a retry creates nothing twice.'),
    organizationId: idSchema,
    siteId: idSchema.optional(),
    name,
    contact: z
      .object({ name: name.optional(), email: z.email().max(254), phone: z.string().max(40).optional() })
      .strict()
      .optional(),
    paymentMethod: z.enum(PAYMENT_METHODS).default('card'),
  })
  .strict();

interface Stamped {
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type RealmInput = z.infer<typeof createRealmSchema>;
export type OrganizationInput = z.infer<typeof createOrganizationSchema>;
export type SiteInput = z.infer<typeof createSiteSchema>;
export type CustomerUserInput = z.infer<typeof createCustomerUserSchema>;
export type CustomerInput = z.infer<typeof createCustomerSchema>;

export type Realm = RealmInput & Stamped;
export type Organization = OrganizationInput & Stamped;
export type Site = SiteInput & Stamped & { realmId: string };
export type CustomerUser = CustomerUserInput & Stamped & { realmId: string };

export const CUSTOMER_STATUSES = ['active', 'closed'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

export type Customer = CustomerInput &
  Stamped & {
    realmId: string;
    status: CustomerStatus;
    /** Set when the account was closed (every service terminated; a final bill is due). */
    finalBill?: boolean;
  };

export interface Subscription extends Stamped {
  id: string;
  customerId: string;
  realmId: string;
  organizationId: string;
  offeringId: string;
  offeringType: 'plan' | 'addOn';
  productSpecificationId: string;
  /** The offering's version when it was subscribed (prices and allowances may change later). */
  offeringVersion: number;
  /** The order that created or last changed it. */
  orderId?: string;
}

export interface CustomerService extends Stamped {
  id: string;
  customerId: string;
  subscriptionId: string;
  realmId: string;
  organizationId: string;
  featureId: string;
  name: string;
  driver: DriverName;
  platformServiceId?: string;
  config?: Record<string, unknown>;
  state: ServiceState;
  stateSince: string;
  /** What the remote system calls it (e.g. the OCS subscriber id), once provisioned. */
  externalId?: string;
}

/** A subscription's state, derived from its services (TMF637-like). */
export function subscriptionState(services: Array<Pick<CustomerService, 'state'>>): ServiceState | 'mixed' {
  if (!services.length) return 'inactive';
  const states = new Set(services.map((s) => s.state));
  if (states.size === 1) return services[0]!.state;
  const live = services.filter((s) => s.state !== 'terminated');
  const liveStates = new Set(live.map((s) => s.state));
  return liveStates.size === 1 ? live[0]!.state : 'mixed';
}

export const customerListQuerySchema = z.object({
  realm: idSchema.optional(),
  organization: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});
export const childListQuerySchema = z.object({
  realm: idSchema.optional(),
  organization: idSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).optional(),
});

/** Id of a service: one per feature of a subscription, so the same order step always names the same one. */
export function serviceIdFor(subscriptionId: string, featureId: string): string {
  return `${subscriptionId}.${featureId}`;
}

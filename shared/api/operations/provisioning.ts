// OpenAPI descriptions of the product catalog (TMF620 subset, functions/ops-catalog) and customer
// routes (functions/ops-customers), from the same zod schemas the handlers validate with.
import * as z from 'zod';
import {
  catalogListQuerySchema,
  createProductOfferingSchema,
  createProductSpecificationSchema,
  updateProductOfferingSchema,
  updateProductSpecificationSchema,
} from '../../domain/provisioning/catalog';
import {
  childListQuerySchema,
  createCustomerSchema,
  createCustomerUserSchema,
  createOrganizationSchema,
  createRealmSchema,
  createSiteSchema,
  customerListQuerySchema,
} from '../../domain/provisioning/customers';
import { SERVICE_STATES } from '../../domain/provisioning/service-state';
import { pageQuerySchema } from '../../http/schemas';
import { errors, page, type Operation } from '../operation';

const stamps = { version: z.number().int(), createdAt: z.string(), updatedAt: z.string() };
const tmf = { '@type': z.string(), href: z.string(), lastUpdate: z.string() };
const productSpecification = createProductSpecificationSchema
  .extend({ ...stamps, ...tmf })
  .meta({ id: 'ProductSpecification' });
const productOffering = z
  .intersection(createProductOfferingSchema, z.object({ ...stamps, ...tmf }))
  .meta({ id: 'ProductOffering' });
const realm = createRealmSchema.extend(stamps).meta({ id: 'Realm' });
const organization = createOrganizationSchema.extend(stamps).meta({ id: 'Organization' });
const site = createSiteSchema.extend({ ...stamps, realmId: z.string() }).meta({ id: 'Site' });
const customerUser = createCustomerUserSchema.extend({ ...stamps, realmId: z.string() }).meta({ id: 'CustomerUser' });
const customer = createCustomerSchema
  .extend({ ...stamps, realmId: z.string(), status: z.enum(['active', 'closed']), finalBill: z.boolean().optional() })
  .meta({ id: 'Customer' });
const customerService = z
  .object({
    id: z.string(),
    subscriptionId: z.string(),
    featureId: z.string(),
    name: z.string(),
    driver: z.enum(['ocs', 'webhook', 'manual']),
    platformServiceId: z.string().optional(),
    state: z.enum(SERVICE_STATES).describe('TMF638 service state'),
    stateSince: z.string(),
    externalId: z.string().optional(),
    ...stamps,
  })
  .meta({ id: 'CustomerService' });
const subscription = z
  .object({
    id: z.string(),
    offeringId: z.string(),
    offeringType: z.enum(['plan', 'addOn']),
    productSpecificationId: z.string(),
    offeringVersion: z.number().int(),
    orderId: z.string().optional(),
    state: z.string().describe('Derived from its services: one TMF638 state, or "mixed"'),
    services: z.array(customerService),
    ...stamps,
  })
  .meta({ id: 'Subscription' });
const named = z.object({ id: z.string(), name: z.string() });
const customerView = z
  .object({
    customer,
    realm: named.optional(),
    organization: named.optional(),
    site: named.optional(),
    subscriptions: z.array(subscription),
    openOrders: z.array(
      z.object({
        id: z.string(),
        state: z.string(),
        kind: z.string(),
        href: z.string(),
        orderDate: z.string().optional(),
      }),
    ),
    tickets: z.array(
      z.object({
        id: z.string(),
        number: z.number().int(),
        subject: z.string(),
        status: z.string(),
        priority: z.string(),
        createdAt: z.string(),
        href: z.string(),
      }),
    ),
    incidents: z.array(
      z.object({
        id: z.string(),
        number: z.number().int(),
        title: z.string(),
        status: z.string(),
        severity: z.string(),
        serviceId: z.string().optional(),
        href: z.string(),
        affects: z.array(
          z.object({ serviceId: z.string(), platformServiceId: z.string(), via: z.string().optional() }),
        ),
      }),
    ),
  })
  .meta({ id: 'CustomerView' });
const platformCustomers = z.object({
  items: z.array(
    z.object({
      customerId: z.string(),
      realmId: z.string(),
      organizationId: z.string(),
      services: z.array(customerService),
    }),
  ),
});

const CATALOG = 'Product catalog';
const CUSTOMERS = 'Customers';

export const productCatalogOperations = [
  {
    method: 'post',
    path: '/productSpecification',
    summary: 'Create a product specification (features and their drivers)',
    tag: CATALOG,
    auth: 'jwt',
    role: 'admin',
    body: createProductSpecificationSchema,
    responses: { 201: { description: 'Created', schema: productSpecification }, ...errors(400, 401, 403, 409, 422) },
  },
  {
    method: 'get',
    path: '/productSpecification',
    summary: 'List product specifications',
    tag: CATALOG,
    auth: 'jwt',
    role: 'viewer',
    query: catalogListQuerySchema,
    responses: { 200: { description: 'A page', schema: page(productSpecification) }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/productSpecification/{id}',
    summary: 'Get a product specification',
    tag: CATALOG,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The specification', schema: productSpecification }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/productSpecification/{id}',
    summary: 'Change a product specification at the version you read',
    tag: CATALOG,
    auth: 'jwt',
    role: 'admin',
    body: updateProductSpecificationSchema,
    responses: {
      200: { description: 'Changed', schema: productSpecification },
      ...errors(400, 401, 403, 404, 409, 422),
    },
  },
  {
    method: 'post',
    path: '/productOffering',
    summary: 'Create a product offering (plan or add-on: prices, allowances, spend cap)',
    tag: CATALOG,
    auth: 'jwt',
    role: 'admin',
    body: createProductOfferingSchema,
    responses: { 201: { description: 'Created', schema: productOffering }, ...errors(400, 401, 403, 409, 422) },
  },
  {
    method: 'get',
    path: '/productOffering',
    summary: 'List product offerings',
    tag: CATALOG,
    auth: 'jwt',
    role: 'viewer',
    query: catalogListQuerySchema,
    responses: { 200: { description: 'A page', schema: page(productOffering) }, ...errors(400, 401, 403, 422) },
  },
  {
    method: 'get',
    path: '/productOffering/{id}',
    summary: 'Get a product offering',
    tag: CATALOG,
    auth: 'jwt',
    role: 'viewer',
    responses: { 200: { description: 'The offering', schema: productOffering }, ...errors(401, 403, 404) },
  },
  {
    method: 'patch',
    path: '/productOffering/{id}',
    summary: 'Change a product offering at the version you read',
    tag: CATALOG,
    auth: 'jwt',
    role: 'admin',
    body: updateProductOfferingSchema,
    responses: { 200: { description: 'Changed', schema: productOffering }, ...errors(400, 401, 403, 404, 409, 422) },
  },
] as const satisfies readonly Operation[];

const create = <P extends string, B extends z.ZodType>(path: P, what: string, body: B, schema: z.ZodType) =>
  ({
    method: 'post' as const,
    path,
    summary: `Create ${what}`,
    tag: CUSTOMERS,
    auth: 'jwt' as const,
    role: 'admin' as const,
    body,
    responses: { 201: { description: 'Created', schema }, ...errors(400, 401, 403, 409, 422) },
  }) satisfies Operation;
const list = <P extends string, Q extends z.ZodObject>(path: P, what: string, query: Q, schema: z.ZodType) =>
  ({
    method: 'get' as const,
    path,
    summary: `List ${what} (inside the caller's realm or organization when its role is scoped)`,
    tag: CUSTOMERS,
    auth: 'jwt' as const,
    role: 'viewer' as const,
    query,
    responses: { 200: { description: 'A page', schema: page(schema) }, ...errors(400, 401, 403, 422) },
  }) satisfies Operation;
const read = <P extends string>(path: P, what: string, schema: z.ZodType) =>
  ({
    method: 'get' as const,
    path,
    summary: `Get ${what} (404 when outside the caller's scope)`,
    tag: CUSTOMERS,
    auth: 'jwt' as const,
    role: 'viewer' as const,
    responses: { 200: { description: `The ${what}`, schema }, ...errors(401, 403, 404) },
  }) satisfies Operation;

export const customerOperations = [
  create('/realms', 'a realm (one of our direct customers; unscoped admins only)', createRealmSchema, realm),
  list('/realms', 'realms', pageQuerySchema, realm),
  read('/realms/{id}', 'realm', realm),
  create('/organizations', 'an organization in a realm', createOrganizationSchema, organization),
  list('/organizations', 'organizations of a realm', childListQuerySchema, organization),
  read('/organizations/{id}', 'organization', organization),
  create('/sites', 'a site of an organization', createSiteSchema, site),
  list('/sites', 'sites of an organization', childListQuerySchema, site),
  read('/sites/{id}', 'site', site),
  create('/customer-users', 'a user of an organization', createCustomerUserSchema, customerUser),
  list('/customer-users', 'users of an organization', childListQuerySchema, customerUser),
  read('/customer-users/{id}', 'customer user', customerUser),
  create('/customers', 'a customer account (Idempotency-Key honoured)', createCustomerSchema, customer),
  list('/customers', 'customer accounts of a realm', customerListQuerySchema, customer),
  {
    ...read('/customers/{id}', 'customer view', customerView),
    summary:
      'A customer and every facet at once: subscriptions, services and their state, open orders, tickets, incidents touching its services',
  },
  {
    ...read('/services/{id}/customers', 'customers on a platform service', platformCustomers),
    summary: 'The customers whose services run on this platform service (who an incident on it touches)',
  },
] as const satisfies readonly Operation[];

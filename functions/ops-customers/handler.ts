// Lambda entry for realms, organizations, sites, customer users and customer accounts, and the
// customer-centric view (see infra/catalog/provisioning.ts: "ops-customers"). A realm- or
// organization-scoped role sees and changes only what lies inside its scope; anything outside
// answers 404, as if it did not exist, so ids do not leak.
import { randomUUID } from 'node:crypto';
import { createCustomerAccount } from '../../shared/app/provisioning/customers';
import { customerView } from '../../shared/app/provisioning/customer-view';
import { customerOperations } from '../../shared/api/operations/provisioning';
import { ValidationError } from '../../shared/domain/errors';
import type { CustomerService } from '../../shared/domain/provisioning/customers';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { canSee, requireUnscoped, requireVisible, type Principal } from '../../shared/http/auth';
import {
  createCustomerUser,
  createOrganization,
  createRealm,
  createSite,
  getCustomerUser,
  getOrganization,
  getRealm,
  getSite,
  listCustomers,
  listCustomerUsers,
  listOrganizations,
  listRealms,
  listSites,
  servicesOnPlatform,
} from '../../shared/store/customers';

const id = (req: HttpRequest) => req.params.id!;
const now = (req: HttpRequest) => req.now.toISOString();
const ownerOfRealm = (realmId: string) => ({ realmId });

/** An organization the caller may see, or a 422 naming `field` (the same answer when it is outside the scope). */
async function visibleOrganization(p: Principal | undefined, organizationId: string, field: string) {
  const org = await getOrganization(organizationId);
  if (!org || !canSee(p, { realmId: org.realmId, organizationId: org.id }))
    throw new ValidationError('Unknown organization.', [{ field, message: `no organization ${organizationId}` }]);
  return org;
}

/** The realm to list in: the caller's own when scoped (another one lists nothing), else the one asked for. */
function realmToList(p: Principal | undefined, asked: string | undefined): string | undefined {
  const mine = p?.scope?.realmId;
  if (mine) return asked === undefined || asked === mine ? mine : undefined;
  if (!asked)
    throw new ValidationError('Name the realm to list.', [{ field: 'realm', message: 'required (e.g. ?realm=acme)' }]);
  return asked;
}

const empty = () => json(200, { items: [] });

export const handler = httpApi(customerOperations, {
  'POST /realms': async (req) => {
    requireUnscoped(req.principal, 'A realm');
    const realm = await createRealm(req.input.body, now(req));
    return json(201, realm, { location: `/realms/${realm.id}` });
  },
  'GET /realms': async (req) => {
    const mine = req.principal?.scope?.realmId;
    if (mine) {
      const realm = await getRealm(mine);
      return json(200, { items: realm ? [realm] : [] });
    }
    return json(200, await listRealms(req.input.query.limit, req.input.query.cursor));
  },
  'GET /realms/{id}': async (req) =>
    json(
      200,
      requireVisible(
        req.principal,
        await getRealm(id(req)).then(
          (r) => r && { ...r, ...ownerOfRealm(r.id), organizationId: req.principal?.scope?.organizationId },
        ),
        `No realm with id ${id(req)}.`,
      ),
    ),

  'POST /organizations': async (req) => {
    const b = req.input.body;
    const realm = await getRealm(b.realmId);
    if (!realm || !canSee(req.principal, { realmId: realm.id, organizationId: b.id }))
      throw new ValidationError('Unknown realm.', [{ field: 'realmId', message: `no realm ${b.realmId}` }]);
    const org = await createOrganization(b, now(req));
    return json(201, org, { location: `/organizations/${org.id}` });
  },
  'GET /organizations': async (req) => {
    const q = req.input.query;
    const realm = realmToList(req.principal, q.realm);
    if (!realm) return empty();
    const page = await listOrganizations(realm, q.limit, q.cursor);
    return json(200, {
      ...page,
      items: page.items.filter((o) => canSee(req.principal, { realmId: o.realmId, organizationId: o.id })),
    });
  },
  'GET /organizations/{id}': async (req) => {
    const org = await getOrganization(id(req));
    return json(
      200,
      requireVisible(req.principal, org && { ...org, organizationId: org.id }, `No organization with id ${id(req)}.`),
    );
  },

  'POST /sites': async (req) => {
    const b = req.input.body;
    const org = await visibleOrganization(req.principal, b.organizationId, 'organizationId');
    const site = await createSite({ ...b, realmId: org.realmId }, now(req));
    return json(201, site, { location: `/sites/${site.id}` });
  },
  'GET /sites': async (req) => {
    const q = req.input.query;
    if (!q.organization)
      throw new ValidationError('Name the organization.', [{ field: 'organization', message: 'required' }]);
    await visibleOrganization(req.principal, q.organization, 'organization');
    return json(200, await listSites(q.organization, q.limit, q.cursor));
  },
  'GET /sites/{id}': async (req) =>
    json(200, requireVisible(req.principal, await getSite(id(req)), `No site with id ${id(req)}.`)),

  'POST /customer-users': async (req) => {
    const b = req.input.body;
    const org = await visibleOrganization(req.principal, b.organizationId, 'organizationId');
    if (b.siteId) {
      const site = await getSite(b.siteId);
      if (!site || site.organizationId !== org.id)
        throw new ValidationError('Unknown site.', [
          { field: 'siteId', message: `no site ${b.siteId} in organization ${org.id}` },
        ]);
    }
    const user = await createCustomerUser({ ...b, realmId: org.realmId }, now(req));
    return json(201, user, { location: `/customer-users/${user.id}` });
  },
  'GET /customer-users': async (req) => {
    const q = req.input.query;
    if (!q.organization)
      throw new ValidationError('Name the organization.', [{ field: 'organization', message: 'required' }]);
    await visibleOrganization(req.principal, q.organization, 'organization');
    return json(200, await listCustomerUsers(q.organization, q.limit, q.cursor));
  },
  'GET /customer-users/{id}': async (req) =>
    json(200, requireVisible(req.principal, await getCustomerUser(id(req)), `No customer user with id ${id(req)}.`)),

  'POST /customers': async (req) => {
    const b = req.input.body;
    await visibleOrganization(req.principal, b.organizationId, 'organizationId');
    // With an Idempotency-Key a retried POST answers the account it created; without one a second
    // POST of the same id is a 409.
    const key = req.headers['idempotency-key'];
    const operationKey = key ? `api:customers:${req.principal?.id}:${key}` : `api:customers:${randomUUID()}`;
    const customer = await createCustomerAccount(b, { operationKey, now: now(req) });
    return json(201, customer, { location: `/customers/${customer.id}` });
  },
  'GET /customers': async (req) => {
    const q = req.input.query;
    const realm = realmToList(req.principal, q.realm);
    if (!realm) return empty();
    const orgScope = req.principal?.scope?.organizationId;
    if (orgScope && q.organization && q.organization !== orgScope) return empty();
    return json(
      200,
      await listCustomers(realm, { organizationId: orgScope ?? q.organization, limit: q.limit, cursor: q.cursor }),
    );
  },
  'GET /customers/{id}': async (req) => {
    const view = await customerView(id(req));
    requireVisible(req.principal, view?.customer, `No customer with id ${id(req)}.`);
    return json(200, view);
  },
  'GET /services/{id}/customers': async (req) => {
    const services = (await servicesOnPlatform(id(req), 1000)).filter(
      (s) => s.state !== 'terminated' && canSee(req.principal, s),
    );
    const byCustomer = new Map<
      string,
      { customerId: string; realmId: string; organizationId: string; services: CustomerService[] }
    >();
    for (const s of services) {
      const entry = byCustomer.get(s.customerId) ?? {
        customerId: s.customerId,
        realmId: s.realmId,
        organizationId: s.organizationId,
        services: [],
      };
      entry.services.push(s);
      byCustomer.set(s.customerId, entry);
    }
    return json(200, { items: [...byCustomer.values()] });
  },
});

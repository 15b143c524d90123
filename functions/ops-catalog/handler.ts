// Lambda entry for the product catalog, TMF620 subset (see infra/catalog/provisioning.ts: "ops-catalog").
// Reads are open to every viewer (the catalog is shared by every realm); changes need an unscoped admin.
import {
  changeProductOffering,
  changeProductSpecification,
  newProductOffering,
  newProductSpecification,
} from '../../shared/app/provisioning/product-catalog';
import { productCatalogOperations } from '../../shared/api/operations/provisioning';
import { httpApi, json, type HttpRequest } from '../../shared/http/idempotent-api';
import { requireUnscoped } from '../../shared/http/auth';
import {
  listProductOfferings,
  listProductSpecifications,
  requireProductOffering,
  requireProductSpecification,
} from '../../shared/store/product-catalog';

const id = (req: HttpRequest) => req.params.id!;
const now = (req: HttpRequest) => req.now.toISOString();

export const handler = httpApi(productCatalogOperations, {
  'POST /productSpecification': async (req) => {
    requireUnscoped(req.principal, 'The product catalog');
    const spec = await newProductSpecification(req.input.body, now(req));
    return json(201, spec, { location: spec.href });
  },
  'GET /productSpecification': async (req) => json(200, await listProductSpecifications(req.input.query)),
  'GET /productSpecification/{id}': async (req) => json(200, await requireProductSpecification(id(req))),
  'PATCH /productSpecification/{id}': async (req) => {
    requireUnscoped(req.principal, 'The product catalog');
    return json(200, await changeProductSpecification(id(req), req.input.body, now(req)));
  },
  'POST /productOffering': async (req) => {
    requireUnscoped(req.principal, 'The product catalog');
    const offering = await newProductOffering(req.input.body, now(req));
    return json(201, offering, { location: offering.href });
  },
  'GET /productOffering': async (req) => json(200, await listProductOfferings(req.input.query)),
  'GET /productOffering/{id}': async (req) => json(200, await requireProductOffering(id(req))),
  'PATCH /productOffering/{id}': async (req) => {
    requireUnscoped(req.principal, 'The product catalog');
    return json(200, await changeProductOffering(id(req), req.input.body, now(req)));
  },
});

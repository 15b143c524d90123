// Product specifications and offerings (TMF620 subset): versioned items, listed through gsi1.
import type {
  LifecycleStatus,
  ProductOffering,
  ProductOfferingInput,
  ProductSpecification,
} from '../domain/provisioning/catalog';
import { PROVISIONING_ENTITY, provisioningKeys as k } from './keys';
import type { Page } from './pagination';
import { getItem, listGsi1, putNew, requireItem, updateVersioned } from './provisioning-items';

type SpecInput = Omit<ProductSpecification, '@type' | 'href' | 'version' | 'createdAt' | 'updatedAt' | 'lastUpdate'>;

export async function createProductSpecification(input: SpecInput, now: string): Promise<ProductSpecification> {
  const spec: ProductSpecification = {
    ...input,
    '@type': 'ProductSpecification',
    href: `/productSpecification/${input.id}`,
    version: 1,
    createdAt: now,
    updatedAt: now,
    lastUpdate: now,
  };
  return putNew(
    'product specification',
    { ...k.productSpecification(spec.id), ...k.productSpecificationList(spec.id) },
    PROVISIONING_ENTITY.productSpecification,
    spec,
  );
}

export function getProductSpecification(id: string): Promise<ProductSpecification | undefined> {
  return getItem('product specification', k.productSpecification(id));
}

export function requireProductSpecification(id: string): Promise<ProductSpecification> {
  return requireItem('product specification', id, k.productSpecification(id));
}

export function listProductSpecifications(q: {
  limit: number;
  cursor?: string;
  lifecycleStatus?: LifecycleStatus;
}): Promise<Page<ProductSpecification>> {
  return listGsi1('product specification', 'PRODSPECS', {
    ...q,
    filter: q.lifecycleStatus ? { attribute: 'lifecycleStatus', value: q.lifecycleStatus } : undefined,
  });
}

export function updateProductSpecification(
  id: string,
  patch: Record<string, unknown>,
  now: string,
  expectedVersion: number,
): Promise<ProductSpecification> {
  return updateVersioned(
    'product specification',
    id,
    k.productSpecification(id),
    { ...patch, lastUpdate: now },
    now,
    expectedVersion,
  );
}

export async function createProductOffering(input: ProductOfferingInput, now: string): Promise<ProductOffering> {
  const offering: ProductOffering = {
    ...input,
    '@type': 'ProductOffering',
    href: `/productOffering/${input.id}`,
    version: 1,
    createdAt: now,
    updatedAt: now,
    lastUpdate: now,
  };
  return putNew(
    'product offering',
    { ...k.productOffering(offering.id), ...k.productOfferingList(offering.id) },
    PROVISIONING_ENTITY.productOffering,
    offering,
  );
}

export function getProductOffering(id: string): Promise<ProductOffering | undefined> {
  return getItem('product offering', k.productOffering(id));
}

export function requireProductOffering(id: string): Promise<ProductOffering> {
  return requireItem('product offering', id, k.productOffering(id));
}

export function listProductOfferings(q: {
  limit: number;
  cursor?: string;
  lifecycleStatus?: LifecycleStatus;
}): Promise<Page<ProductOffering>> {
  return listGsi1('product offering', 'OFFERINGS', {
    ...q,
    filter: q.lifecycleStatus ? { attribute: 'lifecycleStatus', value: q.lifecycleStatus } : undefined,
  });
}

export function updateProductOffering(
  id: string,
  patch: Record<string, unknown>,
  now: string,
  expectedVersion: number,
): Promise<ProductOffering> {
  return updateVersioned(
    'product offering',
    id,
    k.productOffering(id),
    { ...patch, lastUpdate: now },
    now,
    expectedVersion,
  );
}

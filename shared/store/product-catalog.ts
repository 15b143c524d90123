// Product specifications and offerings (TMF620 subset): versioned items, listed through gsi1.
import type {
  LifecycleStatus,
  ProductOffering,
  ProductOfferingInput,
  ProductSpecification,
} from '../domain/provisioning/catalog';
import { tableName } from './client';
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
  return changing('spec', spec.id, () =>
    putNew(
      'product specification',
      { ...k.productSpecification(spec.id), ...k.productSpecificationList(spec.id) },
      PROVISIONING_ENTITY.productSpecification,
      spec,
    ),
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
  return changing('spec', id, () =>
    updateVersioned(
      'product specification',
      id,
      k.productSpecification(id),
      { ...patch, lastUpdate: now },
      now,
      expectedVersion,
    ),
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
  return changing('offering', offering.id, () =>
    putNew(
      'product offering',
      { ...k.productOffering(offering.id), ...k.productOfferingList(offering.id) },
      PROVISIONING_ENTITY.productOffering,
      offering,
    ),
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
  return changing('offering', id, () =>
    updateVersioned('product offering', id, k.productOffering(id), { ...patch, lastUpdate: now }, now, expectedVersion),
  );
}

// ---- the catalog as order sagas read it -------------------------------------------------------
// Every order reads its offering and specification several times (validation, the subscription,
// each OCS line's charging plan): a warm container keeps what it read for CATALOG_CACHE_SECONDS
// (default 10), one read shared by concurrent callers. Order placement, the saga steps and the
// charging plan use these; the catalog API reads the table itself (its updates are conditional on
// the version it read).
// A change made through this module is seen at once in the same process (the local runtime); another
// container sees it within the TTL, as an eventually consistent read would a moment later.

type Cached = { until: number; value: Promise<unknown> };
const cache = new Map<string, Cached>();

function ttlMs(): number {
  const s = Number(process.env.CATALOG_CACHE_SECONDS ?? 10);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 10_000;
}

function forget(kind: 'offering' | 'spec', id: string): void {
  cache.delete(`${tableName()}|${kind}|${id}`);
}

/** A write through this module: what the cache holds of the item is dropped before and after it. */
async function changing<T>(kind: 'offering' | 'spec', id: string, write: () => Promise<T>): Promise<T> {
  forget(kind, id);
  try {
    return await write();
  } finally {
    forget(kind, id);
  }
}

function cached<T>(kind: 'offering' | 'spec', id: string, read: () => Promise<T | undefined>): Promise<T | undefined> {
  const key = `${tableName()}|${kind}|${id}`;
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value.then((v) => (v === undefined ? v : structuredClone(v as T)));
  const value = read();
  const entry = { until: now + ttlMs(), value };
  cache.set(key, entry);
  // Misses and failures are not kept: an offering created a moment later is found.
  value.then(
    (v) => v === undefined && cache.get(key) === entry && cache.delete(key),
    () => cache.get(key) === entry && cache.delete(key),
  );
  return value.then((v) => (v === undefined ? v : structuredClone(v)));
}

/** getProductOffering through the per-container cache (order placement and sagas only). */
export function cachedProductOffering(id: string): Promise<ProductOffering | undefined> {
  return cached('offering', id, () => getProductOffering(id));
}

/** getProductSpecification through the per-container cache (order placement and sagas only). */
export function cachedProductSpecification(id: string): Promise<ProductSpecification | undefined> {
  return cached('spec', id, () => getProductSpecification(id));
}

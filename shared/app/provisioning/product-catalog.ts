// Product catalog changes: validate (domain) → check references (store) → commit (store, versioned).
import { ValidationError } from '../../domain/errors';
import {
  checkFeatureConfigs,
  checkLifecycleMove,
  checkOfferingReferences,
  type Feature,
  type LifecycleStatus,
  type ProductOffering,
  type ProductOfferingInput,
  type ProductSpecification,
} from '../../domain/provisioning/catalog';
import {
  createProductOffering,
  createProductSpecification,
  getProductOffering,
  getProductSpecification,
  requireProductOffering,
  requireProductSpecification,
  updateProductOffering,
  updateProductSpecification,
} from '../../store/product-catalog';

export async function newProductSpecification(
  input: {
    id: string;
    name: string;
    description?: string;
    brand?: string;
    lifecycleStatus: LifecycleStatus;
    feature: Feature[];
  },
  now: string,
): Promise<ProductSpecification> {
  checkFeatureConfigs(input.feature);
  return createProductSpecification(input, now);
}

export async function changeProductSpecification(
  id: string,
  patch: { lifecycleStatus?: LifecycleStatus; feature?: Feature[]; version: number } & Record<string, unknown>,
  now: string,
): Promise<ProductSpecification> {
  const { version, ...rest } = patch;
  const current = await requireProductSpecification(id);
  checkLifecycleMove(current.lifecycleStatus, rest.lifecycleStatus);
  if (rest.feature) checkFeatureConfigs(rest.feature);
  return updateProductSpecification(id, rest, now, version);
}

async function plansExist(ids: string[]): Promise<Set<string>> {
  const found = await Promise.all(ids.map((id) => getProductOffering(id)));
  return new Set(found.filter((o): o is ProductOffering => !!o && o.offeringType === 'plan').map((o) => o.id));
}

export async function newProductOffering(input: ProductOfferingInput, now: string): Promise<ProductOffering> {
  const [spec, plans] = await Promise.all([
    getProductSpecification(input.productSpecification.id),
    plansExist(input.addOnFor ?? []),
  ]);
  checkOfferingReferences(input, !!spec, (id) => plans.has(id));
  return createProductOffering(input, now);
}

export async function changeProductOffering(
  id: string,
  patch: { lifecycleStatus?: LifecycleStatus; addOnFor?: string[] | null; version: number } & Record<string, unknown>,
  now: string,
): Promise<ProductOffering> {
  const { version, ...rest } = patch;
  const current = await requireProductOffering(id);
  checkLifecycleMove(current.lifecycleStatus, rest.lifecycleStatus);
  if (rest.addOnFor) {
    if (current.offeringType !== 'addOn')
      throw new ValidationError('Only add-ons name the plans they fit.', [
        { field: 'addOnFor', message: `${id} is a ${current.offeringType}` },
      ]);
    const plans = await plansExist(rest.addOnFor);
    checkOfferingReferences(
      { productSpecification: current.productSpecification, addOnFor: rest.addOnFor },
      true,
      (p) => plans.has(p),
    );
  }
  return updateProductOffering(id, rest, now, version);
}

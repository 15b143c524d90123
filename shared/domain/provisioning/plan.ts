// What the charging system enforces for a customer, from the offerings it subscribes to.
import type { ProductOffering } from './catalog';
import type { ChargingPlan } from './driver';

/** The plan's allowance plus every add-on's; the plan's spend cap holds. */
export function combinePlan(
  offerings: Array<Pick<ProductOffering, 'id' | 'allowance' | 'spendCap'>>,
  planOfferingId: string,
): ChargingPlan {
  const plan = offerings.find((o) => o.id === planOfferingId);
  const allowance: NonNullable<ChargingPlan['allowance']> = {};
  for (const o of offerings)
    for (const [k, v] of Object.entries(o.allowance ?? {}) as Array<[keyof typeof allowance, number]>)
      allowance[k] = (allowance[k] ?? 0) + v;
  return { offeringId: planOfferingId, allowance, spendCap: plan?.spendCap };
}

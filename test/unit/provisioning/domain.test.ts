// Pure provisioning rules: TMF638 service transitions, scoping, catalog validation, plans.
import { ValidationError } from '../../../shared/domain/errors';
import {
  checkFeatureConfigs,
  createProductOfferingSchema,
  createProductSpecificationSchema,
  orderable,
} from '../../../shared/domain/provisioning/catalog';
import { subscriptionState } from '../../../shared/domain/provisioning/customers';
import { combinePlan } from '../../../shared/domain/provisioning/plan';
import { inScope } from '../../../shared/domain/provisioning/scope';
import {
  checkTransition,
  IllegalServiceTransitionError,
  SERVICE_STATES,
} from '../../../shared/domain/provisioning/service-state';

describe('service state transitions (TMF638)', () => {
  it.each([
    ['inactive', 'active'],
    ['active', 'suspended'],
    ['suspended', 'active'],
    ['active', 'terminated'],
    ['suspended', 'terminated'],
    ['inactive', 'terminated'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(checkTransition('s1', from, to)).toBe(true);
  });

  it('the same state again is a no-op, not an error', () => {
    for (const s of SERVICE_STATES) expect(checkTransition('s1', s, s)).toBe(false);
  });

  it.each([
    ['terminated', 'active'],
    ['terminated', 'suspended'],
    ['inactive', 'suspended'],
    ['suspended', 'inactive'],
  ] as const)('%s → %s is refused, naming both states', (from, to) => {
    const err = (() => {
      try {
        checkTransition('s1', from, to);
      } catch (e) {
        return e;
      }
    })() as IllegalServiceTransitionError;
    expect(err).toBeInstanceOf(IllegalServiceTransitionError);
    expect(err.name).toBe('IllegalServiceTransitionError');
    expect(err.message).toContain(from);
    expect(err.message).toContain(to);
  });

  it('a subscription’s state follows its live services', () => {
    expect(subscriptionState([{ state: 'active' }, { state: 'active' }])).toBe('active');
    expect(subscriptionState([{ state: 'active' }, { state: 'terminated' }])).toBe('active');
    expect(subscriptionState([{ state: 'active' }, { state: 'suspended' }])).toBe('mixed');
    expect(subscriptionState([{ state: 'terminated' }])).toBe('terminated');
  });
});

describe('realm and organization scope', () => {
  const acme = { realmId: 'acme', organizationId: 'acme-shop' };
  it('an unscoped principal sees everything', () => {
    expect(inScope(undefined, acme)).toBe(true);
    expect(inScope({}, undefined)).toBe(true);
  });
  it('a realm-scoped principal sees its realm only', () => {
    expect(inScope({ realmId: 'acme' }, acme)).toBe(true);
    expect(inScope({ realmId: 'globex' }, acme)).toBe(false);
    expect(inScope({ realmId: 'acme' }, undefined)).toBe(false);
  });
  it('an organization-scoped principal sees its organization only', () => {
    expect(inScope({ realmId: 'acme', organizationId: 'acme-shop' }, acme)).toBe(true);
    expect(inScope({ realmId: 'acme', organizationId: 'acme-bank' }, acme)).toBe(false);
  });
});

describe('product catalog validation', () => {
  it('a webhook feature needs a URL and a manual one a queue; the error names the field', () => {
    const spec = createProductSpecificationSchema.parse({
      id: 'mail',
      name: 'Mail',
      feature: [
        { id: 'mailbox', name: 'Mailbox', driver: 'webhook', config: {} },
        { id: 'setup', name: 'Setup', driver: 'manual', config: { queueId: 'provisioning' } },
      ],
    });
    const err = (() => {
      try {
        checkFeatureConfigs(spec.feature);
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err!.issues).toEqual([expect.objectContaining({ field: 'feature.0.config.url' })]);
  });

  it('a recurring price needs its period; add-on targets only on add-ons', () => {
    const base = {
      id: 'mobile-m',
      name: 'Mobile M',
      offeringType: 'plan',
      productSpecification: { id: 'mobile' },
      productOfferingPrice: [
        { name: 'Monthly', priceType: 'recurring', price: { taxIncludedAmount: { unit: 'EUR', value: 20 } } },
      ],
    };
    const r = createProductOfferingSchema.safeParse(base);
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join('.')).toBe('productOfferingPrice.0.recurringChargePeriodType');
    const r2 = createProductOfferingSchema.safeParse({
      ...base,
      productOfferingPrice: [{ ...base.productOfferingPrice[0], recurringChargePeriodType: 'month' }],
      addOnFor: ['x'],
    });
    expect(r2.success).toBe(false);
    expect(r2.error!.issues[0]!.path.join('.')).toBe('addOnFor');
  });

  it('only Active offerings of Active specifications can be ordered', () => {
    expect(orderable({ lifecycleStatus: 'Active' }, { lifecycleStatus: 'Active' })).toBe(true);
    expect(orderable({ lifecycleStatus: 'Active' }, { lifecycleStatus: 'Retired' })).toBe(false);
    expect(orderable({ lifecycleStatus: 'In design' }, { lifecycleStatus: 'Active' })).toBe(false);
  });

  it('a plan with add-ons sums allowances and keeps the plan’s spend cap', () => {
    expect(
      combinePlan(
        [
          { id: 'mobile-m', allowance: { dataMb: 10240, voiceMinutes: 500 }, spendCap: { unit: 'EUR', value: 50 } },
          { id: 'data-boost', allowance: { dataMb: 5120 }, spendCap: { unit: 'EUR', value: 999 } },
        ],
        'mobile-m',
      ),
    ).toEqual({
      offeringId: 'mobile-m',
      allowance: { dataMb: 15360, voiceMinutes: 500 },
      spendCap: { unit: 'EUR', value: 50 },
    });
  });
});

// Payments for product orders. Nocturne has no payment provider yet: this stand-in decides credit
// checks and card pre-authorizations deterministically, so demos and tests can take both paths
// (a customer named "... Declined" fails the credit check; a card reference starting "declined"
// fails pre-authorization). Replace it with the provider's client behind the same interface.
import type { SagaInput } from '../domain/orders/plan';

type Customer = SagaInput['customer'];
type Payment = NonNullable<SagaInput['payment']>;

export interface Payments {
  /** Cash customers: may they have a postpaid subscription? */
  creditCheck(key: string, customer: Customer): Promise<{ approved: boolean; reason?: string }>;
  preAuthorize(key: string, customer: Customer, payment: Payment): Promise<void>;
  voidPreAuthorization(key: string, customer: Customer, payment: Payment): Promise<void>;
}

export const simulatedPayments: Payments = {
  async creditCheck(_key, customer) {
    if (/declined/i.test(customer.name ?? ''))
      return { approved: false, reason: 'credit score below the postpaid threshold' };
    return { approved: true };
  },
  async preAuthorize(_key, _customer, payment) {
    if (/^declined/i.test(payment.reference ?? '')) {
      const err = new Error('the card issuer declined the pre-authorization');
      err.name = 'PermanentStepError';
      throw err;
    }
  },
  async voidPreAuthorization() {
    // Voiding an authorization that does not exist is a no-op at every provider we target.
  },
};

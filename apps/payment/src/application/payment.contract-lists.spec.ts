import { describe, expect, it } from 'vitest';
import { PAYMENT_CURRENCY, PAYMENT_FAILURE_REASONS, PAYMENT_STATUSES } from '@shop/contracts';
import * as domain from '../domain/payment-status.js';

describe('the domain’s lists are the contract’s', () => {
  it('statuses, failure reasons and the currency', () => {
    expect(domain.PAYMENT_STATUSES).toEqual(PAYMENT_STATUSES);
    expect(domain.PAYMENT_FAILURE_REASONS).toEqual(PAYMENT_FAILURE_REASONS);
    expect(domain.PAYMENT_CURRENCY).toBe(PAYMENT_CURRENCY);
  });
});

import { describe, expect, it } from 'vitest';
import { PaymentMother } from '../domain/testing/payment.mother.js';
import { adminPaymentViewOf, paymentViewOf } from './payment.presenters.js';

describe('the payment presenters', () => {
  it('show the payment’s own currency', () => {
    const payment = PaymentMother.pending().toSnapshot();
    expect(paymentViewOf(payment).currency).toBe(payment.currency);
    expect(adminPaymentViewOf(payment)).toMatchObject({ currency: 'CNY', userId: payment.userId });
  });

  it('refuse to show a payment in another currency as CNY (the contract knows only CNY: that would be a bug, never a view)', () => {
    const payment = { ...PaymentMother.pending().toSnapshot(), currency: 'USD' };
    expect(() => paymentViewOf(payment)).toThrow(/is in USD, not CNY/);
    expect(() => adminPaymentViewOf(payment)).toThrow(/is in USD, not CNY/);
  });
});

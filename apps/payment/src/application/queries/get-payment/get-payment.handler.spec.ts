import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { assertPaymentView } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('GetPaymentHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(() => f.unitOfWork.dispose());

  it('answers the caller’s payment as the contract shows it, refund included', async () => {
    const paid = await f.succeededPayment(userId, { payable: 4_200 });
    f.provider.charges.get(paid.paymentId)!.refunds = 'refuse';
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, paymentId: paid.paymentId, amount: 4_200, reason: 'CUSTOMER_REQUEST' });
    const view = await f.handlers.getPayment.execute({ paymentId: paid.paymentId.toUpperCase(), userId });
    expect(view).toEqual({
      paymentId: paid.paymentId,
      orderId: paid.orderId,
      amount: 4_200,
      currency: 'CNY',
      status: 'REFUNDING',
      provider: 'sandbox',
      createdAt: FIXTURE_NOW.toISOString(),
      settledAt: FIXTURE_NOW.toISOString(),
      failureReason: null,
      refund: {
        reason: 'CUSTOMER_REQUEST',
        requestedAt: FIXTURE_NOW.toISOString(),
        attempts: 1,
        lastError: expect.any(String),
        nextAttemptAt: new Date(FIXTURE_NOW.getTime() + 5_000).toISOString(),
        refundedAt: null,
      },
    });
    expect(() => assertPaymentView(view)).not.toThrow();
  });

  it('answers a failed payment with its reason', async () => {
    const { paymentId } = await f.pendingPayment(userId);
    await f.callback(paymentId, { type: 'payment.failed' });
    const view = await f.handlers.getPayment.execute({ paymentId, userId });
    expect(view).toMatchObject({ status: 'FAILED', failureReason: 'DECLINED' });
    expect(() => assertPaymentView(view)).not.toThrow();
  });

  it("answers PAYMENT_NOT_FOUND for someone else's payment, as for one that does not exist", async () => {
    const { paymentId } = await f.pendingPayment(userId);
    expect(await codeOf(f.handlers.getPayment.execute({ paymentId, userId: newId() }))).toBe('PAYMENT_NOT_FOUND');
    expect(await codeOf(f.handlers.getPayment.execute({ paymentId: newId(), userId }))).toBe('PAYMENT_NOT_FOUND');
  });
});

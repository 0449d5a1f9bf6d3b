import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { assertAdminPaymentView } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('RetryRefundNowHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(() => f.unitOfWork.dispose());

  it('makes a REFUNDING payment’s refund due now and answers it as admins see it', async () => {
    const paid = await f.succeededPayment(userId, { payable: 8_000 });
    f.provider.charges.get(paid.paymentId)!.refunds = 'refuse';
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, paymentId: paid.paymentId, amount: 8_000, reason: 'LATE_PAYMENT' });
    f.clock.advance(MINUTE);
    const now = new Date(FIXTURE_NOW.getTime() + MINUTE);

    const view = await f.handlers.retryRefundNow.execute({ paymentId: paid.paymentId });

    expect(view).toMatchObject({
      paymentId: paid.paymentId,
      userId,
      status: 'REFUNDING',
      refund: { reason: 'LATE_PAYMENT', attempts: 1, lastError: expect.any(String), nextAttemptAt: now.toISOString(), refundedAt: null },
    });
    expect(() => assertAdminPaymentView(view)).not.toThrow();
    expect(f.payments.rowOf(paid.paymentId)!.refund!.nextAttemptAt).toEqual(now);
  });

  it('refuses a payment with no refund pending (NO_REFUND_PENDING) and an unknown one (PAYMENT_NOT_FOUND)', async () => {
    const paid = await f.succeededPayment(userId);
    expect(await codeOf(f.handlers.retryRefundNow.execute({ paymentId: paid.paymentId }))).toBe('NO_REFUND_PENDING');
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, paymentId: paid.paymentId, amount: paid.amount, reason: 'CUSTOMER_REQUEST' });
    expect(f.payments.rowOf(paid.paymentId)!.status).toBe('REFUNDED');
    expect(await codeOf(f.handlers.retryRefundNow.execute({ paymentId: paid.paymentId }))).toBe('NO_REFUND_PENDING');
    expect(await codeOf(f.handlers.retryRefundNow.execute({ paymentId: newId() }))).toBe('PAYMENT_NOT_FOUND');
    expect(await codeOf(f.handlers.retryRefundNow.execute({ paymentId: 'p-1' }))).toBe('INVALID_VALUE');
  });
});

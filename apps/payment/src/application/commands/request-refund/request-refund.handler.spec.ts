import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PaymentRefundedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { FIXTURE_NOW, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

const schemas = new EventSchemaRegistry([PaymentRefundedV1]);

describe('RequestRefundHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  let orderId: string;
  let paymentId: string;
  beforeEach(async () => {
    f = paymentApplicationFixture();
    ({ orderId, paymentId } = await f.succeededPayment(userId, { payable: 12_000 }));
    f.outbox.events = [];
  });
  afterEach(async () => {
    expect(f.provider.callsInTransaction, 'the provider is never called inside a transaction').toBe(0);
    await f.unitOfWork.dispose();
  });
  const request = (overrides: Partial<{ orderId: string; paymentId: string; amount: number; reason: string }> = {}) =>
    f.handlers.requestRefund.execute({ orderId, paymentId, amount: 12_000, reason: 'LATE_PAYMENT', ...overrides });

  it('records the refund, then tries the provider once after the commit: REFUNDED, payment.refunded.v1', async () => {
    const seen: Array<{ status: string | undefined; inTransaction: boolean }> = [];
    const refund = f.provider.refundPayment.bind(f.provider);
    f.provider.refundPayment = async (r, options) => {
      seen.push({ status: f.payments.rowOf(r.paymentId)?.status, inTransaction: f.unitOfWork.inTransaction });
      return refund(r, options);
    };
    expect(await request()).toEqual({ outcome: 'requested' });
    expect(seen).toEqual([{ status: 'REFUNDING', inTransaction: false }]);
    expect(f.payments.rowOf(paymentId)).toMatchObject({
      status: 'REFUNDED',
      refund: { reason: 'LATE_PAYMENT', requestedAt: FIXTURE_NOW, attempts: 0, lastError: null, nextAttemptAt: null, refundedAt: FIXTURE_NOW },
    });
    expect(f.outbox.events).toEqual([
      { type: 'payment.refunded.v1', aggregateId: paymentId, payload: { paymentId, orderId, userId, amount: 12_000, refundedAt: FIXTURE_NOW.toISOString() } },
    ]);
    expect(() => schemas.validatePayload(PaymentRefundedV1.type, f.outbox.events[0]!.payload)).not.toThrow();
    expect(f.provider.refundsOf(paymentId)).toBe(1);
  });

  it('leaves a refused first try to the job: REFUNDING, counted, due again in 5 s', async () => {
    f.provider.charges.get(paymentId)!.refunds = 'refuse';
    expect(await request()).toEqual({ outcome: 'requested' });
    expect(f.payments.rowOf(paymentId)).toMatchObject({
      status: 'REFUNDING',
      refund: { attempts: 1, lastError: expect.stringContaining('refuses'), nextAttemptAt: new Date(FIXTURE_NOW.getTime() + 5_000) },
    });
    expect(f.outbox.events).toEqual([]);
  });

  it('leaves a first try that throws to the job too, and still answers', async () => {
    f.provider.failNext('refundPayment', new Error('socket hang up'));
    expect(await request()).toEqual({ outcome: 'requested' });
    expect(f.payments.rowOf(paymentId)).toMatchObject({ status: 'REFUNDING', refund: { attempts: 1, lastError: expect.stringContaining('socket hang up') } });
  });

  it('inside the message handler’s transaction, tries the provider only after that transaction commits; never when it rolls back', async () => {
    let callsBeforeCommit = -1;
    await f.unitOfWork.run(async () => {
      await request();
      callsBeforeCommit = f.provider.calls.filter((c) => c.operation === 'refundPayment').length;
    });
    await f.handlers.requestRefund.settled();
    expect(callsBeforeCommit).toBe(0);
    expect(f.payments.rowOf(paymentId)!.status).toBe('REFUNDED');

    const other = await f.succeededPayment(userId);
    await expect(
      f.unitOfWork.run(async () => {
        await f.handlers.requestRefund.execute({ orderId: other.orderId, paymentId: other.paymentId, amount: other.amount, reason: 'CUSTOMER_REQUEST' });
        throw new Error('the inbox row could not be written');
      }),
    ).rejects.toThrow('the inbox row could not be written');
    await f.handlers.requestRefund.settled();
    expect(f.payments.rowOf(other.paymentId)!.status).toBe('SUCCEEDED');
    expect(f.provider.refundsOf(other.paymentId)).toBe(0);
  });

  it('changes nothing when asked again (refunding or refunded), keeping the first refund id', async () => {
    f.provider.charges.get(paymentId)!.refunds = 'refuse';
    await request();
    const first = f.payments.rowOf(paymentId)!.refund!;
    expect(await request({ reason: 'CUSTOMER_REQUEST' })).toEqual({ outcome: 'duplicate' });
    expect(f.payments.rowOf(paymentId)!.refund).toEqual(first);
    f.provider.charges.get(paymentId)!.refunds = 'accept';
    await f.handlers.attemptRefund.execute({ paymentId });
    expect(await request()).toEqual({ outcome: 'duplicate' });
    expect(f.eventTypes()).toEqual(['payment.refunded.v1']);
    expect(f.provider.refundsOf(paymentId)).toBe(1);
  });

  it('drops a refund of another amount (refunds are whole) or of another order’s payment, changing nothing', async () => {
    expect(await request({ amount: 6_000 })).toEqual({ outcome: 'amount-mismatch', paymentAmount: 12_000 });
    const otherOrder = newId();
    expect(await request({ orderId: otherOrder })).toEqual({ outcome: 'foreign-order', paymentOrderId: orderId });
    expect(f.payments.rowOf(paymentId)!.status).toBe('SUCCEEDED');
    expect(f.provider.calls.filter((c) => c.operation === 'refundPayment')).toEqual([]);
  });

  it('throws for a payment unknown here or one that took no money (the delivery is retried)', async () => {
    expect(await codeOf(request({ paymentId: newId() }))).toBe('PAYMENT_NOT_FOUND');
    const pending = await f.pendingPayment(userId);
    expect(await codeOf(request({ orderId: pending.orderId, paymentId: pending.paymentId, amount: pending.amount }))).toBe('NOT_REFUNDABLE');
  });

  it('refunds a free payment (0 fen, no provider) at once, asking no provider: the order gets its coupon and points back', async () => {
    const free = await f.awaitingOrder(userId, { payable: 0 });
    const [payment] = f.payments.ofOrder(free);
    f.outbox.events = [];
    const outcome = await f.handlers.requestRefund.execute({ orderId: free, paymentId: payment!.paymentId, amount: 0, reason: 'CUSTOMER_REQUEST' });
    expect(outcome).toEqual({ outcome: 'requested' });
    expect(f.payments.rowOf(payment!.paymentId)!.status).toBe('REFUNDED');
    expect(f.eventTypes()).toEqual(['payment.refunded.v1']);
    expect(f.provider.calls.filter((c) => c.paymentId === payment!.paymentId)).toEqual([]);
  });
});

import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, OrderRefundedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

const schemas = new EventSchemaRegistry([OrderRefundedV1]);

describe('RecordRefundHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const refund = (orderId: string, paymentId: string, amount: number) => f.handlers.recordRefund.execute({ orderId, paymentId, amount });

  it('makes a REFUNDING order REFUNDED when its payment is refunded, announcing order.refunded.v1; again: a duplicate', async () => {
    const { orderId, couponId, paymentId, payable } = await f.paidOrder(userId);
    await f.handlers.requestRefund.execute({ orderId, userId });
    const before = f.outbox.events.length;
    expect(await refund(orderId, paymentId, payable)).toEqual({ outcome: 'refunded' });
    const events = f.outbox.events.slice(before);
    expect(events).toEqual([
      {
        type: 'order.refunded.v1',
        aggregateId: orderId,
        payload: { orderId, userId, couponId, pointsToUse: 500, amountRefunded: payable, refundedAt: f.clock.now().toISOString() },
      },
    ]);
    expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
    expect(f.statusOf(orderId)).toBe('REFUNDED');
    expect(await refund(orderId, paymentId, payable)).toEqual({ outcome: 'duplicate' });
    expect(f.outbox.events.length).toBe(before + 1);
  });

  it('refunds a paid order whose payment the provider refunded unasked (through REFUNDING, PAYMENT_REFUNDED)', async () => {
    const { orderId, paymentId, payable } = await f.paidOrder(userId);
    expect(await refund(orderId, paymentId, payable)).toEqual({ outcome: 'refunded' });
    expect(
      f.orders
        .rowOf(orderId)!
        .history.slice(-2)
        .map((h) => [h.status, h.reason]),
    ).toEqual([
      ['REFUNDING', 'PAYMENT_REFUNDED'],
      ['REFUNDED', null],
    ]);
  });

  it('marks the refund of a late payment, the order staying CANCELLED and nothing announced', async () => {
    const { orderId, payable } = await f.awaitingPayment(userId);
    await f.handlers.cancelOrder.execute({ orderId, userId });
    const late = newId();
    await f.handlers.recordPayment.execute({ orderId, paymentId: late, amount: payable });
    const before = f.outbox.events.length;
    expect(await refund(orderId, late, payable)).toEqual({ outcome: 'stray-refunded' });
    expect(f.statusOf(orderId)).toBe('CANCELLED');
    expect(f.orders.rowOf(orderId)!.payments).toEqual([expect.objectContaining({ paymentId: late, refundStatus: 'REFUNDED', refundReason: 'LATE_PAYMENT' })]);
    expect(f.outbox.events.length).toBe(before);
  });

  it('changes nothing for a refund of part of the payment (or more than it): amount-mismatch with what was paid, nothing stored or announced', async () => {
    const { orderId, paymentId, payable } = await f.paidOrder(userId);
    const row = f.orders.rowOf(orderId);
    const before = f.outbox.events.length;
    expect(await refund(orderId, paymentId, 1)).toEqual({ outcome: 'amount-mismatch', paymentAmount: payable });
    expect(await refund(orderId, paymentId, payable + 1)).toEqual({ outcome: 'amount-mismatch', paymentAmount: payable });
    expect(f.orders.rowOf(orderId)).toEqual(row);
    expect(f.outbox.events.length).toBe(before);
    // The whole refund still lands afterwards.
    expect(await refund(orderId, paymentId, payable)).toEqual({ outcome: 'refunded' });
  });

  it('answers foreign-payment, changing nothing, for a refund of a payment recorded on another order', async () => {
    const paid = await f.paidOrder(userId);
    const other = await f.paidOrder(userId);
    const row = f.orders.rowOf(other.orderId);
    const before = f.outbox.events.length;
    expect(await refund(other.orderId, paid.paymentId, paid.payable)).toEqual({ outcome: 'foreign-payment', ownerOrderId: paid.orderId });
    expect(f.orders.rowOf(other.orderId)).toEqual(row);
    expect(f.statusOf(paid.orderId)).toBe('PAID');
    expect(f.outbox.events.length).toBe(before);
  });

  it('throws (to be retried) for a payment not recorded yet, or an order unknown here', async () => {
    const { orderId } = await f.paidOrder(userId);
    expect(await codeOf(refund(orderId, newId(), 1))).toBe('REFUND_BEFORE_PAYMENT');
    expect(await codeOf(refund(newId(), newId(), 1))).toBe('ORDER_NOT_FOUND');
    expect(f.statusOf(orderId)).toBe('PAID');
  });
});

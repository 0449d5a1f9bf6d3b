import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, OrderPaidV1, OrderRefundRequestedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

const schemas = new EventSchemaRegistry([OrderPaidV1, OrderRefundRequestedV1]);

describe('RecordPaymentHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const pay = (orderId: string, amount: number, paymentId = newId()) => f.handlers.recordPayment.execute({ orderId, paymentId, amount });

  it('makes an order awaiting payment PAID, announcing order.paid.v1 with its coupon and points; the same payment again changes nothing', async () => {
    const { orderId, couponId, payable } = await f.awaitingPayment(userId);
    const paymentId = newId();
    const before = f.outbox.events.length;
    expect(await pay(orderId, payable, paymentId)).toEqual({ outcome: 'paid' });
    const events = f.outbox.events.slice(before);
    expect(events).toEqual([
      {
        type: 'order.paid.v1',
        aggregateId: orderId,
        payload: { orderId, userId, couponId, pointsToUse: 500, amountPaid: payable, paidAt: f.clock.now().toISOString() },
      },
    ]);
    expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
    expect(await pay(orderId, payable, paymentId)).toEqual({ outcome: 'duplicate' });
    expect(f.outbox.events.length).toBe(before + 1);
    expect(f.statusOf(orderId)).toBe('PAID');
  });

  it.each<[string, (f: OrderApplicationFixture) => Promise<{ orderId: string; amount: number }>, string, string, string | null]>([
    [
      'after the order was cancelled',
      async (f) => {
        const { orderId, payable } = await f.awaitingPayment(userId);
        await f.handlers.cancelOrder.execute({ orderId, userId });
        return { orderId, amount: payable };
      },
      'LATE_PAYMENT',
      'CANCELLED',
      'CUSTOMER_CANCELLED',
    ],
    [
      'a second payment of a paid order',
      async (f) => {
        const { orderId, payable } = await f.paidOrder(userId);
        return { orderId, amount: payable };
      },
      'DUPLICATE_PAYMENT',
      'PAID',
      null,
    ],
    [
      'of another amount than payable',
      async (f) => {
        const { orderId, payable } = await f.awaitingPayment(userId);
        return { orderId, amount: payable + 1 };
      },
      'AMOUNT_MISMATCH',
      'AWAITING_PAYMENT',
      null,
    ],
  ])(
    'asks the refund of a payment %s (%s), the order staying %s, answering its payment deadline and cancel reason',
    async (_, given, reason, status, cancelReason) => {
      const { orderId, amount } = await given(f);
      const paymentId = newId();
      const before = f.outbox.events.length;
      const paymentDueAt = new Date(f.clock.now().getTime() + f.rules.paymentTimeoutMs);
      expect(await pay(orderId, amount, paymentId)).toEqual({ outcome: 'refund-requested', reason, paymentDueAt, cancelReason });
      const events = f.outbox.events.slice(before);
      expect(events).toEqual([
        {
          type: 'order.refund-requested.v1',
          aggregateId: orderId,
          payload: { orderId, userId, paymentId, amount, reason, requestedAt: f.clock.now().toISOString() },
        },
      ]);
      expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
      expect(f.statusOf(orderId)).toBe(status);
      expect(await pay(orderId, amount, paymentId)).toEqual({ outcome: 'duplicate' });
      expect(f.outbox.events.length).toBe(before + 1);
    },
  );

  it('answers foreign-payment, changing nothing, for a payment recorded on another order (captured or refused there)', async () => {
    const paid = await f.paidOrder(userId);
    const { orderId, payable } = await f.awaitingPayment(userId);
    const row = f.orders.rowOf(orderId);
    const before = f.outbox.events.length;
    expect(await pay(orderId, payable, paid.paymentId)).toEqual({ outcome: 'foreign-payment', ownerOrderId: paid.orderId });
    // In any spelling of its id.
    expect(await pay(orderId, payable, paid.paymentId.toUpperCase())).toEqual({ outcome: 'foreign-payment', ownerOrderId: paid.orderId });
    const refused = newId();
    await pay(paid.orderId, 1, refused);
    expect(await pay(orderId, payable, refused)).toEqual({ outcome: 'foreign-payment', ownerOrderId: paid.orderId });
    expect(f.orders.rowOf(orderId)).toEqual(row);
    expect(f.outbox.events.length).toBe(before + 1);
  });

  it('throws (to be retried) for a payment of a PENDING order, or of an order unknown here, recording nothing', async () => {
    const orderId = await f.placeOrder(userId, { pointsToUse: 500 });
    const row = f.orders.rowOf(orderId);
    expect(await codeOf(pay(orderId, 21_000))).toBe('ORDER_NOT_AWAITING_PAYMENT_YET');
    expect(await codeOf(pay(newId(), 1))).toBe('ORDER_NOT_FOUND');
    expect(f.orders.rowOf(orderId)).toEqual(row);
  });
});

import { describe, expect, it } from 'vitest';
import {
  EventSchemaRegistry,
  ORDER_CANCEL_REASONS,
  OrderAwaitingPaymentV1,
  OrderCancelledV1,
  OrderPaidV1,
  OrderPlacedV1,
  OrderRefundedV1,
  OrderRefundRequestedV1,
  REFUND_REASONS,
} from '@shop/contracts';
import { newId, UnmappedDomainEventError } from '@shop/shared-kernel';
import type { OrderContextEvent } from '../domain/order.events.js';
import { orderIntegrationEvents } from './order.integration-events.js';

const at = new Date('2026-02-01T08:00:00.000Z');
const due = new Date('2026-02-01T08:15:00.000Z');
const orderId = newId();
const userId = newId();
const couponId = newId();
const paymentId = newId();
const schemas = new EventSchemaRegistry([OrderPlacedV1, OrderAwaitingPaymentV1, OrderCancelledV1, OrderPaidV1, OrderRefundRequestedV1, OrderRefundedV1]);

/** The one outgoing event of `event`, checked against its published schema. */
function published(event: OrderContextEvent) {
  const events = orderIntegrationEvents(event);
  expect(events).toHaveLength(1);
  expect(events[0]!.aggregateId).toBe(orderId);
  expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
  return events[0]!;
}

describe('orderIntegrationEvents', () => {
  it('announces a placement as order.placed.v1 (items without names), valid against its schema', () => {
    const lines = [
      { sku: 'TEA', name: 'Tea', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
      { sku: 'MUG', name: 'Mug', quantity: 1, unitPrice: 3_900, lineTotal: 3_900 },
    ];
    for (const coupon of [couponId, null]) {
      expect(
        published({ type: 'OrderPlaced', aggregateId: orderId, occurredAt: at, userId, lines, subtotal: 21_500, couponId: coupon, pointsToUse: 300 }),
      ).toEqual({
        type: 'order.placed.v1',
        aggregateId: orderId,
        payload: {
          orderId,
          userId,
          items: [
            { sku: 'TEA', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
            { sku: 'MUG', quantity: 1, unitPrice: 3_900, lineTotal: 3_900 },
          ],
          subtotal: 21_500,
          couponId: coupon,
          pointsToUse: 300,
          placedAt: at.toISOString(),
        },
      });
    }
  });

  it('announces awaiting payment as order.awaiting-payment.v1 with the payable and its deadline (0 payable too)', () => {
    for (const payable of [20_200, 0]) {
      expect(
        published({
          type: 'OrderAwaitingPayment',
          aggregateId: orderId,
          occurredAt: at,
          userId,
          subtotal: 21_500,
          couponDiscount: 1_000,
          pointsUsed: 300,
          payable,
          paymentDueAt: due,
        }).payload,
      ).toEqual({
        orderId,
        userId,
        subtotal: 21_500,
        couponDiscount: 1_000,
        pointsUsed: 300,
        payable,
        paymentDueAt: due.toISOString(),
        awaitingSince: at.toISOString(),
      });
    }
  });

  it.each(ORDER_CANCEL_REASONS)('announces a cancellation (%s) as order.cancelled.v1', (reason) => {
    expect(published({ type: 'OrderCancelled', aggregateId: orderId, occurredAt: at, userId, couponId, pointsToUse: 300, reason })).toEqual({
      type: 'order.cancelled.v1',
      aggregateId: orderId,
      payload: { orderId, userId, couponId, pointsToUse: 300, reason, cancelledAt: at.toISOString() },
    });
  });

  it('announces a payment as order.paid.v1 with the order’s points and the amount paid', () => {
    expect(
      published({ type: 'OrderPaid', aggregateId: orderId, occurredAt: at, userId, couponId: null, pointsToUse: 0, paymentId, amountPaid: 21_500 }),
    ).toEqual({
      type: 'order.paid.v1',
      aggregateId: orderId,
      payload: { orderId, userId, couponId: null, pointsToUse: 0, amountPaid: 21_500, paidAt: at.toISOString() },
    });
  });

  it.each(REFUND_REASONS)('announces a refund request (%s) as order.refund-requested.v1 naming the payment', (reason) => {
    expect(published({ type: 'OrderRefundRequested', aggregateId: orderId, occurredAt: at, userId, paymentId, amount: 20_200, reason })).toEqual({
      type: 'order.refund-requested.v1',
      aggregateId: orderId,
      payload: { orderId, userId, paymentId, amount: 20_200, reason, requestedAt: at.toISOString() },
    });
  });

  it('announces a refund as order.refunded.v1 with what was refunded', () => {
    expect(
      published({ type: 'OrderRefunded', aggregateId: orderId, occurredAt: at, userId, couponId, pointsToUse: 300, paymentId, amountRefunded: 20_200 }),
    ).toEqual({
      type: 'order.refunded.v1',
      aggregateId: orderId,
      payload: { orderId, userId, couponId, pointsToUse: 300, amountRefunded: 20_200, refundedAt: at.toISOString() },
    });
  });

  const product = { productId: newId(), sku: 'MUG', name: 'Mug', price: 1, active: true, createdAt: at, updatedAt: at };
  it.each<OrderContextEvent>([
    { type: 'OrderFulfilmentAdvanced', aggregateId: orderId, occurredAt: at, status: 'SHIPPED' },
    { type: 'OrderReplyRecorded', aggregateId: orderId, occurredAt: at, step: 'coupon' },
    { type: 'OrderStrayPaymentRefunded', aggregateId: orderId, occurredAt: at, paymentId, amount: 1 },
    { type: 'ProductCreated', aggregateId: product.productId, occurredAt: at, product },
    { type: 'ProductUpdated', aggregateId: product.productId, occurredAt: at, product },
  ])('keeps $type inside the context', (event) => {
    expect(orderIntegrationEvents(event)).toEqual([]);
  });

  it('fails loudly on a domain event it has no case for', () => {
    const stray = { type: 'OrderLost', aggregateId: orderId, occurredAt: at } as unknown as OrderContextEvent;
    expect(() => orderIntegrationEvents(stray)).toThrow(UnmappedDomainEventError);
  });
});

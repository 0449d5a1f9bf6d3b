import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, OrderAwaitingPaymentV1, OrderCancelledV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

const schemas = new EventSchemaRegistry([OrderAwaitingPaymentV1, OrderCancelledV1]);

describe('RecordCouponReplyHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  const couponId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const reserved = (orderId: string, discount = 1_000, coupon = couponId) =>
    f.handlers.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId: coupon, discount } });
  const rejected = (orderId: string, coupon = couponId) =>
    f.handlers.recordCouponReply.execute({ orderId, reply: { kind: 'rejected', couponId: coupon, reason: 'BELOW_MIN_SPEND' } });
  const newEvents = async (work: () => Promise<unknown>) => {
    const before = f.outbox.events.length;
    await work();
    return f.outbox.events.slice(before);
  };

  it('with the points still out, records the coupon and waits; a repeat changes nothing', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    expect(await newEvents(async () => expect(await reserved(orderId)).toEqual({ outcome: 'awaiting-other', status: 'PENDING' }))).toEqual([]);
    expect(f.orders.rowOf(orderId)).toMatchObject({ couponStep: 'RESERVED', couponDiscount: 1_000, status: 'PENDING' });
    const row = f.orders.rowOf(orderId);
    expect(await reserved(orderId)).toEqual({ outcome: 'ignored', status: 'PENDING' });
    expect(f.orders.rowOf(orderId)).toEqual(row);
  });

  it('as the last reservation in, awaits payment with payable = subtotal − discount − points (order.awaiting-payment.v1)', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    await f.handlers.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points: 500 } });
    const events = await newEvents(async () => expect(await reserved(orderId)).toEqual({ outcome: 'awaiting-payment', status: 'AWAITING_PAYMENT' }));
    expect(events.map((e) => [e.type, (e.payload as { payable: number }).payable])).toEqual([['order.awaiting-payment.v1', 21_500 - 1_000 - 500]]);
    expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
  });

  it('cancels with COUPON_<reason> on a rejection (order.cancelled.v1 naming the coupon and points to release)', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    const events = await newEvents(async () => expect(await rejected(orderId)).toEqual({ outcome: 'cancelled', status: 'CANCELLED' }));
    expect(events).toEqual([
      {
        type: 'order.cancelled.v1',
        aggregateId: orderId,
        payload: { orderId, userId, couponId, pointsToUse: 500, reason: 'COUPON_BELOW_MIN_SPEND', cancelledAt: f.clock.now().toISOString() },
      },
    ]);
    expect(() => schemas.validatePayload(events[0]!.type, events[0]!.payload)).not.toThrow();
    expect(await newEvents(async () => expect(await reserved(orderId)).toEqual({ outcome: 'ignored', status: 'CANCELLED' }))).toEqual([]);
  });

  it('cancels with POINTS_EXCEED_PAYABLE when the discount and the points pass the subtotal', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 21_000 });
    await f.handlers.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points: 21_000 } });
    expect(await reserved(orderId, 501)).toEqual({ outcome: 'cancelled', status: 'CANCELLED' });
    expect(f.orders.rowOf(orderId)).toMatchObject({ cancelReason: 'POINTS_EXCEED_PAYABLE', payable: null });
  });

  it('ignores a reply naming another coupon, saying so with both sides; nothing changes', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    const other = newId();
    const row = f.orders.rowOf(orderId);
    const mismatch = { field: 'couponId', expected: couponId, received: other };
    expect(await reserved(orderId, 1_000, other)).toEqual({ outcome: 'ignored', status: 'PENDING', mismatch });
    expect(await rejected(orderId, other.toUpperCase())).toEqual({ outcome: 'ignored', status: 'PENDING', mismatch });
    expect(f.orders.rowOf(orderId)).toEqual(row);
    const noCoupon = await f.placeOrder(userId, { pointsToUse: 500 });
    expect(await reserved(noCoupon)).toEqual({ outcome: 'ignored', status: 'PENDING', mismatch: { field: 'couponId', expected: null, received: couponId } });
  });

  it('answers unknown-order for an order never placed here, storing nothing', async () => {
    expect(await reserved(newId())).toEqual({ outcome: 'unknown-order' });
    expect(f.orders.snapshots()).toEqual([]);
    expect(f.outbox.events).toEqual([]);
  });

  it('matches the coupon in any spelling of its id', async () => {
    const orderId = await f.placeOrder(userId, { couponId });
    expect(await reserved(orderId, 1_000, `urn:uuid:${couponId.toUpperCase()}`)).toEqual({ outcome: 'awaiting-payment', status: 'AWAITING_PAYMENT' });
  });
});

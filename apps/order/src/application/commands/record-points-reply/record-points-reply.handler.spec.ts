import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('RecordPointsReplyHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  const couponId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const reserved = (orderId: string, points = 500) => f.handlers.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points } });
  const rejected = (orderId: string) => f.handlers.recordPointsReply.execute({ orderId, reply: { kind: 'rejected', reason: 'INSUFFICIENT_POINTS' } });

  it('with the coupon still out, records the points and waits; then the coupon decides', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    expect(await reserved(orderId)).toEqual({ outcome: 'awaiting-other', status: 'PENDING' });
    expect(f.outbox.events.map((e) => e.type)).toEqual(['order.placed.v1']);
    await f.handlers.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId, discount: 0 } });
    expect(f.orders.rowOf(orderId)).toMatchObject({ status: 'AWAITING_PAYMENT', payable: 21_000 });
  });

  it('with points only, awaits payment on its reply; a repeat and a late rejection change nothing', async () => {
    const orderId = await f.placeOrder(userId, { pointsToUse: 500 });
    expect(await reserved(orderId)).toEqual({ outcome: 'awaiting-payment', status: 'AWAITING_PAYMENT' });
    expect(f.orders.rowOf(orderId)!.payable).toBe(21_000);
    const events = f.outbox.events.length;
    expect(await reserved(orderId)).toEqual({ outcome: 'ignored', status: 'AWAITING_PAYMENT' });
    expect(await rejected(orderId)).toEqual({ outcome: 'ignored', status: 'AWAITING_PAYMENT' });
    expect(f.outbox.events).toHaveLength(events);
  });

  it('cancels with POINTS_<reason> on a rejection, also after the coupon was reserved (it is released on order.cancelled.v1)', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    await f.handlers.recordCouponReply.execute({ orderId, reply: { kind: 'reserved', couponId, discount: 100 } });
    expect(await rejected(orderId)).toEqual({ outcome: 'cancelled', status: 'CANCELLED' });
    expect(f.outbox.events.at(-1)).toMatchObject({ type: 'order.cancelled.v1', payload: { reason: 'POINTS_INSUFFICIENT_POINTS', couponId, pointsToUse: 500 } });
  });

  it('ignores a reservation of other points than asked, or of points an order never asked for, saying so', async () => {
    const orderId = await f.placeOrder(userId, { couponId, pointsToUse: 500 });
    expect(await reserved(orderId, 499)).toEqual({ outcome: 'ignored', status: 'PENDING', mismatch: { field: 'points', expected: 500, received: 499 } });
    const none = await f.placeOrder(userId, { couponId });
    expect(await rejected(none)).toEqual({ outcome: 'ignored', status: 'PENDING', mismatch: { field: 'points', expected: 0, received: null } });
    expect(f.orders.rowOf(orderId)!.pointsStep).toBe('WAITING');
  });

  it('answers unknown-order for an order never placed here', async () => {
    expect(await reserved(newId())).toEqual({ outcome: 'unknown-order' });
  });
});

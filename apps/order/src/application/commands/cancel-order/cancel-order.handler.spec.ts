import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { assertOrderResponse } from '../../testing/contract-shapes.js';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('CancelOrderHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it.each([
    ['PENDING', (f: OrderApplicationFixture) => f.placeOrder(userId, { pointsToUse: 500 })],
    ['AWAITING_PAYMENT', async (f: OrderApplicationFixture) => (await f.awaitingPayment(userId)).orderId],
  ])('cancels a %s order with CUSTOMER_CANCELLED, answering the order; order.cancelled.v1 lets the participants release', async (_, given) => {
    const orderId = await given(f);
    f.clock.advance(1_000);
    const view = await f.handlers.cancelOrder.execute({ orderId, userId: userId.toUpperCase() });
    expect(view).toMatchObject({ orderId, status: 'CANCELLED', cancelReason: 'CUSTOMER_CANCELLED' });
    expect(view.history.at(-1)).toEqual({ status: 'CANCELLED', at: f.clock.now().toISOString(), reason: 'CUSTOMER_CANCELLED' });
    expect(() => assertOrderResponse(view)).not.toThrow();
    expect(f.outbox.events.at(-1)).toMatchObject({ type: 'order.cancelled.v1', payload: { orderId, reason: 'CUSTOMER_CANCELLED' } });
  });

  it('answers INVALID_STATE once paid or cancelled, changing nothing', async () => {
    const { orderId } = await f.paidOrder(userId);
    const row = f.orders.rowOf(orderId);
    expect(await codeOf(f.handlers.cancelOrder.execute({ orderId, userId }))).toBe('INVALID_STATE');
    expect(f.orders.rowOf(orderId)).toEqual(row);
    const other = await f.placeOrder(userId);
    await f.handlers.cancelOrder.execute({ orderId: other, userId });
    expect(await codeOf(f.handlers.cancelOrder.execute({ orderId: other, userId }))).toBe('INVALID_STATE');
  });

  it('answers ORDER_NOT_FOUND for another customer’s order (untouched) and for an unknown one', async () => {
    const orderId = await f.placeOrder(userId);
    expect(await codeOf(f.handlers.cancelOrder.execute({ orderId, userId: newId() }))).toBe('ORDER_NOT_FOUND');
    expect(f.statusOf(orderId)).toBe('AWAITING_PAYMENT');
    expect(await codeOf(f.handlers.cancelOrder.execute({ orderId: newId(), userId }))).toBe('ORDER_NOT_FOUND');
  });
});

import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { assertOrderResponse } from '../../testing/contract-shapes.js';
import { FIXTURE_NOW, orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('GetOrderHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('shows the owner their order in the contract’s shape: items, figures, payment and history', async () => {
    const { orderId, couponId, paymentId, payable } = await f.paidOrder(userId);
    const view = await f.handlers.getOrder.execute({ orderId, userId });
    const at = FIXTURE_NOW.toISOString();
    expect(view).toEqual({
      orderId,
      userId,
      status: 'PAID',
      items: [
        { sku: 'TEA', name: 'TEA', quantity: 2, unitPrice: 8_800, lineTotal: 17_600 },
        { sku: 'MUG', name: 'MUG', quantity: 1, unitPrice: 3_900, lineTotal: 3_900 },
      ],
      subtotal: 21_500,
      couponId,
      couponDiscount: 1_000,
      pointsToUse: 500,
      pointsUsed: 500,
      payable,
      cancelReason: null,
      paymentId,
      amountPaid: payable,
      paymentDueAt: new Date(FIXTURE_NOW.getTime() + f.rules.paymentTimeoutMs).toISOString(),
      placedAt: at,
      updatedAt: at,
      history: [
        { status: 'PENDING', at, reason: null },
        { status: 'AWAITING_PAYMENT', at, reason: null },
        { status: 'PAID', at, reason: null },
      ],
    });
    expect(payable).toBe(20_000);
    expect(() => assertOrderResponse(view)).not.toThrow();
    expect(await f.handlers.getOrder.execute({ orderId, userId: null })).toEqual(view);
  });

  it('shows 0 discount and points, and no payable, until the reservations are in', async () => {
    const orderId = await f.placeOrder(userId, { couponId: newId(), pointsToUse: 500 });
    const view = await f.handlers.getOrder.execute({ orderId, userId });
    expect(view).toMatchObject({
      status: 'PENDING',
      couponDiscount: 0,
      pointsToUse: 500,
      pointsUsed: 0,
      payable: null,
      paymentId: null,
      amountPaid: null,
      paymentDueAt: null,
    });
    expect(() => assertOrderResponse(view)).not.toThrow();
  });

  it('answers ORDER_NOT_FOUND for another customer’s order as for an unknown one', async () => {
    const orderId = await f.placeOrder(userId);
    expect(await codeOf(f.handlers.getOrder.execute({ orderId, userId: newId() }))).toBe('ORDER_NOT_FOUND');
    expect(await codeOf(f.handlers.getOrder.execute({ orderId: newId(), userId }))).toBe('ORDER_NOT_FOUND');
  });
});

import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { assertOrderResponse } from '../../testing/contract-shapes.js';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('AdvanceFulfilmentHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('walks a paid order of any customer through accept, ship and deliver, one step at a time, in history', async () => {
    const { orderId } = await f.paidOrder(userId);
    const before = f.outbox.events.length;
    expect(await codeOf(f.handlers.advanceFulfilment.execute({ orderId, step: 'ship' }))).toBe('INVALID_STATE');
    const statuses = [];
    for (const step of ['accept', 'ship', 'deliver'] as const) {
      const view = await f.handlers.advanceFulfilment.execute({ orderId, step });
      expect(() => assertOrderResponse(view)).not.toThrow();
      statuses.push(view.status);
    }
    expect(statuses).toEqual(['ACCEPTED', 'SHIPPED', 'DELIVERED']);
    expect(f.orders.rowOf(orderId)!.history.map((h) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'PAID', 'ACCEPTED', 'SHIPPED', 'DELIVERED']);
    expect(f.outbox.events.length).toBe(before);
    expect(await codeOf(f.handlers.advanceFulfilment.execute({ orderId, step: 'deliver' }))).toBe('INVALID_STATE');
  });

  it('answers INVALID_STATE for an unpaid order and ORDER_NOT_FOUND for an unknown one', async () => {
    const { orderId } = await f.awaitingPayment(userId);
    expect(await codeOf(f.handlers.advanceFulfilment.execute({ orderId, step: 'accept' }))).toBe('INVALID_STATE');
    expect(await codeOf(f.handlers.advanceFulfilment.execute({ orderId: newId(), step: 'accept' }))).toBe('ORDER_NOT_FOUND');
  });
});

import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('ConfirmReceiptHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it('completes a DELIVERED order of the customer; announces nothing to other contexts', async () => {
    const { orderId } = await f.paidOrder(userId);
    for (const step of ['accept', 'ship', 'deliver'] as const) await f.handlers.advanceFulfilment.execute({ orderId, step });
    const before = f.outbox.events.length;
    expect(await f.handlers.confirmReceipt.execute({ orderId, userId })).toMatchObject({ status: 'COMPLETED' });
    expect(f.outbox.events.length).toBe(before);
    expect(await codeOf(f.handlers.confirmReceipt.execute({ orderId, userId }))).toBe('INVALID_STATE');
  });

  it('answers INVALID_STATE before delivery and ORDER_NOT_FOUND for another customer', async () => {
    const { orderId } = await f.paidOrder(userId);
    expect(await codeOf(f.handlers.confirmReceipt.execute({ orderId, userId }))).toBe('INVALID_STATE');
    expect(await codeOf(f.handlers.confirmReceipt.execute({ orderId, userId: newId() }))).toBe('ORDER_NOT_FOUND');
    expect(f.statusOf(orderId)).toBe('PAID');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

describe('ClosePaymentForOrderHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(() => f.unitOfWork.dispose());

  it.each(['CANCELLED', 'PAID'] as const)('closes an awaiting order as %s; the first close stands', async (closedAs) => {
    const orderId = await f.awaitingOrder(userId);
    f.clock.advance(MINUTE);
    expect(await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs })).toBe('closed');
    expect(f.orders.rowOf(orderId)).toMatchObject({ state: closedAs, updatedAt: new Date(FIXTURE_NOW.getTime() + MINUTE) });
    const other = closedAs === 'PAID' ? 'CANCELLED' : 'PAID';
    expect(await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: other })).toBe('unchanged');
    expect(await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs })).toBe('unchanged');
    expect(f.orders.rowOf(orderId)!.state).toBe(closedAs);
  });

  it('leaves a tombstone for an order closed before its awaiting was heard of', async () => {
    const orderId = newId();
    expect(await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' })).toBe('closed-before-seen');
    expect(f.orders.rowOf(orderId)).toEqual({ orderId, userId, payable: 0, paymentDueAt: null, state: 'CANCELLED', updatedAt: FIXTURE_NOW });
  });

  it('leaves a PENDING payment alone: its provider outcome still comes in (a late success is applied and refunded by the order)', async () => {
    const { orderId, paymentId } = await f.pendingPayment(userId);
    await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs: 'CANCELLED' });
    expect(f.payments.rowOf(paymentId)!.status).toBe('PENDING');
    expect(f.outbox.events).toEqual([]);
  });
});

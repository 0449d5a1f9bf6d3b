import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, OrderRefundRequestedV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

const schemas = new EventSchemaRegistry([OrderRefundRequestedV1]);

describe('RequestRefundHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });

  it.each([[[]], [['accept']], [['accept', 'ship']], [['accept', 'ship', 'deliver']]] as const)(
    'after %j: REFUNDING, order.refund-requested.v1 (CUSTOMER_REQUEST) for the captured payment',
    async (steps) => {
      const { orderId, paymentId, payable } = await f.paidOrder(userId);
      for (const step of steps) await f.handlers.advanceFulfilment.execute({ orderId, step });
      const view = await f.handlers.requestRefund.execute({ orderId, userId });
      expect(view).toMatchObject({ status: 'REFUNDING', paymentId, amountPaid: payable });
      expect(view.history.at(-1)).toMatchObject({ status: 'REFUNDING', reason: 'CUSTOMER_REQUEST' });
      const event = f.outbox.events.at(-1)!;
      expect(event).toEqual({
        type: 'order.refund-requested.v1',
        aggregateId: orderId,
        payload: { orderId, userId, paymentId, amount: payable, reason: 'CUSTOMER_REQUEST', requestedAt: f.clock.now().toISOString() },
      });
      expect(() => schemas.validatePayload(event.type, event.payload)).not.toThrow();
    },
  );

  it('answers INVALID_STATE before payment and when refunding already; ORDER_NOT_FOUND for another customer', async () => {
    const { orderId } = await f.awaitingPayment(userId);
    expect(await codeOf(f.handlers.requestRefund.execute({ orderId, userId }))).toBe('INVALID_STATE');
    const paid = await f.paidOrder(userId);
    expect(await codeOf(f.handlers.requestRefund.execute({ orderId: paid.orderId, userId: newId() }))).toBe('ORDER_NOT_FOUND');
    await f.handlers.requestRefund.execute({ orderId: paid.orderId, userId });
    const events = f.outbox.events.length;
    expect(await codeOf(f.handlers.requestRefund.execute({ orderId: paid.orderId, userId }))).toBe('INVALID_STATE');
    expect(f.outbox.events.length).toBe(events);
  });
});

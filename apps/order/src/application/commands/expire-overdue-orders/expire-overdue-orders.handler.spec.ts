import { codeOf } from '@shop/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { newId } from '@shop/shared-kernel';
import { orderApplicationFixture, type OrderApplicationFixture } from '../../testing/order-application.fixture.js';

describe('ExpireOverdueOrdersHandler', () => {
  let f: OrderApplicationFixture;
  const userId = newId();
  beforeEach(() => {
    f = orderApplicationFixture();
  });
  const expireAll = async () => {
    const outcomes: string[] = [];
    for (const orderId of await f.handlers.expireOverdue.overdue(100)) outcomes.push(await f.handlers.expireOverdue.expire(orderId));
    return outcomes;
  };

  it('lists PENDING orders past their reservation deadline and cancels each with RESERVATION_TIMEOUT, oldest due first', async () => {
    const first = await f.placeOrder(userId, { pointsToUse: 500 });
    f.clock.advance(1_000);
    const second = await f.placeOrder(userId, { pointsToUse: 500 });
    f.clock.advance(f.rules.reservationTimeoutMs - 1_001);
    expect(await f.handlers.expireOverdue.overdue(100)).toEqual([]);
    f.clock.advance(1);
    expect(await f.handlers.expireOverdue.overdue(100)).toEqual([first]);
    f.clock.advance(1_000);
    expect(await f.handlers.expireOverdue.overdue(100)).toEqual([first, second]);
    expect(await f.handlers.expireOverdue.overdue(1)).toEqual([first]);
    expect(await expireAll()).toEqual(['cancelled', 'cancelled']);
    expect(f.orders.snapshots().map((o) => [o.status, o.cancelReason])).toEqual([
      ['CANCELLED', 'RESERVATION_TIMEOUT'],
      ['CANCELLED', 'RESERVATION_TIMEOUT'],
    ]);
    expect(f.outbox.ofType('order.cancelled.v1')).toHaveLength(2);
    expect(await f.handlers.expireOverdue.overdue(100)).toEqual([]);
  });

  it('cancels an unpaid order with PAYMENT_TIMEOUT once its payment deadline passes; a paid one never', async () => {
    const { orderId } = await f.awaitingPayment(userId);
    const paid = await f.paidOrder(userId);
    f.clock.advance(f.rules.paymentTimeoutMs);
    expect(await f.handlers.expireOverdue.overdue(100)).toEqual([orderId]);
    expect(await expireAll()).toEqual(['cancelled']);
    expect(f.orders.rowOf(orderId)).toMatchObject({ status: 'CANCELLED', cancelReason: 'PAYMENT_TIMEOUT' });
    expect(f.statusOf(paid.orderId)).toBe('PAID');
  });

  it('leaves an order that was decided between the listing and its turn: not-due, nothing written; missing for an unknown id', async () => {
    const orderId = await f.placeOrder(userId, { pointsToUse: 500 });
    f.clock.advance(f.rules.reservationTimeoutMs);
    const [due] = await f.handlers.expireOverdue.overdue(100);
    await f.handlers.recordPointsReply.execute({ orderId, reply: { kind: 'reserved', points: 500 } });
    const events = f.outbox.events.length;
    expect(await f.handlers.expireOverdue.expire(due!)).toBe('not-due');
    expect(f.statusOf(orderId)).toBe('AWAITING_PAYMENT');
    expect(f.outbox.events.length).toBe(events);
    expect(await f.handlers.expireOverdue.expire(newId())).toBe('missing');
  });

  it('refuses a batch limit below 1', async () => {
    expect(await codeOf(f.handlers.expireOverdue.overdue(0))).toBe('INVALID_VALUE');
  });
});

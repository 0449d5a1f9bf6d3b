import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventSchemaRegistry, PaymentSucceededV1 } from '@shop/contracts';
import { newId } from '@shop/shared-kernel';
import { codeOf } from '@shop/testing';
import { FIXTURE_NOW, MINUTE, paymentApplicationFixture, type PaymentApplicationFixture } from '../../testing/payment-application.fixture.js';

const schemas = new EventSchemaRegistry([PaymentSucceededV1]);

describe('OpenPaymentForOrderHandler', () => {
  let f: PaymentApplicationFixture;
  const userId = newId();
  const paymentDueAt = new Date(FIXTURE_NOW.getTime() + 15 * MINUTE);
  beforeEach(() => {
    f = paymentApplicationFixture();
  });
  afterEach(() => f.unitOfWork.dispose());

  it('records the order as payable by its customer until its deadline, announcing nothing', async () => {
    const orderId = newId();
    expect(await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 5_000, paymentDueAt })).toBe('opened');
    expect(f.orders.rowOf(orderId)).toEqual({ orderId, userId, payable: 5_000, paymentDueAt, state: 'AWAITING_PAYMENT', updatedAt: FIXTURE_NOW });
    expect(f.outbox.events).toEqual([]);
  });

  it('settles an order with nothing to pay at once: a payment of 0 through no provider, payment.succeeded.v1 in the same transaction', async () => {
    const orderId = newId();
    expect(await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 0, paymentDueAt })).toBe('settled-free');
    const [payment] = f.payments.ofOrder(orderId);
    expect(payment).toMatchObject({ amount: 0, provider: 'none', status: 'SUCCEEDED', settledAt: FIXTURE_NOW });
    expect(f.outbox.events).toEqual([
      {
        type: 'payment.succeeded.v1',
        aggregateId: payment!.paymentId,
        payload: { paymentId: payment!.paymentId, orderId, userId, amount: 0, succeededAt: FIXTURE_NOW.toISOString() },
      },
    ]);
    expect(() => schemas.validatePayload(PaymentSucceededV1.type, f.outbox.events[0]!.payload)).not.toThrow();
    expect(f.provider.calls).toEqual([]);
  });

  it('changes nothing when heard twice (no second free payment)', async () => {
    const orderId = newId();
    await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 0, paymentDueAt });
    expect(await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 0, paymentDueAt })).toBe('duplicate');
    expect(await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 9, paymentDueAt })).toBe('duplicate');
    expect(f.payments.ofOrder(orderId)).toHaveLength(1);
    expect(f.eventTypes()).toEqual(['payment.succeeded.v1']);
    expect(f.orders.rowOf(orderId)!.payable).toBe(0);
  });

  it.each(['CANCELLED', 'PAID'] as const)('leaves an order %s before its awaiting arrived closed (the tombstone holds)', async (closedAs) => {
    const orderId = newId();
    await f.handlers.closePaymentForOrder.execute({ orderId, userId, closedAs });
    expect(await f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 0, paymentDueAt })).toBe('ignored');
    expect(f.orders.rowOf(orderId)!.state).toBe(closedAs);
    expect(f.payments.ofOrder(orderId)).toEqual([]);
    expect(f.outbox.events).toEqual([]);
  });

  it('stores nothing when the free payment cannot be announced', async () => {
    const orderId = newId();
    f.outbox.failNext = new Error('outbox unavailable');
    await expect(f.handlers.openPaymentForOrder.execute({ orderId, userId, payable: 0, paymentDueAt })).rejects.toThrow('outbox unavailable');
    expect(f.orders.rowOf(orderId)).toBeUndefined();
    expect(f.payments.ofOrder(orderId)).toEqual([]);
  });

  it.each([
    ['a negative payable', { payable: -1 }],
    ['an order id that is no UUID', { orderId: 'o-1' }],
    ['a user id that is no UUID', { userId: 'u-1' }],
  ])('refuses %s (INVALID_VALUE), storing nothing', async (_, change) => {
    const command = { orderId: newId(), userId, payable: 100, paymentDueAt, ...change };
    expect(await codeOf(f.handlers.openPaymentForOrder.execute(command))).toBe('INVALID_VALUE');
    expect(f.orders.rowOf(command.orderId)).toBeUndefined();
  });
});

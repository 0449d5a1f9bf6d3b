import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { AWAITED_EVENTS } from '../awaited-events.js';
import { EventSchemaRegistry } from '../schema-registry.js';
import { consumersOf, subscriptions } from '../subscriptions.js';
import { PaymentRefundedV1, PaymentSucceededV1 } from './payment.events.js';

const registry = new EventSchemaRegistry([PaymentSucceededV1, PaymentRefundedV1]);
const accepts = (type: string, payload: unknown) => {
  try {
    registry.validatePayload(type, payload);
    return true;
  } catch {
    return false;
  }
};

const succeeded: PaymentSucceededV1 = {
  paymentId: randomUUID(),
  orderId: randomUUID(),
  userId: randomUUID(),
  amount: 8_000,
  succeededAt: new Date().toISOString(),
};
const { succeededAt, ...ids } = succeeded;
const refunded: PaymentRefundedV1 = { ...ids, refundedAt: succeededAt };

describe('the payment events', () => {
  it('are awaited from the payment context (issue 12), which the order context consumes already', () => {
    expect(AWAITED_EVENTS).toEqual([PaymentSucceededV1, PaymentRefundedV1]);
    expect(AWAITED_EVENTS.map((event) => event.type)).toEqual(['payment.succeeded.v1', 'payment.refunded.v1']);
    for (const event of AWAITED_EVENTS) expect(consumersOf(subscriptions, event.type), event.type).toEqual(['order']);
  });

  it('carry a payment of an order in whole fen, 0 included (an order paid with points only)', () => {
    expect(accepts(PaymentSucceededV1.type, succeeded)).toBe(true);
    expect(accepts(PaymentRefundedV1.type, refunded)).toBe(true);
    expect(accepts(PaymentSucceededV1.type, { ...succeeded, amount: 0 })).toBe(true);
    expect(accepts(PaymentSucceededV1.type, { ...succeeded, amount: 1_000_000_000_000 })).toBe(true);
  });

  it.each([
    ['a negative amount', { amount: -1 }],
    ['a fractional amount', { amount: 0.5 }],
    ['an amount over a trillion fen', { amount: 1_000_000_000_001 }],
    ['an amount as text', { amount: '8000' }],
    ['a payment id that is no UUID', { paymentId: 'pay-1' }],
    ['an order id that is no UUID', { orderId: 'order-1' }],
    ['an unknown field', { currency: 'CNY' }],
  ])('refuse %s', (_case, change) => {
    expect(accepts(PaymentSucceededV1.type, { ...succeeded, ...change })).toBe(false);
    expect(accepts(PaymentRefundedV1.type, { ...refunded, ...change })).toBe(false);
  });

  it('refuse a missing field or an instant that is no date-time', () => {
    for (const field of ['paymentId', 'orderId', 'userId', 'amount', 'succeededAt'] as const) {
      const { [field]: _dropped, ...without } = succeeded;
      expect(accepts(PaymentSucceededV1.type, without), field).toBe(false);
    }
    expect(accepts(PaymentSucceededV1.type, { ...succeeded, succeededAt: 'now' })).toBe(false);
    expect(accepts(PaymentRefundedV1.type, { ...refunded, refundedAt: 'later' })).toBe(false);
    expect(accepts(PaymentRefundedV1.type, { ...refunded, succeededAt })).toBe(false);
  });

  it('derive their payload types from the schemas', () => {
    expectTypeOf<PaymentSucceededV1>().toEqualTypeOf<{ paymentId: string; orderId: string; userId: string; amount: number; succeededAt: string }>();
    expectTypeOf<PaymentRefundedV1>().toEqualTypeOf<{ paymentId: string; orderId: string; userId: string; amount: number; refundedAt: string }>();
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { EventSchemaRegistry } from '../schema-registry.js';
import { consumersOf, subscriptions } from '../subscriptions.js';
import { paymentContext } from './payment.context.js';
import { PAYMENT_FAILURE_REASONS, PaymentFailedV1, PaymentRefundedV1, PaymentSucceededV1, type PaymentFailureReason } from './payment.events.js';

const registry = new EventSchemaRegistry(paymentContext.events);
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
const failed: PaymentFailedV1 = { ...ids, reason: 'DECLINED', failedAt: succeededAt };

describe('the payment events', () => {
  it('are what the payment context publishes: the success and the refund the order context consumes, and the failure', () => {
    expect(paymentContext.events).toEqual([PaymentSucceededV1, PaymentFailedV1, PaymentRefundedV1]);
    expect(paymentContext.events.map((event) => event.type)).toEqual(['payment.succeeded.v1', 'payment.failed.v1', 'payment.refunded.v1']);
    for (const event of [PaymentSucceededV1, PaymentRefundedV1]) expect(consumersOf(subscriptions, event.type), event.type).toEqual(['order']);
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
    expect(accepts(PaymentFailedV1.type, { ...failed, ...change })).toBe(false);
  });

  it('fail a payment with one of the listed reasons only, naming its amount (0 included)', () => {
    expect(PAYMENT_FAILURE_REASONS).toEqual(['DECLINED', 'EXPIRED', 'PROVIDER_ERROR']);
    for (const reason of PAYMENT_FAILURE_REASONS) expect(accepts(PaymentFailedV1.type, { ...failed, reason }), reason).toBe(true);
    expect(accepts(PaymentFailedV1.type, { ...failed, amount: 0 })).toBe(true);
    for (const reason of ['declined', 'TIMEOUT', '', null]) expect(accepts(PaymentFailedV1.type, { ...failed, reason }), String(reason)).toBe(false);
    expect(accepts(PaymentFailedV1.type, { ...failed, failedAt: 'just now' })).toBe(false);
    for (const field of ['paymentId', 'orderId', 'userId', 'amount', 'reason', 'failedAt'] as const) {
      const { [field]: _dropped, ...without } = failed;
      expect(accepts(PaymentFailedV1.type, without), field).toBe(false);
    }
    // The provider's own words stay in the payment context: the event carries no detail.
    expect(accepts(PaymentFailedV1.type, { ...failed, detail: 'card declined by issuer' })).toBe(false);
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
    expectTypeOf<PaymentFailedV1>().toEqualTypeOf<{
      paymentId: string;
      orderId: string;
      userId: string;
      amount: number;
      reason: PaymentFailureReason;
      failedAt: string;
    }>();
    expectTypeOf<PaymentFailureReason>().toEqualTypeOf<'DECLINED' | 'EXPIRED' | 'PROVIDER_ERROR'>();
  });
});

import { randomUUID } from 'node:crypto';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { EventSchemaRegistry } from '../schema-registry.js';
import { OrderCancelledV1, OrderPaidV1, OrderPlacedV1, OrderRefundedV1 } from './order.events.js';

const registry = new EventSchemaRegistry([OrderPlacedV1, OrderCancelledV1, OrderPaidV1, OrderRefundedV1]);
const valid = (type: string, payload: unknown) => {
  try {
    registry.validatePayload(type, payload);
    return true;
  } catch {
    return false;
  }
};

const placed: OrderPlacedV1 = {
  orderId: randomUUID(),
  userId: randomUUID(),
  items: [{ sku: 'SKU-1', quantity: 2, unitPrice: 1_500, lineTotal: 3_000 }],
  subtotal: 3_000,
  couponId: randomUUID(),
  pointsToUse: 0,
  placedAt: new Date().toISOString(),
};
const common = { orderId: placed.orderId, userId: placed.userId, couponId: null, pointsToUse: 100 };

describe('the order events', () => {
  it('accept the payloads the order context will publish', () => {
    expect(valid(OrderPlacedV1.type, placed)).toBe(true);
    expect(valid(OrderPlacedV1.type, { ...placed, couponId: null })).toBe(true);
    expect(valid(OrderCancelledV1.type, { ...common, reason: 'PAYMENT_TIMEOUT', cancelledAt: placed.placedAt })).toBe(true);
    expect(valid(OrderPaidV1.type, { ...common, amountPaid: 2_900, paidAt: placed.placedAt })).toBe(true);
    expect(valid(OrderRefundedV1.type, { ...common, amountRefunded: 2_900, refundedAt: placed.placedAt })).toBe(true);
  });

  it.each([
    ['no items', { ...placed, items: [] }],
    ['51 items', { ...placed, items: Array.from({ length: 51 }, () => placed.items[0]) }],
    ['a fractional price', { ...placed, items: [{ ...placed.items[0], unitPrice: 1.5 }] }],
    ['a negative subtotal', { ...placed, subtotal: -1 }],
    ['a subtotal over a trillion fen', { ...placed, subtotal: 1e12 + 1 }],
    ['a quantity of 0', { ...placed, items: [{ ...placed.items[0], quantity: 0 }] }],
    ['an unknown item field', { ...placed, items: [{ ...placed.items[0], name: 'x' }] }],
    ['an unknown field', { ...placed, extra: 1 }],
    ['a coupon id that is no UUID', { ...placed, couponId: 'c-1' }],
    ['negative points', { ...placed, pointsToUse: -1 }],
    ['no date', { ...placed, placedAt: 'now' }],
  ])('refuse an order.placed.v1 with %s', (_case, payload) => {
    expect(valid(OrderPlacedV1.type, payload)).toBe(false);
  });

  it('refuse a cancellation without a reason code, and amounts below zero', () => {
    expect(valid(OrderCancelledV1.type, { ...common, reason: '', cancelledAt: placed.placedAt })).toBe(false);
    expect(valid(OrderCancelledV1.type, { ...common, reason: 'x'.repeat(65), cancelledAt: placed.placedAt })).toBe(false);
    expect(valid(OrderPaidV1.type, { ...common, amountPaid: -1, paidAt: placed.placedAt })).toBe(false);
    expect(valid(OrderRefundedV1.type, { ...common, amountRefunded: 1, refundedAt: placed.placedAt, couponId: undefined })).toBe(false);
  });

  it('derive their payload types from the schemas', () => {
    expectTypeOf<OrderPlacedV1['couponId']>().toEqualTypeOf<string | null>();
    expectTypeOf<OrderPlacedV1['items'][number]>().toEqualTypeOf<{ sku: string; quantity: number; unitPrice: number; lineTotal: number }>();
    expectTypeOf<OrderCancelledV1>().toEqualTypeOf<{
      orderId: string;
      userId: string;
      couponId: string | null;
      pointsToUse: number;
      reason: string;
      cancelledAt: string;
    }>();
  });
});

import { describe, expect, it } from 'vitest';
import { canMoveTo, ORDER_CANCEL_REASONS, ORDER_STATUSES, ORDER_TRANSITIONS } from './order-status.js';

describe('the order lifecycle table', () => {
  it('is DESIGN.md’s: forward to COMPLETED, cancel before payment, refund from paid to completed (a provider’s refund); two final statuses', () => {
    const edges = ORDER_STATUSES.flatMap((from) => ORDER_STATUSES.filter((to) => canMoveTo(from, to)).map((to) => `${from}→${to}`));
    expect(edges.sort()).toEqual(
      [
        'PENDING→AWAITING_PAYMENT',
        'PENDING→CANCELLED',
        'AWAITING_PAYMENT→PAID',
        'AWAITING_PAYMENT→CANCELLED',
        'PAID→ACCEPTED',
        'ACCEPTED→SHIPPED',
        'SHIPPED→DELIVERED',
        'DELIVERED→COMPLETED',
        'PAID→REFUNDING',
        'ACCEPTED→REFUNDING',
        'SHIPPED→REFUNDING',
        'DELIVERED→REFUNDING',
        'COMPLETED→REFUNDING',
        'REFUNDING→REFUNDED',
      ].sort(),
    );
    expect(ORDER_STATUSES.filter((status) => ORDER_TRANSITIONS[status].length === 0)).toEqual(['CANCELLED', 'REFUNDED']);
  });

  it('names the cancel reasons: the order’s own, then COUPON_ and POINTS_ + each participant’s rejection reason', () => {
    expect(ORDER_CANCEL_REASONS).toEqual([
      'CUSTOMER_CANCELLED',
      'RESERVATION_TIMEOUT',
      'PAYMENT_TIMEOUT',
      'POINTS_EXCEED_PAYABLE',
      'COUPON_NOT_FOUND',
      'COUPON_NOT_OWNER',
      'COUPON_NOT_AVAILABLE',
      'COUPON_EXPIRED',
      'COUPON_BELOW_MIN_SPEND',
      'COUPON_ORDER_CANCELLED',
      'POINTS_INSUFFICIENT_POINTS',
      'POINTS_ORDER_CANCELLED',
    ]);
  });
});

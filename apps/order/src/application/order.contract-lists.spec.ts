import { describe, expect, it } from 'vitest';
import {
  COUPON_RESERVATION_REJECTION_REASONS,
  ORDER_CANCEL_REASONS as CONTRACT_CANCEL_REASONS,
  ORDER_STATUSES as CONTRACT_STATUSES,
  POINTS_RESERVATION_REJECTION_REASONS,
  REFUND_REASONS as CONTRACT_REFUND_REASONS,
} from '@shop/contracts';
import { MAX_PRICE, MIN_PRICE } from '../domain/product.js';
import { MAX_LINES, MAX_POINTS_TO_USE, MAX_QUANTITY } from '../domain/order-items.js';
import { COUPON_REJECTION_REASONS, ORDER_CANCEL_REASONS, ORDER_STATUSES, POINTS_REJECTION_REASONS, REFUND_REASONS } from '../domain/order-status.js';
import { ORDER_LIMITS, PRODUCT_PRICE, SKU_PATTERN } from '@shop/contracts';
import { Sku } from '../domain/sku.js';

// The domain keeps its own copies of these lists (it imports only the shared kernel); the published
// language must say exactly what the domain writes, and the participants' reasons what it reads.
describe('the domain’s lists and the published contract', () => {
  it('name the same statuses, in the same order', () => {
    expect(ORDER_STATUSES).toEqual(CONTRACT_STATUSES);
  });

  it('name the same cancel and refund reasons', () => {
    expect(ORDER_CANCEL_REASONS).toEqual(CONTRACT_CANCEL_REASONS);
    expect(REFUND_REASONS).toEqual(CONTRACT_REFUND_REASONS);
  });

  it('read the coupon and points contexts’ rejection reasons as they publish them', () => {
    expect(COUPON_REJECTION_REASONS).toEqual(COUPON_RESERVATION_REJECTION_REASONS);
    expect(POINTS_REJECTION_REASONS).toEqual(POINTS_RESERVATION_REJECTION_REASONS);
  });

  it('bound orders and prices as the HTTP contract does, and spell skus as its pattern', () => {
    expect({ maxLines: MAX_LINES, maxQuantity: MAX_QUANTITY, maxPointsToUse: MAX_POINTS_TO_USE }).toEqual(ORDER_LIMITS);
    expect({ min: MIN_PRICE, max: MAX_PRICE }).toEqual(PRODUCT_PRICE);
    const pattern = new RegExp(SKU_PATTERN);
    for (const sku of ['A', 'MUG-1', 'a', '-A', 'A'.repeat(64), 'A'.repeat(65), 'A B', 'TEA_1.5']) {
      let domain: boolean;
      try {
        Sku.of(sku);
        domain = true;
      } catch {
        domain = false;
      }
      expect(domain, sku).toBe(pattern.test(sku));
    }
  });
});
